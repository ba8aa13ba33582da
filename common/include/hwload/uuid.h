// RFC 9562 UUIDs, formatted 8-4-4-4-12 in lower-case hex. Shared by the server
// (breach and alert ids) and the client SDK (assignment ids).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace hwload {

// The 128 bits `hi`:`lo` as 8-4-4-4-12 lower-case hex (version and variant bits as given).
inline std::string format_uuid_bits(uint64_t hi, uint64_t lo) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF), static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

// Formats two random 64-bit words as a version-4 UUID (the version and variant
// bits are set here).
inline std::string format_uuid_v4(uint64_t hi, uint64_t lo) {
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  return format_uuid_bits(hi, lo);
}

// A version-7 UUID: the Unix time in milliseconds in the first 48 bits, then 74
// random bits (12 of `rand_hi`, 62 of `rand_lo`). Ids made one after another sort
// in time order, as text too, so their primary-key inserts append to the B-tree
// instead of landing on random pages.
inline std::string format_uuid_v7(uint64_t unix_ms, uint64_t rand_hi, uint64_t rand_lo) {
  const uint64_t hi = ((unix_ms & 0xFFFFFFFFFFFFULL) << 16) | 0x7000ULL | (rand_hi & 0x0FFFULL);
  const uint64_t lo = (rand_lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  return format_uuid_bits(hi, lo);
}

}  // namespace hwload
