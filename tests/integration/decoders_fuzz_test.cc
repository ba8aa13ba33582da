// Replays the decoders' fuzz target (tests/fuzz/decoders_fuzz.cc) over valid seeds,
// their mutations and random bytes, deterministically: run under ASan + UBSan in CI,
// this is where a decoder's crash or overflow would show.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "hwload/v1/hwload.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> seeds() {
  hwload::v1::AssignmentBatch batch;
  auto* a = batch.add_assignments();
  a->set_assignment_id("a1");
  a->set_school_id("s1");
  a->set_class_id("c5");
  a->set_subject("数学");
  a->set_assigned_date("2026-11-17");
  a->set_type(hwload::v1::WRITTEN);
  a->set_estimated_minutes(30);
  std::string pb;
  batch.SerializeToString(&pb);
  return {
      std::string(1, '\x00') + pb,
      std::string(1, '\x01') +
          R"({"assignments":[{"assignment_id":"a1","school_id":"s1","type":"WRITTEN","estimated_minutes":30}]})",
      std::string(1, '\x03') + R"({"reports":[{"assignment_id":"a1","students":[{"student_key":"s01","minutes":5}]}]})",
      std::string(1, '\x08') + "/v1/schools/s%E5%AD%A6/classes/c5/load?from=2026-11-17&to=2026-11-18&x=%zz",
      std::string(1, '\x0a') + "\xEF\xBB\xBFschool_id,subject\n\"s1\",\"数,学\n\"\"x\"\"\"\n",
  };
}

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

TEST(DecodersFuzz, ValidSeedsAndTheirMutationsNeverCrash) {
  std::mt19937 rng(20261123);
  for (const auto& seed : seeds()) {
    run(seed);
    for (int i = 0; i < 3000; ++i) {
      std::string m = seed;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && m.size() > 1; ++e) {
        const size_t pos = 1 + rng() % (m.size() - 1);
        switch (rng() % 3) {
          case 0:
            m[pos] = static_cast<char>(rng());
            break;
          case 1:
            m.erase(pos, 1 + rng() % 4);
            break;
          default:
            m.insert(pos, 1, static_cast<char>(rng()));
            break;
        }
      }
      run(m);
      run(m.substr(0, 1 + rng() % m.size()));  // truncated
    }
  }
}

TEST(DecodersFuzz, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string input(rng() % 64, '\0');
    for (char& c : input) c = static_cast<char>(rng());
    run(input);
  }
}

}  // namespace
