// Configuration of the application (server/app): every knob with its documented default
// (docs/api.md §16, docs/server.md). The transport (server/http) fills this struct from the TOML
// file (--config) and the command-line flags; names match the TOML keys and flags:
//
//   listen = "127.0.0.1:8080"        --listen HOST:PORT
//   models_dir = ""                  --models DIR        (empty: the bundled models, embedded)
//   workers = 2                      --workers N         (evaluation threads)
//   queue_capacity = 64              --queue-capacity N  (queued jobs; full → 503 QUEUE_FULL)
//   auth = "none"                    --auth none|api_key
//   api_keys_file = ""               --api-keys FILE     (lines "<sha256 hex> <tenant>")
//   store = "memory"                 --store memory|sqlite:PATH
//   [limits] max_body_bytes, max_plain_body_bytes, max_json_depth, max_inputs
//   job_ttl_seconds = 3600, job_tombstone_seconds = 86400
//   sync_wait_ms = 2000, max_wait_seconds = 60
//   [rate_limit] enabled, submit_rate, submit_burst, read_rate, read_burst
//   [contexts] default_ttl_seconds, min_ttl_seconds, max_ttl_seconds, tombstone_seconds, budget_bytes
//   drain_seconds = 30
//
// Thread-safety: a value; App copies it at construction.
// Errors: validate_config() returns INVALID_ARGUMENT naming the first field out of range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/status.h"

namespace ei::server {

enum class AuthMode { kNone, kApiKey };

struct LimitsConfig {
  // POST /infer, POST /v1/infer, POST /v1/contexts body limit. Must admit the largest valid
  // request of every model (start-up fails otherwise): 12,585,046 bytes for logistic_v1.
  std::uint64_t max_body_bytes = 64ULL << 20;       // 67,108,864
  std::uint64_t max_plain_body_bytes = 1ULL << 20;  // POST /infer/plain, 1,048,576
  std::uint64_t max_other_body_bytes = 0;           // GET/DELETE: no content
  std::size_t max_json_depth = 32;                  // 1..32
  std::size_t max_inputs = 4096;                    // items in `inputs` (schema bound; may tighten)
};

struct RateLimitConfig {
  bool enabled = true;
  double submit_rate = 10.0;   // tokens per second: POST /infer, /infer/plain, /v1/contexts
  double submit_burst = 20.0;
  double read_rate = 50.0;     // every other authenticated request (polling included)
  double read_burst = 100.0;
};

struct ContextConfig {
  std::int64_t default_ttl_seconds = 3600;
  std::int64_t min_ttl_seconds = 60;
  std::int64_t max_ttl_seconds = 7 * 86400;
  std::int64_t tombstone_seconds = 86400;
  std::uint64_t budget_bytes = 256ULL << 20;  // per tenant, 268,435,456
};

struct Config {
  std::string listen = "127.0.0.1:8080";  // used by the transport only
  std::string models_dir;                 // empty: bundled models embedded in the binary
  std::size_t workers = 2;                // 1..256
  std::size_t queue_capacity = 64;        // 1..100000
  AuthMode auth = AuthMode::kNone;
  std::string api_keys_file;              // required in api_key mode
  std::string store = "memory";           // "memory" or "sqlite:PATH"
  LimitsConfig limits;
  std::int64_t job_ttl_seconds = 3600;        // retention after finishing
  std::int64_t job_tombstone_seconds = 86400; // JOB_EXPIRED, then UNKNOWN_JOB
  std::int64_t sync_wait_ms = 2000;           // default wait of POST /infer (0..max_wait)
  std::int64_t max_wait_seconds = 60;         // cap of Prefer: wait=N
  RateLimitConfig rate_limit;
  ContextConfig contexts;
  std::int64_t drain_seconds = 30;            // SIGTERM: time for queued/running jobs
  std::int64_t queue_full_retry_after_seconds = 2;
  std::int64_t shutting_down_retry_after_seconds = 5;
  bool log_requests = true;                   // one JSON log record per handled request
};

// INVALID_ARGUMENT naming the first field out of range (e.g. "limits.max_json_depth must be in
// [1, 32]"), else OK. Configuration can only tighten protocol and engine bounds.
[[nodiscard]] Status validate_config(const Config& config);

}  // namespace ei::server
