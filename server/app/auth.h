// API-key authentication (docs/api.md §15.1, mode api_key): the keys file holds, per line,
// "<lower-case hex SHA-256 of the key> <tenant>" (blank lines and lines starting with '#' are
// ignored). Presented keys are hashed and compared in constant time (sodium_memcmp) against every
// stored hash; raw keys are never stored or logged.
//
// Thread-safety: immutable after load; authenticate() is safe concurrently.
// Errors: load() returns INVALID_ARGUMENT naming the file and line.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace ei::server {

class ApiKeys {
 public:
  [[nodiscard]] static Result<ApiKeys> load_file(const std::string& path);
  [[nodiscard]] static Result<ApiKeys> parse(std::string_view text, const std::string& name);

  // The tenant of the `Authorization` header value, or nullopt (missing, not "Bearer <b64token>",
  // unknown key).
  [[nodiscard]] std::optional<std::string> authenticate(std::string_view authorization) const;

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

  // Lower-case hex SHA-256 (for writing keys files in tests and tools).
  [[nodiscard]] static std::string sha256_hex(std::string_view data);

 private:
  struct Entry {
    std::array<std::uint8_t, 32> hash;
    std::string tenant;
  };
  std::vector<Entry> entries_;
};

}  // namespace ei::server
