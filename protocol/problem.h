// Problem details (RFC 9457) as docs/api.md §14.1 defines them: the body of every error response
// and the `problem` member of a failed job.
//
// Thread-safety: values; render functions are pure.
// Ownership: a Problem owns its strings.
// Errors: none. Rendering never echoes payloads: callers put only member names, counts, ids,
//   parms_ids and scales into `detail`, `expected` and `got` (docs/api.md I5).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/error_catalogue.h"

namespace ei::protocol {

// The protocol version this implementation speaks (API-Version header, api_version members).
inline constexpr std::string_view kApiVersion = "1.1.0";

// One SCHEMA_VIOLATION entry: JSON Pointer into the request body, the violated JSON Schema
// keyword, and an English detail.
struct SchemaError {
  std::string pointer;
  std::string keyword;
  std::string detail;
};

inline constexpr std::size_t kMaxSchemaErrors = 64;

struct Problem {
  ErrorCode code = ErrorCode::INTERNAL;
  std::string detail;
  std::optional<std::string> pointer;
  nlohmann::ordered_json expected;  // null = absent; string, number or boolean otherwise
  nlohmann::ordered_json got;       // null = absent
  std::vector<SchemaError> errors;  // SCHEMA_VIOLATION only (at least one, at most 64)
  // Response headers that come with this problem (Retry-After seconds; 0 = none).
  int retry_after_seconds = 0;

  Problem() = default;
  Problem(ErrorCode c, std::string d) : code(c), detail(std::move(d)) {}

  Problem& at(std::string p) {
    pointer = std::move(p);
    return *this;
  }
  template <typename E, typename G>
  Problem& expected_got(E e, G g) {
    expected = e;
    got = g;
    return *this;
  }

  [[nodiscard]] int http_status() const noexcept { return entry(code).http_status; }
};

// The problem body as an ordered JSON object: type, title, status, detail, code, retryable,
// request_id, api_version, then pointer, expected, got, errors when present. `errors` is emitted
// only for SCHEMA_VIOLATION (and is required there: an empty list becomes one generic entry).
[[nodiscard]] nlohmann::ordered_json problem_json(const Problem& problem, std::string_view request_id);
// problem_json(...).dump().
[[nodiscard]] std::string render_problem(const Problem& problem, std::string_view request_id);

// "urn:ei:problem:CODE"
[[nodiscard]] std::string problem_type(ErrorCode code);

// JSON Pointer (RFC 6901) escaping of one reference token ("~" -> "~0", "/" -> "~1").
[[nodiscard]] std::string pointer_escape(std::string_view token);

// A member name or other client-chosen short string made safe for a detail: at most 64
// characters, control characters and quotes replaced. Used for ids and member names only.
[[nodiscard]] std::string safe_snippet(std::string_view text, std::size_t max_chars = 64);

}  // namespace ei::protocol
