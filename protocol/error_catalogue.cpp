#include "protocol/error_catalogue.h"

namespace ei::protocol {
namespace {

constexpr CatalogueEntry kEntries[] = {
#define EI_PROBLEM_CODE(code, status, retryable, retry_after, title) \
  {ErrorCode::code, #code, status, retryable, retry_after, title},
#include "protocol/error_catalogue.inc"
#undef EI_PROBLEM_CODE
};

struct RawEngineRow {
  std::string_view engine;
  std::string_view ciphertext_load;  // "NONE" = no error
  std::string_view key_load;
};

constexpr RawEngineRow kEngineRows[] = {
#define EI_ENGINE_MAPPING(engine, ct, key) {#engine, #ct, #key},
#include "protocol/error_catalogue.inc"
#undef EI_ENGINE_MAPPING
};

const RawEngineRow* find_row(ei::Code engine_code) noexcept {
  const std::string_view name = ei::code_name(engine_code);
  for (const auto& row : kEngineRows) {
    if (row.engine == name) return &row;
  }
  return nullptr;
}

std::optional<ErrorCode> resolve(std::string_view name) noexcept {
  if (name == "NONE") return std::nullopt;
  auto code = code_from_name(name);
  return code ? code : std::optional<ErrorCode>(ErrorCode::INTERNAL);
}

}  // namespace

std::span<const CatalogueEntry> catalogue() noexcept { return kEntries; }

const CatalogueEntry& entry(ErrorCode code) noexcept {
  return kEntries[static_cast<std::size_t>(code)];
}

std::string_view code_name(ErrorCode code) noexcept { return entry(code).name; }

std::optional<ErrorCode> code_from_name(std::string_view name) noexcept {
  for (const auto& e : kEntries) {
    if (e.name == name) return e.code;
  }
  return std::nullopt;
}

std::string_view catalogue_version() noexcept { return EI_CATALOGUE_VERSION; }
std::string_view problem_type_prefix() noexcept { return EI_PROBLEM_TYPE_PREFIX; }

std::optional<ErrorCode> map_ciphertext_load(ei::Code engine_code) noexcept {
  if (engine_code == ei::Code::OK) return std::nullopt;
  const RawEngineRow* row = find_row(engine_code);
  if (row == nullptr) return ErrorCode::INTERNAL;
  auto mapped = resolve(row->ciphertext_load);
  return mapped ? mapped : std::optional<ErrorCode>(ErrorCode::INTERNAL);
}

std::optional<ErrorCode> map_key_load(ei::Code engine_code) noexcept {
  if (engine_code == ei::Code::OK) return std::nullopt;
  const RawEngineRow* row = find_row(engine_code);
  if (row == nullptr) return ErrorCode::INTERNAL;
  auto mapped = resolve(row->key_load);
  return mapped ? mapped : std::optional<ErrorCode>(ErrorCode::INTERNAL);
}

bool engine_code_mapped(ei::Code engine_code) noexcept { return find_row(engine_code) != nullptr; }

}  // namespace ei::protocol
