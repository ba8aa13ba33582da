// Time is injected: nothing in the server reads the system clock except SystemClock.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "hwload/analytics/calendar.h"

namespace hwload {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

// A clock tests set by hand. Frozen, it always says the time it was set to;
// running, it moves on in real time from there (for tests of timers and retries
// that still need a chosen date).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point t, bool running = false)
      : t_(t), set_at_(std::chrono::steady_clock::now()), running_(running) {}
  std::chrono::system_clock::time_point now() const override {
    std::lock_guard lock(mu_);
    if (!running_) return t_;
    return t_ +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::steady_clock::now() - set_at_);
  }
  void set(std::chrono::system_clock::time_point t) {
    std::lock_guard lock(mu_);
    t_ = t;
    set_at_ = std::chrono::steady_clock::now();
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point t_;
  std::chrono::steady_clock::time_point set_at_;
  bool running_;
};

// RFC 3339 in UTC with millisecond precision, e.g. 2026-11-23T10:15:00.123Z.
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// The calendar date at `t` in a zone `utc_offset_minutes` east of UTC (China: +480).
analytics::Date local_date(std::chrono::system_clock::time_point t, int utc_offset_minutes);
// Minutes after local midnight at `t` in that zone (0-1439).
int local_minute_of_day(std::chrono::system_clock::time_point t, int utc_offset_minutes);

// Parses YYYY-MM-DDTHH:MM:SS[.fff]Z (UTC) as format_rfc3339 writes it.
bool parse_rfc3339_utc(const std::string& text, std::chrono::system_clock::time_point& out);

}  // namespace hwload
