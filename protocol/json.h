// Strict I-JSON parsing of request bodies (docs/api.md §4.4): one JSON text, UTF-8, no byte order
// mark, no duplicate member names, every number a finite double, nesting depth bounded.
//
// Thread-safety: pure function.
// Ownership: the returned DOM owns copies of the strings (moved out of the lexer, not copied twice).
// Errors: a JsonError with a safe English detail (never quoting the body beyond member names,
//   which are truncated) and the byte offset; `too_large` when the body exceeds max_bytes (the
//   caller answers PAYLOAD_TOO_LARGE, not MALFORMED_JSON).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace ei::protocol {

struct JsonLimits {
  std::size_t max_depth = 32;            // arrays/objects nested at most this deep
  std::size_t max_bytes = std::size_t{64} << 20;  // body bytes
};

struct JsonError {
  std::string detail;       // "The request body is not valid JSON: unexpected end of input at byte 63."
  std::size_t byte_offset = 0;
  bool too_large = false;
};

using JsonParseResult = std::variant<nlohmann::json, JsonError>;

// Parses `body` as one I-JSON text. Allocates the DOM.
[[nodiscard]] JsonParseResult parse_json(std::string_view body, const JsonLimits& limits = {});

// The JSON Schema type name of a value ("object", "array", "string", "number", "integer",
// "boolean", "null"); "integer" for integral numbers (including 2.0).
[[nodiscard]] std::string_view json_type_name(const nlohmann::json& value);

// True iff the value is a number with no fractional part (JSON Schema "integer": 2, 2.0, 2e0).
[[nodiscard]] bool is_integral_number(const nlohmann::json& value);

}  // namespace ei::protocol
