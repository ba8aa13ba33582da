// format_rfc3339, which stamps every stored row: the fixed-width form that
// parse_rfc3339_utc reads back, on both sides of the epoch and at the ends of a day.
#include <gtest/gtest.h>

#include <chrono>

#include "core/clock.h"

namespace hwload {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

system_clock::time_point at_ms(long long ms) { return system_clock::time_point(milliseconds(ms)); }

TEST(FormatRfc3339, WritesUtcWithMilliseconds) {
  EXPECT_EQ(format_rfc3339(at_ms(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(at_ms(1795511444829)), "2026-11-24T09:10:44.829Z");
  EXPECT_EQ(format_rfc3339(at_ms(1795564799999)), "2026-11-24T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(at_ms(1795564800000)), "2026-11-25T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(at_ms(1795486205007)), "2026-11-24T02:10:05.007Z");
  // Before the epoch the milliseconds still count forward within their second.
  EXPECT_EQ(format_rfc3339(at_ms(-1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(at_ms(-86400000)), "1969-12-31T00:00:00.000Z");
}

TEST(FormatRfc3339, RoundTripsThroughTheParser) {
  for (long long ms : {0LL, 1LL, 999LL, 1000LL, 1795511444829LL, 1795564799999LL, 951782400000LL, -1LL}) {
    system_clock::time_point back;
    const std::string text = format_rfc3339(at_ms(ms));
    ASSERT_TRUE(parse_rfc3339_utc(text, back)) << text;
    EXPECT_EQ(std::chrono::duration_cast<milliseconds>(back.time_since_epoch()).count(), ms) << text;
  }
}

}  // namespace
}  // namespace hwload
