#include "server/app/config.h"

#include "engine/limits.h"

namespace ei::server {
namespace {

Status bad(const std::string& field, const std::string& rule) {
  return Status(Code::INVALID_ARGUMENT, "configuration: " + field + " " + rule);
}

}  // namespace

Status validate_config(const Config& c) {
  if (c.workers < 1 || c.workers > 256) return bad("workers", "must be in [1, 256]");
  if (c.queue_capacity < 1 || c.queue_capacity > 100000) return bad("queue_capacity", "must be in [1, 100000]");
  if (c.store != "memory" && (c.store.rfind("sqlite:", 0) != 0 || c.store.size() <= 7)) {
    return bad("store", "must be \"memory\" or \"sqlite:PATH\"");
  }
  if (c.limits.max_body_bytes < 1024 || c.limits.max_body_bytes > limits::kMaxObjectBytes) {
    return bad("limits.max_body_bytes", "must be in [1024, 1073741824]");
  }
  if (c.limits.max_plain_body_bytes < 64 || c.limits.max_plain_body_bytes > (64ULL << 20)) {
    return bad("limits.max_plain_body_bytes", "must be in [64, 67108864]");
  }
  if (c.limits.max_json_depth < 4 || c.limits.max_json_depth > 32) {
    return bad("limits.max_json_depth", "must be in [4, 32] (requests nest 3 deep; the protocol allows 32)");
  }
  if (c.limits.max_inputs < 1 || c.limits.max_inputs > 4096) return bad("limits.max_inputs", "must be in [1, 4096]");
  if (c.job_ttl_seconds < 1 || c.job_ttl_seconds > 30LL * 86400) return bad("job_ttl_seconds", "must be in [1, 2592000]");
  if (c.job_tombstone_seconds < 0 || c.job_tombstone_seconds > 365LL * 86400) {
    return bad("job_tombstone_seconds", "must be in [0, 31536000]");
  }
  if (c.max_wait_seconds < 0 || c.max_wait_seconds > 3600) return bad("max_wait_seconds", "must be in [0, 3600]");
  if (c.sync_wait_ms < 0 || c.sync_wait_ms > c.max_wait_seconds * 1000) {
    return bad("sync_wait_ms", "must be in [0, max_wait_seconds * 1000]");
  }
  const auto& rl = c.rate_limit;
  if (!(rl.submit_rate > 0) || !(rl.read_rate > 0) || !(rl.submit_burst >= 1) || !(rl.read_burst >= 1)) {
    return bad("rate_limit", "rates must be > 0 and bursts >= 1");
  }
  const auto& cx = c.contexts;
  if (cx.min_ttl_seconds < 1 || cx.max_ttl_seconds < cx.min_ttl_seconds || cx.default_ttl_seconds < cx.min_ttl_seconds ||
      cx.default_ttl_seconds > cx.max_ttl_seconds) {
    return bad("contexts", "needs 1 <= min_ttl_seconds <= default_ttl_seconds <= max_ttl_seconds");
  }
  if (cx.tombstone_seconds < 0) return bad("contexts.tombstone_seconds", "must be >= 0");
  if (cx.budget_bytes < 1) return bad("contexts.budget_bytes", "must be >= 1");
  if (c.drain_seconds < 0 || c.drain_seconds > 3600) return bad("drain_seconds", "must be in [0, 3600]");
  if (c.queue_full_retry_after_seconds < 1 || c.shutting_down_retry_after_seconds < 1) {
    return bad("retry_after", "values must be >= 1");
  }
  return Status::Ok();
}

}  // namespace ei::server
