#include "app/demo.h"

#include <cmath>
#include <cstdint>

namespace hwload::app {
namespace {

namespace pb = ::hwload::v1;

// A small deterministic generator, so the demo's figures are the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed ? seed : 1) {}
  double uniform() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return static_cast<double>(s_ >> 11) / static_cast<double>(1ULL << 53);
  }
  // Roughly normal (Irwin-Hall with 6 terms), mean 0, sd 1.
  double normal() {
    double sum = 0;
    for (int i = 0; i < 6; ++i) sum += uniform();
    return (sum - 3.0) * std::sqrt(2.0);
  }

 private:
  uint64_t s_;
};

struct Homework {
  const char* subject;
  const char* title;
  pb::HomeworkType type;
  int minutes;
  pb::Tier tier = pb::REQUIRED;
  bool parent_grading = false;
};

const char* kGradeNames[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
const char* kDates[] = {"2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"};

// The homework one class gets on day `d` (0 = Monday ... 5 = Saturday).
std::vector<Homework> homework_for(int grade, int section, int d) {
  std::vector<Homework> out;
  if (d == 5) {  // Saturday: only the middle school sets weekend homework
    if (grade >= 7) {
      out.push_back({"语文", "周末阅读笔记", pb::WRITTEN, 30});
      out.push_back({"数学", "周末练习卷", pb::WRITTEN, 30});
    }
    return out;
  }
  if (grade <= 2) {
    out.push_back({"语文", "亲子阅读绘本", pb::READING, 20});
    out.push_back({"体育", "跳绳 200 个", pb::PHYSICAL, 15});
    if (grade == 2 && section == 2 && d == 3) out.push_back({"数学", "口算练习一页", pb::WRITTEN, 10});
    return out;
  }
  if (grade <= 6) {
    out.push_back({"语文", "课外阅读 20 分钟", pb::READING, 20});
    if (d == 2) {  // Wednesday: the school's no-written-homework day for grades 1-6
      out.push_back({"科学", "观察月相并记录", pb::INQUIRY, 15});
      if (grade == 4 && section == 2) out.push_back({"数学", "第三单元练习", pb::WRITTEN, 20});
      return out;
    }
    const bool heavy = grade == 5 && section == 1 && d == 1;
    out.push_back(
        {"语文", heavy ? "第六单元作文《我的心爱之物》" : "生字词抄写与听写准备", pb::WRITTEN, heavy ? 35 : 20});
    out.push_back({"数学", heavy ? "分数乘法综合练习两页" : "课本练习", pb::WRITTEN, heavy ? 25 : 20});
    out.push_back({"英语", "单词默写准备", pb::WRITTEN, heavy ? 15 : 10});
    out.push_back({"数学", "拓展思维题（选做）", pb::WRITTEN, 20, pb::OPTIONAL});
    if (grade == 3 && section == 1 && d == 4) {
      out.back() = {"英语", "听写本请家长批改签字", pb::WRITTEN, 10, pb::REQUIRED, true};
    }
    return out;
  }
  out.push_back({"语文", "《岳阳楼记》背诵与默写", pb::WRITTEN, 25});
  out.push_back({"数学", "一次函数同步练习", pb::WRITTEN, 25});
  out.push_back({"英语", "Unit 5 阅读理解", pb::WRITTEN, 20});
  if (grade >= 8) out.push_back({"物理", "浮力实验报告", pb::WRITTEN, 15});
  if (grade == 9) out.back().minutes = 10;
  out.push_back({"体育", "跑步 2 公里", pb::PHYSICAL, 20});
  return out;
}

// How much longer than planned students of this class-day take: most classes a
// little under or over; the classes meant to show breaches clearly over.
double slowdown(int grade, int section, int d) {
  if (grade == 5 && section == 1 && d == 1) return 1.15;
  if (grade == 8 && section == 1 && (d == 0 || d == 1 || d == 3)) return 1.2;
  return 0.9;
}

}  // namespace

void load_demo(core::Service& service, spdlog::logger& log) {
  if (service.get_school(kDemoSchoolId).is_ok()) {
    log.info("demo school {} already present; demo data not reloaded", kDemoSchoolId);
    return;
  }
  pb::School school;
  school.set_name("衡阳市雁峰区示范学校（九年一贯制）");
  school.set_district(kDemoDistrict);
  school.set_profile("hengyang");
  if (auto r = service.put_school(kDemoSchoolId, school); !r.is_ok()) {
    log.error("demo school: {}", r.status().message());
    return;
  }
  pb::Calendar cal;
  cal.set_no_homework_weekday(3);  // Wednesday: 无书面家庭作业日 for grades 1-6
  for (const char* d : {"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07", "2027-01-01"}) {
    auto* day = cal.add_days();
    day->set_date(d);
    day->set_day_kind(pb::HOLIDAY);
  }
  for (const char* d : {"2026-09-27", "2026-10-10"}) {  // 调休: weekend days worked as school days
    auto* day = cal.add_days();
    day->set_date(d);
    day->set_day_kind(pb::SCHOOL_DAY);
  }
  (void)service.put_calendar(kDemoSchoolId, cal);

  Rng rng(20261123);
  pb::AssignmentBatch assignments;
  pb::TimingBatch timings;
  for (int grade = 1; grade <= 9; ++grade) {
    for (int section = 1; section <= 2; ++section) {
      const std::string class_id = "g" + std::to_string(grade) + "c" + std::to_string(section);
      const int students = grade <= 6 ? 40 : 45;
      pb::Class klass;
      klass.set_grade(grade);
      klass.set_name(std::string(kGradeNames[grade]) + "年级" + std::to_string(section) + "班");
      klass.set_student_count(students);
      (void)service.put_class(kDemoSchoolId, class_id, klass);
      for (int d = 0; d < 6; ++d) {
        int n = 0;
        for (const auto& h : homework_for(grade, section, d)) {
          pb::Assignment* a = assignments.add_assignments();
          a->set_assignment_id("demo-" + class_id + "-" + std::string(kDates[d]) + "-" + std::to_string(++n));
          a->set_school_id(kDemoSchoolId);
          a->set_class_id(class_id);
          a->set_teacher_id("t-" + class_id + "-" + std::to_string(n));
          a->set_subject(h.subject);
          a->set_assigned_date(kDates[d]);
          a->set_type(h.type);
          a->set_tier(h.tier);
          a->set_estimated_minutes(h.minutes);
          a->set_title(h.title);
          a->set_content(std::string(h.title) + "，按时完成，不会的题目做好标记，第二天课上讲评。");
          a->set_requires_parent_grading(h.parent_grading);
          // Students report the time of their written, required homework.
          if (h.type != pb::WRITTEN || h.tier != pb::REQUIRED || grade <= 2) continue;
          pb::TimingReport* report = timings.add_reports();
          report->set_assignment_id(a->assignment_id());
          const int reporting = students - 2;  // two absent or not reporting
          for (int s = 1; s <= reporting; ++s) {
            const double factor = slowdown(grade, section, d) * std::exp(0.2 * rng.normal());
            const int minutes = std::clamp(static_cast<int>(std::lround(h.minutes * factor)), 1, 600);
            auto* t = report->add_students();
            char key[16];
            std::snprintf(key, sizeof key, "s%02d", s);
            t->set_student_key(key);
            t->set_minutes(minutes);
            t->set_unfinished(factor > 1.6);
          }
        }
      }
    }
  }
  auto posted = service.post_assignments(assignments);
  auto timed = service.post_timings(timings);
  if (!posted.is_ok() || !timed.is_ok()) {
    log.error("demo data could not be loaded");
    return;
  }
  log.info("demo data loaded: school {} ({}), 18 classes, {} assignments, {} timing reports for 2026-W47",
           kDemoSchoolId, kDemoDistrict, assignments.assignments_size(), timings.reports_size());

  // The school's disclosure notices for the demo week: Tuesday's daily notice and
  // grade 5's weekly one; from now on the daily notice is published at 17:30.
  pb::PublishNoticeRequest daily;
  daily.set_date(kDates[1]);
  pb::PublishNoticeRequest weekly;
  weekly.set_week("2026-W47");
  weekly.set_grade(5);
  for (const auto& req : {daily, weekly}) {
    auto n = service.publish_notice(kDemoSchoolId, req);
    if (!n.is_ok()) {
      log.error("demo notice: {}", n.status().message());
      return;
    }
    log.info("demo notice published: {}", n->notice.html_url());
  }
  pb::NoticeSchedule schedule;
  schedule.set_publish_time("17:30");
  schedule.set_enabled(true);
  if (auto r = service.put_notice_schedule(kDemoSchoolId, schedule); !r.is_ok()) {
    log.error("demo notice schedule: {}", r.status().message());
  }
}

}  // namespace hwload::app
