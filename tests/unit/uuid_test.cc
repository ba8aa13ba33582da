// Ids (issue 6): version-7 UUIDs sort by the time they were made, as text, so their
// primary-key inserts append; version-4 ones stay as they were.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "hwload/uuid.h"

namespace hwload {
namespace {

const std::regex kV7("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

TEST(Uuid, Version7CarriesTheMillisecondsFirstThenTheVersionAndVariant) {
  // 2026-11-25T04:00:00.123Z is 1795579200123 ms since the epoch.
  const std::string id = format_uuid_v7(1795579200123ULL, ~0ULL, ~0ULL);
  EXPECT_TRUE(std::regex_match(id, kV7)) << id;
  char head[16];
  std::snprintf(head, sizeof head, "%012llx", 1795579200123ULL);
  const std::string ms_hex = head;
  EXPECT_EQ(id.substr(0, 8) + id.substr(9, 4), ms_hex);
  EXPECT_EQ(id.substr(14, 4), "7fff");  // version 7, then 12 random bits
  EXPECT_EQ(id.substr(19, 1), "b");     // variant 10xx
}

TEST(Uuid, Version7IdsOfLaterMillisecondsSortAfterEarlierOnesAsText) {
  std::vector<std::string> made;
  uint64_t r = 0x9e3779b97f4a7c15ULL;
  for (uint64_t ms = 1795579200000ULL; ms < 1795579200000ULL + 2000; ms += 7) {
    r = r * 6364136223846793005ULL + 1442695040888963407ULL;  // the random bits vary
    made.push_back(format_uuid_v7(ms, r, ~r));
  }
  EXPECT_TRUE(std::is_sorted(made.begin(), made.end()));
  EXPECT_EQ(std::set<std::string>(made.begin(), made.end()).size(), made.size());
  for (const auto& id : made) EXPECT_TRUE(std::regex_match(id, kV7)) << id;
}

TEST(Uuid, Version4KeepsItsVersionAndVariantBits) {
  const std::string id = format_uuid_v4(~0ULL, 0);
  EXPECT_TRUE(std::regex_match(id, std::regex("^ffffffff-ffff-4fff-8000-000000000000$"))) << id;
}

}  // namespace
}  // namespace hwload
