#include "auth/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace hwload::auth {

RateLimiter::RateLimiter(double per_second, double burst, size_t max_keys)
    : per_second_(per_second), burst_(std::max(1.0, burst)), max_keys_(std::max<size_t>(1, max_keys)) {}

void RateLimiter::refill(Bucket& b, Clock::time_point now) const {
  if (now <= b.updated) return;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
  b.updated = now;
}

void RateLimiter::evict_full(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
  }
}

RateLimiter::Verdict RateLimiter::take(const std::string& key, Clock::time_point now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) evict_full(now);
    if (buckets_.size() >= max_keys_) {
      // Every bucket is in use: refuse newcomers rather than forget a limited key.
      return {false, std::chrono::seconds(1)};
    }
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  refill(b, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait = per_second_ > 0 ? (1.0 - b.tokens) / per_second_ : 3600.0;
  return {false, std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait))))};
}

}  // namespace hwload::auth
