// Small helpers for writing response JSON the way docs/api.md §4.4 wants numbers and timestamps.
//
// Thread-safety: pure functions.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ei::server {

using ojson = nlohmann::ordered_json;

// An integral double with magnitude <= 2^53 as a JSON integer (1073741824, never 1073741824.0);
// anything else as a double (shortest round-trip form).
inline ojson json_number(double v) {
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) <= 9007199254740992.0) {
    return ojson(static_cast<std::int64_t>(v));
  }
  return ojson(v);
}

// Serializes a response body (UTF-8; invalid bytes, which never occur in our documents, replaced).
inline std::string dump_json(const ojson& j) {
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

// RFC 3339 UTC with milliseconds and Z: "2025-06-02T09:14:07.512Z". `ms` = Unix milliseconds.
std::string format_timestamp(std::int64_t unix_ms);
// Unix milliseconds of the system clock now.
std::int64_t now_unix_ms();

}  // namespace ei::server
