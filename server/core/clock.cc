#include "core/clock.h"

#include <cstdio>

namespace hwload {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  const long long ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  long long secs = ms / 1000;
  int frac = static_cast<int>(ms % 1000);
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  long long days = secs / 86400;
  long long rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // The date as format_date writes it, then the time of day; digits by hand, as
  // every write stamps its rows with this.
  std::string out = analytics::format_date(analytics::Date{static_cast<int32_t>(days)});
  const int parts[] = {static_cast<int>(rem / 3600), static_cast<int>((rem / 60) % 60), static_cast<int>(rem % 60)};
  char tail[] = "T00:00:00.000Z";
  for (int i = 0; i < 3; ++i) {
    tail[1 + 3 * i] = static_cast<char>('0' + parts[i] / 10);
    tail[2 + 3 * i] = static_cast<char>('0' + parts[i] % 10);
  }
  tail[10] = static_cast<char>('0' + frac / 100);
  tail[11] = static_cast<char>('0' + frac / 10 % 10);
  tail[12] = static_cast<char>('0' + frac % 10);
  out += tail;
  return out;
}

analytics::Date local_date(std::chrono::system_clock::time_point t, int utc_offset_minutes) {
  const long long secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() +
                         static_cast<long long>(utc_offset_minutes) * 60;
  long long days = secs / 86400;
  if (secs % 86400 < 0) --days;
  return analytics::Date{static_cast<int32_t>(days)};
}

int local_minute_of_day(std::chrono::system_clock::time_point t, int utc_offset_minutes) {
  const long long secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() +
                         static_cast<long long>(utc_offset_minutes) * 60;
  return static_cast<int>(((secs % 86400) + 86400) % 86400 / 60);
}

bool parse_rfc3339_utc(const std::string& text, std::chrono::system_clock::time_point& out) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z) == 8 && z == 'Z') {
  } else if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) == 7 && z == 'Z') {
    ms = 0;
  } else {
    return false;
  }
  const auto date = analytics::date_from_ymd(y, mo, d);
  const long long secs = static_cast<long long>(date.days) * 86400 + h * 3600 + mi * 60 + s;
  out = std::chrono::system_clock::time_point(milliseconds(secs * 1000 + ms));
  return true;
}

}  // namespace hwload
