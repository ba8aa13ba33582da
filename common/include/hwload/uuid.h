// Random RFC 4122 version-4 UUIDs, formatted 8-4-4-4-12 in lower-case hex. Shared
// by the server (breach and alert ids) and the client SDK (assignment ids).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace hwload {

// Formats two random 64-bit words as a version-4 UUID (the version and variant
// bits are set here).
inline std::string format_uuid_v4(uint64_t hi, uint64_t lo) {
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF), static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

}  // namespace hwload
