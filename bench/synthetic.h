// Synthetic schools for the benchmarks: a fixed-seed generator so every run sees the
// same workload. The shapes follow issue 6: 40-pupil classes, 2-6 written assignments
// a class-day, lognormal completion minutes around the teacher's estimate.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>

namespace hwload::bench {

inline constexpr int kStudentsPerClass = 40;

inline constexpr std::array<std::string_view, 9> kSubjects = {"语文", "数学", "英语", "物理", "化学",
                                                              "道德与法治", "历史", "地理", "生物"};

class Synth {
 public:
  explicit Synth(uint32_t seed) : rng_(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  // A teacher's estimate for one written assignment, in minutes.
  int estimate_minutes() {
    static constexpr std::array<int, 6> kEstimates = {10, 15, 15, 20, 20, 30};
    return kEstimates[static_cast<size_t>(uniform(0, static_cast<int>(kEstimates.size()) - 1))];
  }

  // A student's reported minutes: lognormal with mean `estimate` (sigma 0.4, so about
  // two thirds of reports fall within -33%..+50% of it), clamped to the API's 0-600.
  int reported_minutes(int estimate) {
    constexpr double kSigma = 0.4;
    std::normal_distribution<double> z(-kSigma * kSigma / 2, kSigma);
    const double m = std::round(estimate * std::exp(z(rng_)));
    return static_cast<int>(std::clamp(m, 1.0, 600.0));
  }

  std::string_view subject(int i) const { return kSubjects[static_cast<size_t>(i) % kSubjects.size()]; }

  // A random version-4 UUID, the form clients choose for assignment ids.
  std::string uuid() {
    std::uniform_int_distribution<uint32_t> word;
    const uint32_t a = word(rng_), b = word(rng_), c = word(rng_), d = word(rng_);
    char out[37];
    std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%04x%08x", a, b >> 16, b & 0xfffu,
                  ((c >> 16) & 0x3fffu) | 0x8000u, c & 0xffffu, d);
    return out;
  }

 private:
  std::mt19937 rng_;
};

// A class-local pseudonym for a student: the seat number, "01".."40".
inline std::string student_key(int seat) {
  char out[12];
  std::snprintf(out, sizeof out, "%02d", seat);
  return out;
}

}  // namespace hwload::bench
