// The token-bucket rate limiter (server/auth/rate_limit.h), with time passed in.
#include <gtest/gtest.h>

#include "auth/rate_limit.h"

namespace hwload::auth {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const RateLimiter::Clock::time_point kStart{seconds(1000)};

TEST(RateLimiter, AllowsABurstThenRefusesWithRetryAfter) {
  RateLimiter limiter(/*per_second=*/2, /*burst=*/5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.take("tok-a", kStart).allowed) << i;
  const auto refused = limiter.take("tok-a", kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(1));  // half a second to the next token, rounded up
}

TEST(RateLimiter, RefillsAtItsRateUpToTheBurst) {
  RateLimiter limiter(2, 5);
  for (int i = 0; i < 5; ++i) limiter.take("k", kStart);
  EXPECT_FALSE(limiter.take("k", kStart + milliseconds(400)).allowed);
  EXPECT_TRUE(limiter.take("k", kStart + milliseconds(500)).allowed);  // one token after 0.5 s
  EXPECT_FALSE(limiter.take("k", kStart + milliseconds(600)).allowed);
  // After a long pause the bucket is full again, but never fuller than the burst.
  const auto later = kStart + seconds(60);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.take("k", later).allowed) << i;
  EXPECT_FALSE(limiter.take("k", later).allowed);
}

TEST(RateLimiter, KeysAreLimitedSeparately) {
  RateLimiter limiter(1, 1);
  EXPECT_TRUE(limiter.take("10.0.0.1", kStart).allowed);
  EXPECT_FALSE(limiter.take("10.0.0.1", kStart).allowed);
  EXPECT_TRUE(limiter.take("10.0.0.2", kStart).allowed);
}

TEST(RateLimiter, SlowRatesAskForALongerWait) {
  RateLimiter limiter(0.1, 1);  // one request every ten seconds
  EXPECT_TRUE(limiter.take("k", kStart).allowed);
  EXPECT_EQ(limiter.take("k", kStart).retry_after, seconds(10));
  EXPECT_EQ(limiter.take("k", kStart + seconds(4)).retry_after, seconds(6));
}

TEST(RateLimiter, ForgetsIdleKeysBeforeRefusingNewOnes) {
  RateLimiter limiter(1, 2, /*max_keys=*/2);
  limiter.take("a", kStart);
  limiter.take("b", kStart);
  // Both buckets are below full: a third key is refused rather than forgetting them.
  EXPECT_FALSE(limiter.take("c", kStart).allowed);
  // Once "a" and "b" have refilled they are forgotten, and "c" gets a bucket.
  EXPECT_TRUE(limiter.take("c", kStart + seconds(5)).allowed);
  EXPECT_LE(limiter.keys(), 2u);
}

}  // namespace
}  // namespace hwload::auth
