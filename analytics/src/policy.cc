#include "hwload/analytics/policy.h"

namespace hwload::analytics {

GradeBand grade_band(int grade) {
  if (grade <= 2) return GradeBand::kLower;
  if (grade <= 6) return GradeBand::kMiddle;
  return GradeBand::kUpper;
}

int PolicyProfile::cap_minutes(int grade, DayKind kind) const {
  const auto band = static_cast<size_t>(grade_band(grade));
  if (auto it = day_kind_caps.find(kind); it != day_kind_caps.end()) return it->second[band];
  return school_day_caps[band];
}

bool PolicyProfile::no_homework_applies(int grade) const {
  return no_homework_day && grade >= no_homework_min_grade && grade <= no_homework_max_grade;
}

std::vector<PolicyProfile> builtin_profiles() {
  std::vector<PolicyProfile> out;
  auto add = [&](std::string name, std::string source) -> PolicyProfile& {
    PolicyProfile p;
    p.name = std::move(name);
    p.source = std::move(source);
    return out.emplace_back(std::move(p));
  };
  add("national", "national double-reduction caps, as repeated in 000 and 002");
  add("xinyang", "000_eefc9024895cc914.txt §四(三)");
  {
    // 002 §三(二)2: weekends, vacations and public holidays are also controlled; the
    // text gives no number of its own, so the school-day caps are stated explicitly.
    PolicyProfile& p = add("luoyang", "002_fabbef073f7266e9.txt §三(二)2");
    for (DayKind k : {DayKind::kWeekend, DayKind::kHoliday, DayKind::kVacation}) {
      p.day_kind_caps[k] = p.school_day_caps;
    }
  }
  {
    PolicyProfile& p = add("hengyang", "003_4f73318976e71334.txt §4(1)");
    p.no_homework_day = true;
    p.no_homework_min_grade = 1;
    p.no_homework_max_grade = 6;
  }
  add("zhejiang", "001_b91617a480741636.txt (draft; no numbers of its own)");
  add("fushun", "004_4c974fdba13d4d87.txt §13 (no numbers of its own)");
  return out;
}

ProfileSet::ProfileSet() {
  for (auto& p : builtin_profiles()) put(std::move(p));
}

void ProfileSet::put(PolicyProfile profile) {
  std::string name = profile.name;
  profiles_.insert_or_assign(std::move(name), std::move(profile));
}

const PolicyProfile* ProfileSet::find(const std::string& name) const {
  auto it = profiles_.find(name);
  return it == profiles_.end() ? nullptr : &it->second;
}

std::vector<std::string> ProfileSet::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : profiles_) out.push_back(name);
  return out;
}

}  // namespace hwload::analytics
