#include "engine/status.h"

#include <array>

namespace ei {
namespace {
struct CodeInfo {
  std::string_view name;
  std::string_view description;
};
constexpr std::array kCodeInfo = {
#define EI_CODE_INFO(name, text) CodeInfo{#name, text},
    EI_ENGINE_CODES(EI_CODE_INFO)
#undef EI_CODE_INFO
};
}  // namespace

std::string_view code_name(Code code) noexcept {
  auto i = static_cast<std::size_t>(code);
  return i < kCodeInfo.size() ? kCodeInfo[i].name : std::string_view("UNKNOWN");
}

std::string_view code_description(Code code) noexcept {
  auto i = static_cast<std::size_t>(code);
  return i < kCodeInfo.size() ? kCodeInfo[i].description : std::string_view("unknown code");
}

std::string Status::to_string() const {
  std::string out(code_name(code_));
  if (!detail_.empty()) {
    out += ": ";
    out += detail_;
  }
  return out;
}
}  // namespace ei
