// The server-rendered pages as pure functions of their data (server/notices/):
// escaping, the marks a parent reads, versions, the heatmap's colours, the CSV.
#include <gtest/gtest.h>

#include <string>

#include "notices/pages.h"

namespace hwload::notices {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int count(const std::string& text, const std::string& part) {
  int n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

pb::NoticeClass notice_class(const std::string& id, const std::string& name, int grade, int written, int cap) {
  pb::NoticeClass c;
  c.set_class_id(id);
  c.set_class_name(name);
  c.set_grade(grade);
  pb::NoticeDay* d = c.add_days();
  d->set_date("2026-11-17");
  d->set_day_kind(pb::SCHOOL_DAY);
  d->set_written_minutes(written);
  d->set_cap_minutes(cap);
  return c;
}

pb::Notice daily_notice() {
  pb::Notice n;
  n.set_notice_id("n-1");
  n.set_school_id("s1");
  n.set_school_name("实验小学");
  n.set_date("2026-11-17");
  n.set_version(1);
  n.set_latest_version(1);
  n.set_latest_notice_id("n-1");
  n.set_published_at("2026-11-17T09:30:00.000Z");
  *n.add_classes() = notice_class("c3", "三年级1班", 3, 40, 60);
  *n.add_classes() = notice_class("c5", "五年级1班", 5, 75, 60);
  *n.add_classes() = notice_class("c5b", "五年级2班", 5, 20, 60);
  return n;
}

TEST(Pages, EscapeHtmlReplacesEveryCharacterThatCouldOpenMarkup) {
  EXPECT_EQ(escape_html("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  EXPECT_EQ(escape_html("语文 第六单元"), "语文 第六单元");
}

TEST(Pages, CsvFieldQuotesSeparatorsAndDefusesFormulas) {
  EXPECT_EQ(csv_field("五年级1班"), "五年级1班");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(csv_field("+1"), "'+1");
  EXPECT_EQ(csv_field("-1"), "'-1");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
}

TEST(Pages, ChineseLabels) {
  EXPECT_EQ(grade_label(1), "一年级");
  EXPECT_EQ(grade_label(9), "九年级");
  EXPECT_EQ(weekday_label(3), "星期三");
  EXPECT_EQ(weekday_label(7), "星期日");
  EXPECT_EQ(homework_type_label(pb::WRITTEN), "书面");
  EXPECT_EQ(day_kind_label(pb::HOLIDAY), "节假日");
  EXPECT_EQ(severity_label(pb::SERIOUS), "严重");
}

TEST(Pages, DailyNoticeHasOneSectionPerGradeAndMarksTheClassOverItsCap) {
  const std::string page = render_notice_page(daily_notice());
  EXPECT_TRUE(contains(page, "<html lang=\"zh-CN\">"));
  EXPECT_TRUE(contains(page, "name=\"viewport\""));
  EXPECT_TRUE(contains(page, "@page{size:A4"));
  EXPECT_EQ(count(page, "<section class=\"grade\""), 2);
  EXPECT_TRUE(contains(page, "<a href=\"#grade-5\">五年级</a>"));
  EXPECT_TRUE(contains(page, "<h2>三年级</h2>"));
  EXPECT_TRUE(contains(page, "<h2>五年级</h2>"));
  EXPECT_TRUE(contains(page, "书面作业 75 分钟 / 上限 60 分钟"));
  EXPECT_EQ(count(page, "书面作业超出上限"), 1);
  EXPECT_TRUE(contains(page, "2026年11月17日 星期二"));
  EXPECT_TRUE(contains(page, "发布于 2026-11-17 17:30"));  // 09:30 UTC is 17:30 in Beijing
  EXPECT_FALSE(contains(page, "<script"));
  EXPECT_FALSE(contains(page, "notice-newer\">"));
}

TEST(Pages, NoticeMarksTheNoHomeworkDayANonSchoolDayAndGradesWithoutWrittenHomework) {
  pb::Notice n = daily_notice();
  n.mutable_classes(0)->mutable_days(0)->set_no_homework_day(true);
  n.mutable_classes(1)->mutable_days(0)->set_day_kind(pb::HOLIDAY);
  *n.add_classes() = notice_class("c1", "一年级1班", 1, 0, 0);
  const std::string page = render_notice_page(n);
  EXPECT_EQ(count(page, "本班无书面作业日"), 1);
  EXPECT_TRUE(contains(page, "非上学日（节假日）"));
  EXPECT_TRUE(contains(page, "一、二年级不布置书面家庭作业"));
  EXPECT_TRUE(contains(page, "无书面作业</span>"));
}

TEST(Pages, OlderVersionLinksToTheNewest) {
  pb::Notice n = daily_notice();
  n.set_latest_version(3);
  n.set_latest_notice_id("n-3");
  const std::string page = render_notice_page(n);
  EXPECT_TRUE(contains(page, "本公示已有更新的版本（第 3 版）"));
  EXPECT_TRUE(contains(page, "href=\"/notices/s1/n-3\""));
}

TEST(Pages, HostileTextIsEscapedEverywhereItAppears) {
  pb::Notice n = daily_notice();
  n.set_school_name("<b>学校</b>");
  n.mutable_classes(0)->set_class_name("<i>班</i>");
  pb::NoticeAssignment* a = n.mutable_classes(0)->mutable_days(0)->add_assignments();
  a->set_subject("<u>语文</u>");
  a->set_title("<script>alert(1)</script>");
  a->set_content("\"><img src=x onerror=alert(1)>");
  a->set_type(pb::WRITTEN);
  a->set_estimated_minutes(20);
  const std::string page = render_notice_page(n);
  EXPECT_FALSE(contains(page, "<script"));
  EXPECT_FALSE(contains(page, "<img"));
  EXPECT_FALSE(contains(page, "<b>学校"));
  EXPECT_FALSE(contains(page, "<i>班"));
  EXPECT_FALSE(contains(page, "<u>语文"));
  EXPECT_TRUE(contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(contains(page, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_TRUE(contains(page, "书面 · 必做 · 约 20 分钟"));
}

TEST(Pages, WeeklyNoticeIsAClassesByDaysTable) {
  pb::Notice n;
  n.set_school_id("s1");
  n.set_week("2026-W47");
  n.set_grade(5);
  n.set_version(1);
  pb::NoticeClass& c = *n.add_classes();
  c.set_class_name("五年级1班");
  c.set_grade(5);
  for (int i = 0; i < 7; ++i) {
    pb::NoticeDay* d = c.add_days();
    d->set_date("2026-11-" + std::to_string(16 + i));
    d->set_day_kind(i < 5 ? pb::SCHOOL_DAY : pb::WEEKEND);
    d->set_cap_minutes(i == 2 ? 0 : 60);
    d->set_no_homework_day(i == 2);
    d->set_written_minutes(i == 1 ? 75 : (i < 5 && i != 2 ? 50 : 0));
  }
  const std::string page = render_notice_page(n);
  EXPECT_TRUE(contains(page, "五年级 · 2026-W47 周汇总"));
  EXPECT_TRUE(contains(page, "<th>周一<br><span class=\"day\">11/16</span></th>"));
  EXPECT_TRUE(contains(page, "<th>周日<br><span class=\"day\">11/22</span></th>"));
  EXPECT_TRUE(contains(page, "<td class=\"over\">75</td>"));
  EXPECT_TRUE(contains(page, "<td class=\"nhd\">0</td>"));
  EXPECT_EQ(count(page, "<td class=\"rest\">0</td>"), 2);
}

WeekReview review() {
  WeekReview r;
  r.school.set_school_id("s1");
  r.school.set_name("实验小学");
  r.week.set_school_id("s1");
  r.week.set_grade(5);
  r.week.set_week("2026-W47");
  r.previous_week = "2026-W46";
  r.next_week = "2026-W48";
  const int planned[7] = {36, 50, 55, 61, 76, 0, 0};
  pb::ClassLoad& c = *r.week.add_classes();
  c.set_class_id("c5");
  c.set_class_name("五年级1班");
  c.set_grade(5);
  for (int i = 0; i < 7; ++i) {
    pb::DayLoad* d = c.add_days();
    d->set_date("2026-11-" + std::to_string(16 + i));
    d->set_day_kind(i < 5 ? pb::SCHOOL_DAY : pb::WEEKEND);
    d->set_cap_minutes(60);
    d->set_planned_minutes(planned[i]);
    if (planned[i] > 0) {
      pb::SubjectLoad* s = d->add_subjects();
      s->set_subject(i % 2 ? "数学" : "语文");
      s->set_planned_minutes(planned[i]);
    }
  }
  c.mutable_days(1)->set_students_reported(40);
  c.mutable_days(1)->set_measured_mean_minutes(58.5);
  c.mutable_days(1)->set_students_over_cap(3);
  pb::Breach b;
  b.set_breach_id("b-1");
  b.set_kind(pb::PLANNED_OVER_CAP);
  b.set_severity(pb::WARNING);
  b.set_class_id("c5");
  b.set_grade(5);
  b.set_date("2026-11-20");
  b.set_load_minutes(76);
  b.set_cap_minutes(60);
  r.open_breaches.push_back(b);
  return r;
}

TEST(Pages, HeatmapColoursEachCellByHowCloseItIsToTheCap) {
  const std::string page = render_week_review(review());
  // 36/60 calm, 50/60 near, 55/60 nearer, 61/60 over, 76/60 more than 25% over, weekend grey.
  EXPECT_EQ(count(page, "fill=\"#d7efd9\""), 1);
  EXPECT_EQ(count(page, "fill=\"#fff1b8\""), 1);
  EXPECT_EQ(count(page, "fill=\"#ffd59e\""), 1);
  EXPECT_EQ(count(page, "fill=\"#f4a4a4\""), 1);
  EXPECT_EQ(count(page, "fill=\"#c62828\""), 1);
  EXPECT_EQ(count(page, "fill=\"#eceff1\""), 2);
  EXPECT_TRUE(contains(page, ">实测59</text>"));  // 58.5 rounds half away from zero
}

TEST(Pages, ReviewShowsSharesMeasuredVsPlannedBreachFormAndNeighbourWeeks) {
  const std::string page = render_week_review(review());
  // 语文 36+55+76 = 167 of 278 minutes; 数学 50+61 = 111.
  EXPECT_TRUE(contains(page, "60% · 167 分"));
  EXPECT_TRUE(contains(page, "40% · 111 分"));
  // Only Tuesday has timings: 50 planned against 58.5 measured.
  EXPECT_TRUE(contains(page, "<td>1</td><td>50</td><td class=\"over\">58.5</td><td>3</td>"));
  EXPECT_TRUE(contains(page, "action=\"/ui/breaches/b-1/acknowledge\""));
  EXPECT_TRUE(contains(page, "五年级1班 · 2026年11月20日 星期五 · 76 / 60 分钟"));
  EXPECT_TRUE(contains(page, "href=\"/ui/schools/s1/grades/5/weeks/2026-W46\""));
  EXPECT_TRUE(contains(page, "href=\"/ui/schools/s1/grades/5/weeks/2026-W48\""));
  EXPECT_TRUE(contains(page, "href=\"/ui/schools/s1/grades/5/weeks/2026-W47.csv\""));
}

TEST(Pages, ReviewOutlinesTheNoHomeworkDayAndNamesItsWeekdayInTheLegend) {
  WeekReview r = review();
  EXPECT_FALSE(contains(render_week_review(r), "虚线框"));
  r.week.mutable_classes(0)->mutable_days(2)->set_no_homework_day(true);  // Wednesday
  const std::string page = render_week_review(r);
  EXPECT_TRUE(contains(page, "虚线框：无书面作业日（星期三）"));
  EXPECT_EQ(count(page, "stroke-dasharray"), 1);
}

TEST(Pages, WeekCsvIsUtf8WithBomChineseHeadersAndCrlfRows) {
  const std::string csv = render_week_csv(review());
  ASSERT_GE(csv.size(), 3u);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(csv.substr(3),
            "班级,周一 2026-11-16,周二 2026-11-17,周三 2026-11-18,周四 2026-11-19,周五 2026-11-20,"
            "周六 2026-11-21,周日 2026-11-22,本周合计,超出上限天数,实测均值合计\r\n"
            "上限（分钟）,60,60,60,60,60,60,60,,,\r\n"
            "五年级1班,36,50,55,61,76,0,0,278,2,58.5\r\n");
}

}  // namespace
}  // namespace hwload::notices
