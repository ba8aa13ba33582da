// Request rate limits (issue 5): a token bucket per key (a token id, or a peer
// address), refilled continuously. Pure and single-threaded: time is passed in,
// and the caller owns any locking.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace hwload::auth {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `per_second` requests a second on average, bursts up to `burst`. At most
  // `max_keys` buckets are kept: full buckets are dropped first when it is reached.
  RateLimiter(double per_second, double burst, size_t max_keys = 100000);

  struct Verdict {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // when refused: until one request is allowed again (at least 1 s)
  };
  // Takes one request from `key`'s bucket at time `now`.
  Verdict take(const std::string& key, Clock::time_point now);

  size_t keys() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void refill(Bucket& b, Clock::time_point now) const;
  void evict_full(Clock::time_point now);

  double per_second_, burst_;
  size_t max_keys_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace hwload::auth
