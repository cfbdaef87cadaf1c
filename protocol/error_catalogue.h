// The protocol's error catalogue as C++ data: every code of protocol/errors.yaml with its HTTP
// status, retryable flag, Retry-After flag and title, plus the engine-code mapping.
//
// Generated data lives in protocol/error_catalogue.inc (protocol/gen_catalogue.py writes it from
// protocol/errors.yaml; the protocol_catalogue_sync test fails when it is stale).
//
// Thread-safety: immutable constant data; every function is safe concurrently.
// Ownership: returned string_views point into static storage.
// Errors: none (lookups of unknown names return nullopt).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "engine/status.h"

namespace ei::protocol {

enum class ErrorCode : std::uint16_t {
#define EI_PROBLEM_CODE(code, status, retryable, retry_after, title) code,
#include "protocol/error_catalogue.inc"
#undef EI_PROBLEM_CODE
};

struct CatalogueEntry {
  ErrorCode code;
  std::string_view name;  // UPPER_SNAKE, e.g. "SCALE_MISMATCH"
  int http_status;
  bool retryable;
  bool retry_after;  // the response always carries Retry-After
  std::string_view title;
};

// Every entry, in catalogue order.
[[nodiscard]] std::span<const CatalogueEntry> catalogue() noexcept;
[[nodiscard]] const CatalogueEntry& entry(ErrorCode code) noexcept;
[[nodiscard]] std::string_view code_name(ErrorCode code) noexcept;
[[nodiscard]] std::optional<ErrorCode> code_from_name(std::string_view name) noexcept;
// "1.1.0" (catalogue_version of errors.yaml).
[[nodiscard]] std::string_view catalogue_version() noexcept;
// "urn:ei:problem:"
[[nodiscard]] std::string_view problem_type_prefix() noexcept;

// engine_mapping of errors.yaml. nullopt for OK (no error). REQUIRES: code != OK for a value.
// Every engine code has a mapping (a unit test walks EI_ENGINE_CODES); an unmapped code (an engine
// newer than the catalogue) maps to INTERNAL.
[[nodiscard]] std::optional<ErrorCode> map_ciphertext_load(ei::Code engine_code) noexcept;
[[nodiscard]] std::optional<ErrorCode> map_key_load(ei::Code engine_code) noexcept;
// True iff errors.yaml has a row for this engine code (used by the coverage test).
[[nodiscard]] bool engine_code_mapped(ei::Code engine_code) noexcept;

}  // namespace ei::protocol
