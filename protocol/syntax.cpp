#include "protocol/syntax.h"

namespace ei::protocol {
namespace {

bool alnum(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool lower_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

template <typename Rest>
bool ident(std::string_view s, std::size_t max_len, Rest rest) noexcept {
  if (s.empty() || s.size() > max_len || !alnum(s[0])) return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (!alnum(s[i]) && !rest(s[i])) return false;
  }
  return true;
}

bool hex_of_length(std::string_view s, std::size_t n) noexcept {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!lower_hex(c)) return false;
  }
  return true;
}

}  // namespace

std::size_t utf8_length(std::string_view text) noexcept {
  std::size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
  }
  return n;
}

bool is_valid_tenant(std::string_view s) noexcept {
  return ident(s, 64, [](char c) { return c == '_' || c == '.' || c == '-'; });
}
bool is_job_id(std::string_view s) noexcept { return hex_of_length(s, 32); }
bool is_context_id(std::string_view s) noexcept { return hex_of_length(s, 64); }

bool is_idempotency_key(std::string_view s) noexcept {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E) return false;
  }
  return true;
}

bool is_registry_model_id(std::string_view s) noexcept {
  return ident(s, 128, [](char c) { return c == '_' || c == '.' || c == '-'; });
}
bool is_registry_version(std::string_view s) noexcept {
  return ident(s, 64, [](char c) { return c == '_' || c == '.' || c == '+' || c == '-'; });
}

bool is_layout_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::optional<std::uint32_t> parse_api_version(std::string_view s) noexcept {
  std::size_t parts = 0;
  std::size_t i = 0;
  std::uint32_t major = 0;
  while (true) {
    std::size_t digits = 0;
    std::uint32_t value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + static_cast<std::uint32_t>(s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0 || digits > 4) return std::nullopt;
    if (parts == 0) major = value;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 3) return std::nullopt;
    ++i;
  }
  return major;
}

}  // namespace ei::protocol
