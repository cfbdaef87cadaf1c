// Syntax of the protocol's identifiers and header values (docs/api.md §4.2, §4.5, §19).
//
// Thread-safety: pure functions. Errors: none (predicates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ei::protocol {

// Number of Unicode code points of valid UTF-8 text (JSON Schema's string length).
[[nodiscard]] std::size_t utf8_length(std::string_view text) noexcept;

// ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$
[[nodiscard]] bool is_valid_tenant(std::string_view s) noexcept;
// ^[0-9a-f]{32}$
[[nodiscard]] bool is_job_id(std::string_view s) noexcept;
// ^[0-9a-f]{64}$
[[nodiscard]] bool is_context_id(std::string_view s) noexcept;
// 1..255 visible ASCII (%x21-7E).
[[nodiscard]] bool is_idempotency_key(std::string_view s) noexcept;
// Registry model id ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$ and version ^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$.
[[nodiscard]] bool is_registry_model_id(std::string_view s) noexcept;
[[nodiscard]] bool is_registry_version(std::string_view s) noexcept;
// ^[a-z][a-z0-9_]{0,63}$
[[nodiscard]] bool is_layout_name(std::string_view s) noexcept;

// A requested protocol version: ^[0-9]{1,4}(\.[0-9]{1,4}){0,2}$ (body member and header share
// the syntax). Returns the major version, or nullopt when the syntax is invalid.
[[nodiscard]] std::optional<std::uint32_t> parse_api_version(std::string_view s) noexcept;

}  // namespace ei::protocol
