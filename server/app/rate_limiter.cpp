#include "server/app/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace ei::server {

int RateLimiter::acquire(const std::string& tenant, RateClass cls, bool consume, Clock::time_point now) {
  if (!config_.enabled || cls == RateClass::kNone) return 0;
  const double rate = cls == RateClass::kSubmit ? config_.submit_rate : config_.read_rate;
  const double burst = cls == RateClass::kSubmit ? config_.submit_burst : config_.read_burst;
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = buckets_[{tenant, static_cast<int>(cls)}];
  if (!b.init) {
    b.init = true;
    b.tokens = burst;
    b.last = now;
  }
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.tokens = std::min(burst, b.tokens + elapsed * rate);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    if (consume) b.tokens -= 1.0;
    return 0;
  }
  if (rate <= 0) return 3600;
  const double wait = (1.0 - b.tokens) / rate;
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

}  // namespace ei::server
