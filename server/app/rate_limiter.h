// Per-tenant token buckets (docs/api.md §15.3): one `submit` and one `read` bucket per tenant.
//
// Thread-safety: every method is safe concurrently (one mutex).
// Errors: none. A rejected request consumes no token.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "server/app/config.h"
#include "server/app/routes.h"

namespace ei::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimitConfig config) : config_(config) {}

  // Takes one token when available: returns 0. Otherwise returns the whole seconds (>= 1) until a
  // token is available. With `consume` false only looks (precheck).
  int acquire(const std::string& tenant, RateClass cls, bool consume = true, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0.0;
    Clock::time_point last{};
    bool init = false;
  };
  RateLimitConfig config_;
  std::mutex mu_;
  std::map<std::pair<std::string, int>, Bucket> buckets_;
};

}  // namespace ei::server
