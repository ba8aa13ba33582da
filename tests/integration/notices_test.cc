// Disclosure notices (作业公示, POLICY.md R6) and the grade leader's weekly review
// (R5), end to end: a server on port 0 with a temporary SQLite file and a frozen
// clock (Monday 2026-11-23 10:00 local), driven through the client SDK in both
// encodings and through raw HTTP for the HTML and CSV pages.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "support/test_server.h"

namespace hwload::testing {
namespace {

using client::Encoding;
using client::RawResponse;

// ---- helpers ------------------------------------------------------------------

constexpr const char* kJsonType = "application/json";
constexpr const char* kProtobufType = "application/x-protobuf";
constexpr const char* kFormType = "application/x-www-form-urlencoded";

const char* media_type(Encoding e) { return e == Encoding::kJson ? kJsonType : kProtobufType; }

std::string encoding_name(const ::testing::TestParamInfo<Encoding>& p) {
  return p.param == Encoding::kProtobuf ? "Protobuf" : "Json";
}

// The local (UTC+8) wall time `days` after Monday 2026-11-23, at hh:mm.
std::chrono::system_clock::time_point local_time(int days, int hh, int mm) {
  return default_now() + std::chrono::hours(24 * days) + std::chrono::hours(hh - 10) + std::chrono::minutes(mm);
}

int occurrences(const std::string& text, std::string_view needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// What a reader sees of a page: the <body> with every tag read as a space and
// whitespace runs collapsed, so checks of content do not depend on markup.
std::string visible_text(const std::string& html) {
  const size_t body = html.find("<body");
  std::string out;
  bool in_tag = false, space = false;
  for (size_t i = body == std::string::npos ? 0 : body; i < html.size(); ++i) {
    const char c = html[i];
    if (in_tag) {
      if (c == '>') in_tag = false;
      continue;
    }
    if (c == '<') {
      in_tag = true;
      space = true;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// The visible text of the first link to `href`; empty when there is none.
std::string link_text(const std::string& html, const std::string& href) {
  const size_t at = html.find("href=\"" + href + "\"");
  if (at == std::string::npos) return "";
  const size_t open_end = html.find('>', at);
  const size_t close = html.find("</a>", open_end);
  if (open_end == std::string::npos || close == std::string::npos) return "";
  return visible_text(html.substr(open_end + 1, close - open_end - 1));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string encode(const google::protobuf::Message& m, Encoding e) {
  std::string out;
  if (e == Encoding::kJson) {
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  } else {
    EXPECT_TRUE(m.SerializeToString(&out));
  }
  return out;
}

bool decode(const std::string& body, Encoding e, google::protobuf::Message& out) {
  if (e == Encoding::kJson) return google::protobuf::util::JsonStringToMessage(body, &out).ok();
  return out.ParseFromString(body);
}

// One HTTP exchange as given; an empty response (status 0) on a transport failure.
RawResponse send(client::Client& c, const std::string& method, const std::string& target, const std::string& body = "",
                 const std::map<std::string, std::string>& headers = {}) {
  auto r = c.send_raw(method, target, body, headers);
  if (!r.ok()) {
    ADD_FAILURE() << method << " " << target << ": " << r.error().to_string();
    return {};
  }
  return *r;
}

RawResponse get(client::Client& c, const std::string& target, const std::string& accept = "") {
  if (accept.empty()) return send(c, "GET", target);
  return send(c, "GET", target, "", {{"Accept", accept}});
}

std::string header(const RawResponse& r, const std::string& lower_name) {
  auto it = r.headers.find(lower_name);
  return it == r.headers.end() ? std::string() : it->second;
}

void put_class(client::Client& c, const std::string& id, int grade, const std::string& name) {
  pb::Class k;
  k.set_school_id("s1");
  k.set_class_id(id);
  k.set_grade(grade);
  k.set_name(name);
  k.set_student_count(40);
  auto r = c.put_class(k);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
}

// The seeded school s1 (c2, c5, c8) with class names, and a second grade-5 class.
void seed_named_school(client::Client& c, const std::string& profile = "national") {
  seed_school(c, profile);
  for (auto [id, grade, name] : {std::tuple{"c2", 2, "二年级（1）班"}, std::tuple{"c5", 5, "五年级（1）班"},
                                 std::tuple{"c5b", 5, "五年级（2）班"}, std::tuple{"c8", 8, "八年级（1）班"}}) {
    put_class(c, id, grade, name);
  }
}

void put_calendar(client::Client& c, int no_homework_weekday, const std::map<std::string, pb::DayKind>& days = {}) {
  pb::Calendar cal;
  cal.set_school_id("s1");
  cal.set_no_homework_weekday(no_homework_weekday);
  for (const auto& [date, kind] : days) {
    auto* d = cal.add_days();
    d->set_date(date);
    d->set_day_kind(kind);
  }
  auto r = c.put_calendar(cal);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
}

pb::Assignment homework(const std::string& id, const std::string& class_id, const std::string& date,
                        const std::string& subject, pb::HomeworkType type, pb::Tier tier, int minutes,
                        const std::string& title, const std::string& content = "") {
  pb::Assignment a = assignment(id, class_id, date, minutes, subject);
  a.set_type(type);
  a.set_tier(tier);
  a.set_title(title);
  a.set_content(content);
  return a;
}

pb::PublishNoticeRequest daily(const std::string& date) {
  pb::PublishNoticeRequest r;
  r.set_date(date);
  return r;
}

pb::PublishNoticeRequest weekly(const std::string& week, int grade) {
  pb::PublishNoticeRequest r;
  r.set_week(week);
  r.set_grade(grade);
  return r;
}

// Publishes through the SDK; an empty Notice (and a failure) when it is refused.
pb::Notice publish(client::Client& c, const pb::PublishNoticeRequest& req) {
  auto r = c.publish_notice("s1", req);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? *r : pb::Notice();
}

pb::Notice fetch(client::Client& c, const std::string& notice_id) {
  auto r = c.get_notice("s1", notice_id);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? *r : pb::Notice();
}

std::vector<pb::Notice> notices(client::Client& c, const std::string& school_id = "s1") {
  auto r = c.list_notices(school_id);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? std::vector<pb::Notice>(r->notices().begin(), r->notices().end()) : std::vector<pb::Notice>();
}

struct PublishReply {
  int status = 0;
  std::string location;
  pb::Notice notice;
};

// Publishes over raw HTTP in `e`, to see the status and Location the SDK hides.
PublishReply publish_raw(client::Client& c, Encoding e, const pb::PublishNoticeRequest& req) {
  PublishReply out;
  const RawResponse r = send(c, "POST", "/v1/schools/s1/notices", encode(req, e),
                             {{"Content-Type", media_type(e)}, {"Accept", media_type(e)}});
  out.status = r.status;
  out.location = header(r, "location");
  if (r.status == 200) {
    EXPECT_TRUE(decode(r.body, e, out.notice)) << r.body;
  }
  return out;
}

const pb::NoticeClass* find_class(const pb::Notice& n, const std::string& class_id) {
  for (const auto& c : n.classes()) {
    if (c.class_id() == class_id) return &c;
  }
  return nullptr;
}

// Day `i` of class `class_id` in `n`; an empty day (and a failure) when missing.
const pb::NoticeDay& day_of(const pb::Notice& n, const std::string& class_id, int i = 0) {
  static const pb::NoticeDay kMissing;
  const pb::NoticeClass* c = find_class(n, class_id);
  if (c && i < c->days_size()) return c->days(i);
  ADD_FAILURE() << "notice " << n.notice_id() << " has no day " << i << " for class " << class_id;
  return kMissing;
}

std::vector<std::string> class_ids(const pb::Notice& n) {
  std::vector<std::string> out;
  for (const auto& c : n.classes()) out.push_back(c.class_id());
  return out;
}

std::map<std::string, pb::NoticeAssignment> by_title(const pb::NoticeDay& d) {
  std::map<std::string, pb::NoticeAssignment> out;
  for (const auto& a : d.assignments()) out[a.title()] = a;
  return out;
}

std::string page_path(const pb::Notice& n) { return "/notices/s1/" + n.notice_id(); }

std::vector<pb::Breach> open_breaches(client::Client& c) {
  client::BreachQuery q;
  q.school_id = "s1";
  q.state = "OPEN";
  auto r = c.breaches(q);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? std::vector<pb::Breach>(r->breaches().begin(), r->breaches().end()) : std::vector<pb::Breach>();
}

std::string form_value(const std::string& text) { return client::Client::escape(text); }

// Polls `done` until it holds or the deadline passes; the server's notice timer
// ticks every second in these tests.
template <typename Done>
bool eventually(Done done, std::chrono::seconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// Tuesday 2026-11-24 in s1: several classes, grades and subjects; written, reading,
// practice and optional homework; one withdrawn assignment in each of c5 and c8.
void post_realistic_day(client::Client& c) {
  const std::string d = "2026-11-24";
  post_batch(c, {
                    homework("c2-read", "c2", d, "语文", pb::READING, pb::REQUIRED, 15, "读绘本《小猪唏哩呼噜》",
                             "读两个故事，讲给家人听"),
                    homework("c2-count", "c2", d, "数学", pb::PRACTICE, pb::REQUIRED, 10, "数一数家里的餐具"),
                    homework("c5-math", "c5", d, "数学", pb::WRITTEN, pb::REQUIRED, 30, "练习册第42页", "第1-6题"),
                    homework("c5-chin", "c5", d, "语文", pb::WRITTEN, pb::REQUIRED, 25, "抄写第12课生字"),
                    homework("c5-engl", "c5", d, "英语", pb::WRITTEN, pb::REQUIRED, 15, "Unit 4 单词默写"),
                    homework("c5-book", "c5", d, "语文", pb::READING, pb::REQUIRED, 20, "阅读《草房子》第三章"),
                    homework("c5-extra", "c5", d, "英语", pb::WRITTEN, pb::OPTIONAL, 20, "英语拓展阅读练习"),
                    homework("c5-sci", "c5", d, "科学", pb::WRITTEN, pb::REQUIRED, 10, "科学观察记录（已撤回）"),
                    homework("c5b-math", "c5b", d, "数学", pb::WRITTEN, pb::REQUIRED, 30, "练习册第42页"),
                    homework("c8-math", "c8", d, "数学", pb::WRITTEN, pb::REQUIRED, 40, "一次函数练习"),
                    homework("c8-phys", "c8", d, "物理", pb::WRITTEN, pb::REQUIRED, 30, "浮力计算题"),
                    homework("c8-book", "c8", d, "语文", pb::READING, pb::REQUIRED, 30, "名著阅读《骆驼祥子》"),
                    homework("c8-chem", "c8", d, "化学", pb::WRITTEN, pb::REQUIRED, 20, "化学方程式配平（已撤回）"),
                });
  ASSERT_TRUE(c.withdraw_assignment("c5-sci").ok());
  ASSERT_TRUE(c.withdraw_assignment("c8-chem").ok());
}

// Week 2026-W48 (Monday 11-23 .. Sunday 11-29) of grade 5: c5 is over its cap on
// Monday (a PLANNED_OVER_CAP warning) with timings for its maths, c5b has English
// on Wednesday; c2 (grade 2) has a WRITTEN_FORBIDDEN breach the grade-5 page must
// not show.
void post_realistic_week(client::Client& c) {
  post_batch(c, {
                    assignment("w-math", "c5", "2026-11-23", 30, "数学"),
                    assignment("w-chin", "c5", "2026-11-23", 40, "语文"),
                    assignment("w-tue", "c5", "2026-11-24", 20, "数学"),
                    assignment("w-engl", "c5b", "2026-11-25", 45, "英语"),
                    homework("w-sat", "c5", "2026-11-28", "语文", pb::READING, pb::REQUIRED, 30, "周末阅读"),
                    assignment("w-c2", "c2", "2026-11-24", 10, "数学"),
                });
  post_timings(c, {report("w-math", {35, 35, 35, 35, 35, 35, 35, 35, 35, 35})});
}

// ---- the notice API, in both encodings ----------------------------------------

class NoticeTest : public ::testing::TestWithParam<Encoding> {
 protected:
  void SetUp() override {
    client_ = server_.client(GetParam());
    seed_named_school(*client_);
  }

  TestServer server_;
  std::unique_ptr<client::Client> client_;
};

TEST_P(NoticeTest, DailyNoticeListsEveryStandingAssignmentGroupedByClass) {
  post_realistic_day(*client_);
  const pb::Notice n = publish(*client_, daily("2026-11-24"));
  EXPECT_EQ(n.date(), "2026-11-24");
  EXPECT_EQ(n.week(), "");
  EXPECT_EQ(n.school_id(), "s1");
  EXPECT_EQ(n.school_name(), "第一实验学校");
  EXPECT_EQ(n.district(), "d1");
  EXPECT_EQ(class_ids(n), (std::vector<std::string>{"c2", "c5", "c5b", "c8"}));  // by grade, then class

  const auto* c5 = find_class(n, "c5");
  ASSERT_NE(c5, nullptr);
  EXPECT_EQ(c5->class_name(), "五年级（1）班");
  EXPECT_EQ(c5->grade(), 5);
  ASSERT_EQ(c5->days_size(), 1);
  EXPECT_EQ(c5->days(0).date(), "2026-11-24");
  EXPECT_EQ(c5->days(0).day_kind(), pb::SCHOOL_DAY);
  const auto c5_items = by_title(c5->days(0));
  ASSERT_EQ(c5_items.size(), 5u);
  const pb::NoticeAssignment& math = c5_items.at("练习册第42页");
  EXPECT_EQ(math.subject(), "数学");
  EXPECT_EQ(math.content(), "第1-6题");
  EXPECT_EQ(math.type(), pb::WRITTEN);
  EXPECT_EQ(math.tier(), pb::REQUIRED);
  EXPECT_EQ(math.estimated_minutes(), 30);
  const pb::NoticeAssignment& book = c5_items.at("阅读《草房子》第三章");
  EXPECT_EQ(book.subject(), "语文");
  EXPECT_EQ(book.type(), pb::READING);
  EXPECT_EQ(book.estimated_minutes(), 20);
  const pb::NoticeAssignment& extra = c5_items.at("英语拓展阅读练习");
  EXPECT_EQ(extra.type(), pb::WRITTEN);
  EXPECT_EQ(extra.tier(), pb::OPTIONAL);
  EXPECT_EQ(extra.estimated_minutes(), 20);
  EXPECT_EQ(c5_items.count("抄写第12课生字"), 1u);
  EXPECT_EQ(c5_items.count("Unit 4 单词默写"), 1u);

  const auto* c2 = find_class(n, "c2");
  ASSERT_NE(c2, nullptr);
  const auto c2_items = by_title(day_of(n, "c2"));
  ASSERT_EQ(c2_items.size(), 2u);
  EXPECT_EQ(c2_items.at("读绘本《小猪唏哩呼噜》").content(), "读两个故事，讲给家人听");
  EXPECT_EQ(c2_items.at("数一数家里的餐具").type(), pb::PRACTICE);
  EXPECT_EQ(by_title(day_of(n, "c5b")).size(), 1u);
  EXPECT_EQ(by_title(day_of(n, "c8")).size(), 3u);
}

TEST_P(NoticeTest, WithdrawnAssignmentIsLeftOutOfTheNotice) {
  post_realistic_day(*client_);
  const pb::Notice n = publish(*client_, daily("2026-11-24"));
  for (const auto& c : n.classes()) {
    for (const auto& a : day_of(n, c.class_id()).assignments()) {
      EXPECT_EQ(a.title().find("已撤回"), std::string::npos) << c.class_id() << ": " << a.title();
      EXPECT_NE(a.subject(), "科学");
      EXPECT_NE(a.subject(), "化学");
    }
  }
  // Withdrawing after publishing makes the next publish a new version without it.
  ASSERT_TRUE(client_->withdraw_assignment("c5-math").ok());
  const pb::Notice v2 = publish(*client_, daily("2026-11-24"));
  EXPECT_EQ(v2.version(), 2);
  EXPECT_EQ(by_title(day_of(v2, "c5")).count("练习册第42页"), 0u);
  EXPECT_EQ(day_of(v2, "c5").written_minutes(), 40);
}

TEST_P(NoticeTest, WrittenMinutesCountOnlyRequiredWrittenHomeworkAgainstEachGradesCap) {
  post_realistic_day(*client_);
  const pb::Notice n = publish(*client_, daily("2026-11-24"));
  struct Expected {
    const char* class_id;
    int written, cap;
  };
  // national: 0 for grades 1-2, 60 for 3-6, 90 for 7-9. c5 is over its cap;
  // its reading, its optional English and its withdrawn science do not count.
  for (const Expected& e :
       {Expected{"c2", 0, 0}, Expected{"c5", 70, 60}, Expected{"c5b", 30, 60}, Expected{"c8", 70, 90}}) {
    const pb::NoticeDay& d = day_of(n, e.class_id);
    EXPECT_EQ(d.written_minutes(), e.written) << e.class_id;
    EXPECT_EQ(d.cap_minutes(), e.cap) << e.class_id;
    EXPECT_FALSE(d.no_homework_day()) << e.class_id;
  }
  // The notice agrees with the class's DayLoad.
  EXPECT_EQ(day_load(*client_, "c5", "2026-11-24").planned_minutes(), 70);
  EXPECT_EQ(day_load(*client_, "c8", "2026-11-24").planned_minutes(), 70);
}

TEST_P(NoticeTest, FixedNoHomeworkWeekdayIsMarkedForTheGradesItAppliesTo) {
  pb::School s = *client_->get_school("s1");
  s.set_profile("hengyang");  // R3: one day a week without written homework, grades 1-6
  ASSERT_TRUE(client_->put_school(s).ok());
  put_calendar(*client_, 3);  // Wednesday
  post_batch(*client_, {homework("wed-read", "c5", "2026-11-25", "语文", pb::READING, pb::REQUIRED, 20, "朗读课文"),
                        assignment("wed-c8", "c8", "2026-11-25", 40)});
  const pb::Notice wed = publish(*client_, daily("2026-11-25"));
  for (const char* id : {"c2", "c5", "c5b"}) {
    const pb::NoticeDay& d = day_of(wed, id);
    EXPECT_TRUE(d.no_homework_day()) << id;
    EXPECT_EQ(d.cap_minutes(), 0) << id;
    EXPECT_EQ(d.day_kind(), pb::SCHOOL_DAY) << id;
  }
  EXPECT_EQ(day_of(wed, "c5").assignments_size(), 1);  // reading is still listed
  EXPECT_FALSE(day_of(wed, "c8").no_homework_day());   // grade 8 is outside the rule
  EXPECT_EQ(day_of(wed, "c8").cap_minutes(), 90);
  EXPECT_EQ(day_of(wed, "c8").written_minutes(), 40);

  const pb::Notice tue = publish(*client_, daily("2026-11-24"));
  EXPECT_FALSE(day_of(tue, "c5").no_homework_day());
  EXPECT_EQ(day_of(tue, "c5").cap_minutes(), 60);
}

TEST_P(NoticeTest, NoHomeworkWeekdayIsNotMarkedUnderAProfileWithoutTheRule) {
  put_calendar(*client_, 3);  // chosen, but the national profile has no such day
  const pb::Notice wed = publish(*client_, daily("2026-11-25"));
  for (const auto& c : wed.classes()) EXPECT_FALSE(day_of(wed, c.class_id()).no_homework_day()) << c.class_id();
  EXPECT_EQ(day_of(wed, "c5").cap_minutes(), 60);
}

TEST_P(NoticeTest, HolidayAndWeekendAreNonSchoolDaysInTheNotice) {
  pb::School s = *client_->get_school("s1");
  s.set_profile("hengyang");
  ASSERT_TRUE(client_->put_school(s).ok());
  put_calendar(*client_, 4, {{"2026-11-26", pb::HOLIDAY}});  // Thursday is both the weekday and a holiday
  const pb::Notice holiday = publish(*client_, daily("2026-11-26"));
  for (const auto& c : holiday.classes()) {
    EXPECT_EQ(day_of(holiday, c.class_id()).day_kind(), pb::HOLIDAY) << c.class_id();
    EXPECT_FALSE(day_of(holiday, c.class_id()).no_homework_day())
        << c.class_id();  // no school, so no school day to keep free
  }
  const pb::Notice saturday = publish(*client_, daily("2026-11-28"));
  for (const auto& c : saturday.classes())
    EXPECT_EQ(day_of(saturday, c.class_id()).day_kind(), pb::WEEKEND) << c.class_id();
  // Where the profile sets no weekend caps, the school-day caps apply.
  EXPECT_EQ(day_of(saturday, "c5").cap_minutes(), 60);
  EXPECT_EQ(day_of(saturday, "c8").cap_minutes(), 90);
}

TEST_P(NoticeTest, WeeklyNoticeHoldsOnlyTheGradesClassesMondayToSunday) {
  post_realistic_week(*client_);
  post_batch(*client_, {assignment("fri", "c5", "2026-11-27", 20)});
  const pb::Notice n = publish(*client_, weekly("2026-W48", 5));
  EXPECT_EQ(n.week(), "2026-W48");
  EXPECT_EQ(n.grade(), 5);
  EXPECT_EQ(n.date(), "");
  EXPECT_EQ(class_ids(n), (std::vector<std::string>{"c5", "c5b"}));
  const std::vector<std::string> dates = {"2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26",
                                          "2026-11-27", "2026-11-28", "2026-11-29"};
  const std::map<std::string, std::vector<int>> written = {{"c5", {70, 20, 0, 0, 20, 0, 0}},
                                                           {"c5b", {0, 0, 45, 0, 0, 0, 0}}};
  auto week = client_->grade_week("s1", 5, "2026-W48");
  ASSERT_TRUE(week.ok()) << week.error().to_string();
  ASSERT_EQ(week->classes_size(), n.classes_size());
  for (int ci = 0; ci < n.classes_size(); ++ci) {
    const pb::NoticeClass& c = n.classes(ci);
    ASSERT_EQ(c.days_size(), 7) << c.class_id();
    for (int i = 0; i < 7; ++i) {
      const pb::NoticeDay& d = c.days(i);
      EXPECT_EQ(d.date(), dates[static_cast<size_t>(i)]);
      EXPECT_EQ(d.day_kind(), i < 5 ? pb::SCHOOL_DAY : pb::WEEKEND) << d.date();
      EXPECT_EQ(d.cap_minutes(), 60) << d.date();
      EXPECT_EQ(d.written_minutes(), written.at(c.class_id())[static_cast<size_t>(i)]) << c.class_id() << d.date();
      EXPECT_EQ(d.written_minutes(), week->classes(ci).days(i).planned_minutes()) << c.class_id() << d.date();
      EXPECT_EQ(d.assignments_size(), 0) << "a weekly notice gives totals, not the list";
    }
  }
}

TEST_P(NoticeTest, WeeklyNoticeMarksTheWeeksFirstFreeSchoolDayUnderTheFlexibleRule) {
  pb::School s = *client_->get_school("s1");
  s.set_profile("hengyang");  // no weekday chosen: any one school day of the week
  ASSERT_TRUE(client_->put_school(s).ok());
  post_batch(*client_, {assignment("m", "c5", "2026-11-23", 20), assignment("t", "c5", "2026-11-24", 20),
                        assignment("f", "c5", "2026-11-27", 20)});
  // On Monday of that week no day is over yet: a snapshot must not name a free day
  // that can still get homework.
  const pb::Notice early = publish(*client_, weekly("2026-W48", 5));
  for (const auto& c : early.classes()) {
    for (const auto& d : c.days()) EXPECT_FALSE(d.no_homework_day()) << c.class_id() << " " << d.date();
  }
  server_.clock().set(default_now() + std::chrono::hours(24 * 7));  // the Monday after
  const pb::Notice n = publish(*client_, weekly("2026-W48", 5));
  EXPECT_EQ(n.version(), 2);
  const auto* c5 = find_class(n, "c5");
  ASSERT_NE(c5, nullptr);
  ASSERT_EQ(c5->days_size(), 7);
  std::vector<bool> marked;
  for (const auto& d : c5->days()) marked.push_back(d.no_homework_day());
  EXPECT_EQ(marked, (std::vector<bool>{false, false, true, false, false, false, false}));  // Wednesday only
  const auto* c5b = find_class(n, "c5b");
  ASSERT_NE(c5b, nullptr);
  EXPECT_TRUE(c5b->days(0).no_homework_day());  // nothing all week: Monday is the first free day
}

// Every route of the contract answers 200; a publish that made a new version also
// says where it is (Location), one that changed nothing does not.
TEST_P(NoticeTest, NewVersionCarriesLocationAndUnchangedContentDoesNot) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const PublishReply v1 = publish_raw(*client_, GetParam(), daily("2026-11-24"));
  EXPECT_EQ(v1.status, 200);
  EXPECT_EQ(v1.location, "/v1/schools/s1/notices/" + v1.notice.notice_id());
  const PublishReply same = publish_raw(*client_, GetParam(), daily("2026-11-24"));
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.location, "");
  EXPECT_EQ(same.notice.notice_id(), v1.notice.notice_id());
  post_batch(*client_, {assignment("a2", "c5", "2026-11-24", 10)});
  const PublishReply v2 = publish_raw(*client_, GetParam(), daily("2026-11-24"));
  EXPECT_EQ(v2.status, 200);
  EXPECT_EQ(v2.location, "/v1/schools/s1/notices/" + v2.notice.notice_id());
  EXPECT_EQ(v2.notice.version(), 2);
}

TEST_P(NoticeTest, FirstPublishCreatesVersionOneAndSaysWhereItIs) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const PublishReply r = publish_raw(*client_, GetParam(), daily("2026-11-24"));
  ASSERT_EQ(r.status, 200);
  const pb::Notice& n = r.notice;
  EXPECT_FALSE(n.notice_id().empty());
  EXPECT_EQ(r.location, "/v1/schools/s1/notices/" + n.notice_id());
  EXPECT_EQ(n.version(), 1);
  EXPECT_EQ(n.latest_version(), 1);
  EXPECT_EQ(n.latest_notice_id(), n.notice_id());
  EXPECT_EQ(n.published_at(), "2026-11-23T02:00:00.000Z");
  EXPECT_EQ(n.published_by(), "api");
  EXPECT_EQ(n.html_url(), "/notices/s1/" + n.notice_id());
  // What the Location names is what was published.
  const pb::Notice back = fetch(*client_, n.notice_id());
  EXPECT_EQ(back.SerializeAsString(), n.SerializeAsString());
}

TEST_P(NoticeTest, RepublishingUnchangedContentReturnsTheLatestVersion) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const PublishReply first = publish_raw(*client_, GetParam(), daily("2026-11-24"));
  ASSERT_EQ(first.status, 200);
  server_.clock().set(default_now() + std::chrono::hours(1));
  const PublishReply again = publish_raw(*client_, GetParam(), daily("2026-11-24"));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.location, "");
  EXPECT_EQ(again.notice.notice_id(), first.notice.notice_id());
  EXPECT_EQ(again.notice.version(), 1);
  EXPECT_EQ(again.notice.published_at(), first.notice.published_at());
  EXPECT_EQ(notices(*client_).size(), 1u);
}

TEST_P(NoticeTest, ChangedContentPublishesANewVersionAndKeepsTheOldSnapshot) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const PublishReply v1 = publish_raw(*client_, GetParam(), daily("2026-11-24"));
  ASSERT_EQ(v1.status, 200);
  server_.clock().set(default_now() + std::chrono::hours(2));
  post_batch(*client_, {assignment("a2", "c5", "2026-11-24", 25, "语文")});
  const PublishReply v2 = publish_raw(*client_, GetParam(), daily("2026-11-24"));
  ASSERT_EQ(v2.status, 200);
  EXPECT_EQ(v2.notice.version(), 2);
  EXPECT_NE(v2.notice.notice_id(), v1.notice.notice_id());
  EXPECT_EQ(v2.location, "/v1/schools/s1/notices/" + v2.notice.notice_id());
  EXPECT_EQ(v2.notice.published_at(), "2026-11-23T04:00:00.000Z");
  EXPECT_EQ(day_of(v2.notice, "c5").written_minutes(), 55);
  EXPECT_EQ(day_of(v2.notice, "c5").assignments_size(), 2);

  const pb::Notice old = fetch(*client_, v1.notice.notice_id());
  EXPECT_EQ(old.version(), 1);
  EXPECT_EQ(old.published_at(), "2026-11-23T02:00:00.000Z");
  EXPECT_EQ(day_of(old, "c5").written_minutes(), 30);
  EXPECT_EQ(day_of(old, "c5").assignments_size(), 1);
  EXPECT_EQ(old.latest_version(), 2);
  EXPECT_EQ(old.latest_notice_id(), v2.notice.notice_id());
  // The old snapshot is exactly what was published, apart from the "latest" pointers.
  pb::Notice as_published = v1.notice;
  as_published.set_latest_version(2);
  as_published.set_latest_notice_id(v2.notice.notice_id());
  EXPECT_EQ(old.SerializeAsString(), as_published.SerializeAsString());

  const pb::Notice newest = fetch(*client_, v2.notice.notice_id());
  EXPECT_EQ(newest.latest_version(), 2);
  EXPECT_EQ(newest.latest_notice_id(), v2.notice.notice_id());
}

TEST_P(NoticeTest, DailyAndWeeklyNoticesAreSeparateVersionLines) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  EXPECT_EQ(publish(*client_, daily("2026-11-24")).version(), 1);
  EXPECT_EQ(publish(*client_, daily("2026-11-25")).version(), 1);
  EXPECT_EQ(publish(*client_, weekly("2026-W48", 5)).version(), 1);
  EXPECT_EQ(publish(*client_, weekly("2026-W48", 8)).version(), 1);
  post_batch(*client_, {assignment("a2", "c5", "2026-11-24", 10)});
  EXPECT_EQ(publish(*client_, daily("2026-11-24")).version(), 2);
  EXPECT_EQ(publish(*client_, daily("2026-11-25")).version(), 1);    // unchanged
  EXPECT_EQ(publish(*client_, weekly("2026-W48", 5)).version(), 2);  // its Tuesday changed
  EXPECT_EQ(publish(*client_, weekly("2026-W48", 8)).version(), 1);  // grade 8 did not
}

TEST_P(NoticeTest, NoticeListIsNewestFirstWithoutClasses) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const pb::Notice v1 = publish(*client_, daily("2026-11-24"));
  server_.clock().set(default_now() + std::chrono::minutes(5));
  const pb::Notice week = publish(*client_, weekly("2026-W48", 5));
  server_.clock().set(default_now() + std::chrono::minutes(10));
  post_batch(*client_, {assignment("a2", "c5", "2026-11-24", 10)});
  const pb::Notice v2 = publish(*client_, daily("2026-11-24"));

  const auto list = notices(*client_);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].notice_id(), v2.notice_id());
  EXPECT_EQ(list[1].notice_id(), week.notice_id());
  EXPECT_EQ(list[2].notice_id(), v1.notice_id());
  for (const auto& n : list) EXPECT_EQ(n.classes_size(), 0) << n.notice_id();
  EXPECT_EQ(list[2].version(), 1);
  EXPECT_EQ(list[2].latest_version(), 2);
  EXPECT_EQ(list[2].latest_notice_id(), v2.notice_id());
  EXPECT_EQ(list[1].week(), "2026-W48");
  EXPECT_EQ(list[1].grade(), 5);
  EXPECT_EQ(list[1].latest_version(), 1);
}

TEST_P(NoticeTest, PublishNeedsEitherADateOrAWeekAndGradeAndNotBoth) {
  auto both = daily("2026-11-24");
  both.set_week("2026-W48");
  both.set_grade(5);
  for (const pb::PublishNoticeRequest& req : {pb::PublishNoticeRequest(), both}) {
    auto r = client_->publish_notice("s1", req);
    ASSERT_FALSE(r.ok()) << req.ShortDebugString();
    EXPECT_EQ(r.error().http_status, 400) << req.ShortDebugString();
    EXPECT_EQ(r.error().error.code(), "INVALID_ARGUMENT");
    ASSERT_GE(r.error().error.details_size(), 1);
    EXPECT_EQ(r.error().error.details(0).field(), "date");
  }
  EXPECT_TRUE(notices(*client_).empty());
}

TEST_P(NoticeTest, PublishRejectsMalformedDateWeekAndGradeNamingTheField) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const pb::Notice published = publish(*client_, daily("2026-11-24"));
  post_batch(*client_, {assignment("a2", "c5", "2026-11-24", 10)});  // a publish now would be version 2
  auto with_grade = daily("2026-11-24");
  with_grade.set_grade(5);
  const std::vector<std::pair<pb::PublishNoticeRequest, std::string>> cases = {
      {daily("2026-02-30"), "date"},    {daily("2026-11-24T00:00"), "date"}, {daily("24/11/2026"), "date"},
      {weekly("2026-W48", 0), "grade"}, {weekly("2026-W48", 10), "grade"},   {weekly("2026-W54", 5), "week"},
      {weekly("2025-W53", 5), "week"},  {weekly("2026-48", 5), "week"},      {with_grade, "grade"},
  };
  for (const auto& [req, field] : cases) {
    auto r = client_->publish_notice("s1", req);
    ASSERT_FALSE(r.ok()) << req.ShortDebugString();
    EXPECT_EQ(r.error().http_status, 400) << req.ShortDebugString();
    ASSERT_GE(r.error().error.details_size(), 1) << req.ShortDebugString();
    EXPECT_EQ(r.error().error.details(0).field(), field) << req.ShortDebugString();
    EXPECT_NE(r.error().error.message().find(field), std::string::npos) << r.error().error.message();
  }
  // Nothing is stored by a rejected request: the list is as it was.
  const auto list = notices(*client_);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].notice_id(), published.notice_id());
  EXPECT_EQ(list[0].latest_version(), 1);
}

TEST_P(NoticeTest, UnknownSchoolIs404AndStoresNothing) {
  auto r = client_->publish_notice("nope", daily("2026-11-24"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 404);
  EXPECT_EQ(r.error().error.code(), "NOT_FOUND");
  auto w = client_->publish_notice("nope", weekly("2026-W48", 5));
  EXPECT_EQ(w.error().http_status, 404);
  EXPECT_EQ(client_->list_notices("nope").error().http_status, 404);
  EXPECT_TRUE(notices(*client_).empty());
}

TEST_P(NoticeTest, UnknownNoticeIs404) {
  const pb::Notice n = publish(*client_, daily("2026-11-24"));
  auto r = client_->get_notice("s1", "no-such-notice");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 404);
  EXPECT_EQ(r.error().error.code(), "NOT_FOUND");
  // A notice is only found under its own school.
  pb::School other;
  other.set_school_id("s2");
  other.set_name("第二中学");
  other.set_district("d1");
  other.set_profile("national");
  ASSERT_TRUE(client_->put_school(other).ok());
  EXPECT_EQ(client_->get_notice("s2", n.notice_id()).error().http_status, 404);
  EXPECT_EQ(client_->get_notice("nope", n.notice_id()).error().http_status, 404);
}

TEST_P(NoticeTest, NoticeCarriesNoStudentKeyOrTimingData) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30), assignment("a2", "c5", "2026-11-24", 40, "语文")});
  pb::TimingReport rep;
  rep.set_assignment_id("a1");
  for (const auto& [key, minutes] : {std::pair{"seat-07-zhangsan", 80}, {"seat-12-lisi", 25}, {"seat-23-wangwu", 95}}) {
    auto* st = rep.add_students();
    st->set_student_key(key);
    st->set_minutes(minutes);
  }
  post_timings(*client_, {rep});
  const pb::Notice day = publish(*client_, daily("2026-11-24"));
  const pb::Notice week = publish(*client_, weekly("2026-W48", 5));
  for (const pb::Notice& n : {day, week}) {
    const RawResponse json = get(*client_, "/v1/schools/s1/notices/" + n.notice_id(), kJsonType);
    ASSERT_EQ(json.status, 200);
    const std::string text = lower(json.body);
    for (const char* word : {"seat-", "zhangsan", "lisi", "wangwu", "student", "timing", "measured", "score", "rank"}) {
      EXPECT_TRUE(Lacks(text, word)) << n.notice_id();
    }
    const RawResponse binary = get(*client_, "/v1/schools/s1/notices/" + n.notice_id(), kProtobufType);
    EXPECT_TRUE(Lacks(binary.body, "zhangsan"));
  }
  EXPECT_TRUE(Lacks(get(*client_, "/v1/schools/s1/notices", kJsonType).body, "seat-"));
}

// The wire contract itself has nowhere to put a student: no field of a notice, at
// any depth, is about students, timings, scores or rankings.
TEST(NoticeContract, NoNoticeFieldIsAboutStudentsOrTimings) {
  std::vector<const google::protobuf::Descriptor*> todo = {pb::Notice::descriptor()};
  std::set<const google::protobuf::Descriptor*> seen;
  while (!todo.empty()) {
    const auto* d = todo.back();
    todo.pop_back();
    if (!seen.insert(d).second) continue;
    for (int i = 0; i < d->field_count(); ++i) {
      const auto* f = d->field(i);
      const std::string name = lower(f->name());
      for (const char* word : {"student", "timing", "measured", "score", "rank"}) {
        EXPECT_EQ(name.find(word), std::string::npos) << d->full_name() << "." << f->name();
      }
      if (f->message_type()) todo.push_back(f->message_type());
    }
  }
  EXPECT_GE(seen.size(), 4u);  // Notice, NoticeClass, NoticeDay, NoticeAssignment
}

INSTANTIATE_TEST_SUITE_P(BothEncodings, NoticeTest, ::testing::Values(Encoding::kProtobuf, Encoding::kJson),
                         encoding_name);

// ---- the public HTML pages ----------------------------------------------------

class NoticePageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = server_.client(Encoding::kJson);
    seed_named_school(*client_);
  }

  // The page of `n`, checked to be a 200 HTML page without scripts.
  std::string page(const pb::Notice& n) { return html(page_path(n)); }

  std::string html(const std::string& path) {
    const RawResponse r = get(*client_, path, "text/html");
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_TRUE(Contains(header(r, "content-security-policy"), "default-src 'none'")) << path;
    EXPECT_TRUE(Lacks(lower(r.body), "<script")) << path;
    return r.body;
  }

  TestServer server_;
  std::unique_ptr<client::Client> client_;
};

TEST_F(NoticePageTest, DailyPageShowsEachClassItsAssignmentsTotalsAndCaps) {
  post_realistic_day(*client_);
  const pb::Notice n = publish(*client_, daily("2026-11-24"));
  EXPECT_EQ(n.html_url(), page_path(n));
  const std::string p = page(n);
  EXPECT_TRUE(Contains(p, "<html lang=\"zh-CN\">"));
  EXPECT_TRUE(Contains(p, "href=\"/notices/s1\""));
  const std::string t = visible_text(p);
  EXPECT_TRUE(Contains(t, "第一实验学校 作业公示 · 2026年11月24日 星期二 第 1 版 · 发布于 2026-11-23 10:00 · d1"));
  // Grades in order, each class under its grade with its total against its cap.
  const size_t g2 = t.find("二年级 二年级（1）班 无书面作业");
  const size_t g5 = t.find("五年级 五年级（1）班 书面作业 70 分钟 / 上限 60 分钟 书面作业超出上限");
  const size_t g8 = t.find("八年级 八年级（1）班 书面作业 70 分钟 / 上限 90 分钟");
  ASSERT_NE(g2, std::string::npos) << t;
  ASSERT_NE(g5, std::string::npos) << t;
  ASSERT_NE(g8, std::string::npos) << t;
  EXPECT_LT(g2, g5);
  EXPECT_LT(g5, g8);
  EXPECT_TRUE(Contains(t, "五年级（2）班 书面作业 30 分钟 / 上限 60 分钟"));
  EXPECT_TRUE(Contains(t, "一、二年级不布置书面家庭作业"));
  EXPECT_EQ(occurrences(t, "书面作业超出上限"), 1) << "only c5 is over its cap";
  // Every standing assignment: subject, title, type, tier, minutes, content.
  EXPECT_TRUE(Contains(t, "数学 练习册第42页 书面 · 必做 · 约 30 分钟 第1-6题"));
  EXPECT_TRUE(Contains(t, "语文 抄写第12课生字 书面 · 必做 · 约 25 分钟"));
  EXPECT_TRUE(Contains(t, "英语 Unit 4 单词默写 书面 · 必做 · 约 15 分钟"));
  EXPECT_TRUE(Contains(t, "英语 英语拓展阅读练习 书面 · 选做 · 约 20 分钟"));
  EXPECT_TRUE(Contains(t, "语文 阅读《草房子》第三章 阅读 · 必做 · 约 20 分钟"));
  EXPECT_TRUE(Contains(t, "数学 数一数家里的餐具 实践 · 必做 · 约 10 分钟"));
  EXPECT_TRUE(Contains(t, "语文 读绘本《小猪唏哩呼噜》 阅读 · 必做 · 约 15 分钟 读两个故事，讲给家人听"));
  EXPECT_TRUE(Contains(t, "物理 浮力计算题 书面 · 必做 · 约 30 分钟"));
  EXPECT_TRUE(Lacks(t, "已撤回"));
  EXPECT_TRUE(Lacks(t, "科学"));
  EXPECT_TRUE(Lacks(t, "本公示已有更新的版本"));
}

TEST_F(NoticePageTest, PageMarksTheNoHomeworkDayAndNonSchoolDaysInChinese) {
  pb::School s = *client_->get_school("s1");
  s.set_profile("hengyang");
  ASSERT_TRUE(client_->put_school(s).ok());
  put_calendar(*client_, 3, {{"2026-11-26", pb::HOLIDAY}});
  const std::string wed = visible_text(page(publish(*client_, daily("2026-11-25"))));
  EXPECT_EQ(occurrences(wed, "本班无书面作业日"), 3) << "c2, c5 and c5b; not grade 8";
  EXPECT_TRUE(Contains(wed, "五年级（1）班 无书面作业 本班无书面作业日"));
  EXPECT_TRUE(Lacks(wed, "八年级（1）班 无书面作业 本班无书面作业日"));
  EXPECT_TRUE(Lacks(wed, "非上学日"));
  const std::string thu = visible_text(page(publish(*client_, daily("2026-11-26"))));
  EXPECT_EQ(occurrences(thu, "非上学日（节假日）"), 4);
  EXPECT_TRUE(Lacks(thu, "本班无书面作业日"));
  const std::string sat = visible_text(page(publish(*client_, daily("2026-11-28"))));
  EXPECT_EQ(occurrences(sat, "非上学日（周末）"), 4);
  EXPECT_TRUE(Contains(sat, "2026年11月28日 星期六"));
  const std::string tue = visible_text(page(publish(*client_, daily("2026-11-24"))));
  EXPECT_TRUE(Lacks(tue, "本班无书面作业日"));
  EXPECT_TRUE(Lacks(tue, "非上学日"));
}

TEST_F(NoticePageTest, WeeklyPageShowsTheGradesTableWithDaysCapsAndTotals) {
  post_realistic_week(*client_);
  const std::string p = page(publish(*client_, weekly("2026-W48", 5)));
  const std::string t = visible_text(p);
  EXPECT_TRUE(Contains(t, "作业公示 · 五年级 · 2026-W48 周汇总"));
  EXPECT_TRUE(Contains(t,
                       "班级 周一 11/23 周二 11/24 周三 11/25 周四 11/26 周五 11/27 周六 11/28 周日 11/29 "
                       "上限 60 60 60 60 60 60 60 "
                       "五年级（1）班 70 20 0 0 0 0 0 "
                       "五年级（2）班 0 0 45 0 0 0 0"));
  EXPECT_TRUE(Contains(p, "<table"));
  // The day over its cap is marked in the table.
  EXPECT_TRUE(std::regex_search(p, std::regex(R"(<td[^>]*class="[^"]*\bover\b[^"]*"[^>]*>70<)"))) << p;
  EXPECT_TRUE(Lacks(t, "二年级（1）班"));
  EXPECT_TRUE(Lacks(t, "八年级（1）班"));
}

TEST_F(NoticePageTest, OlderVersionPageSaysANewerVersionExistsAndLinksToIt) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const pb::Notice v1 = publish(*client_, daily("2026-11-24"));
  post_batch(*client_, {assignment("a2", "c5", "2026-11-24", 25, "语文")});
  const pb::Notice v2 = publish(*client_, daily("2026-11-24"));
  ASSERT_EQ(v2.version(), 2);

  const std::string old_page = page(v1);
  const std::string old_text = visible_text(old_page);
  EXPECT_TRUE(Contains(old_text, "第 1 版"));
  EXPECT_TRUE(Contains(old_text, "本公示已有更新的版本（第 2 版）"));
  EXPECT_TRUE(Contains(link_text(old_page, "/notices/s1/" + v2.notice_id()), "查看最新版本"));
  EXPECT_TRUE(Contains(old_text, "书面作业 30 分钟 / 上限 60 分钟"));  // the old snapshot, unchanged
  EXPECT_TRUE(Lacks(old_text, "语文练习"));

  const std::string new_page = page(v2);
  const std::string new_text = visible_text(new_page);
  EXPECT_TRUE(Contains(new_text, "第 2 版"));
  EXPECT_TRUE(Lacks(new_text, "本公示已有更新的版本"));
  EXPECT_TRUE(Lacks(new_text, "查看最新版本"));
  EXPECT_TRUE(Lacks(new_page, "href=\"/notices/s1/" + v1.notice_id() + "\""));
  EXPECT_TRUE(Contains(new_text, "书面作业 55 分钟 / 上限 60 分钟"));
}

TEST_F(NoticePageTest, IndexListsNoticesNewestFirstAndFlagsSupersededVersions) {
  EXPECT_TRUE(Contains(html("/notices/s1"), "尚未发布作业公示。"));
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const pb::Notice v1 = publish(*client_, daily("2026-11-24"));
  const pb::Notice week = publish(*client_, weekly("2026-W48", 5));
  post_batch(*client_, {assignment("a2", "c5", "2026-11-24", 25, "语文")});
  const pb::Notice v2 = publish(*client_, daily("2026-11-24"));

  const std::string index = html("/notices/s1");
  const size_t at_v2 = index.find("href=\"/notices/s1/" + v2.notice_id() + "\"");
  const size_t at_week = index.find("href=\"/notices/s1/" + week.notice_id() + "\"");
  const size_t at_v1 = index.find("href=\"/notices/s1/" + v1.notice_id() + "\"");
  ASSERT_NE(at_v2, std::string::npos);
  ASSERT_NE(at_week, std::string::npos);
  ASSERT_NE(at_v1, std::string::npos);
  EXPECT_LT(at_v2, at_week);
  EXPECT_LT(at_week, at_v1);
  EXPECT_EQ(occurrences(index, "（已有新版）"), 1);
  EXPECT_GT(index.find("（已有新版）"), at_v1) << "the flag belongs to version 1";
  EXPECT_TRUE(Contains(index, "作业公示 · 五年级 · 2026-W48 周汇总"));
}

TEST_F(NoticePageTest, ClientTextIsEscapedOnTheNoticeAndReviewPages) {
  put_class(*client_, "c5x", 5, "<b>五年级</b>（3）班");
  auto a = homework("x1", "c5x", "2026-11-24", "<i>科学</i>", pb::WRITTEN, pb::REQUIRED, 20,
                    "<script>alert(1)</script>", "He said \"hi\" & it's <img src=x onerror=alert(1)>");
  a.set_punitive(true);  // a BANNED_PRACTICE breach whose detail quotes the title
  post_batch(*client_, {a});
  const pb::Notice day = publish(*client_, daily("2026-11-24"));
  const pb::Notice week = publish(*client_, weekly("2026-W48", 5));
  const std::string review = html("/ui/schools/s1/grades/5/weeks/2026-W48");
  ASSERT_TRUE(Contains(review, "违规作业做法")) << "the breach card is on the page";

  const std::string day_page = page(day);
  EXPECT_TRUE(Contains(day_page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(Contains(day_page, "He said &quot;hi&quot; &amp; it&#39;s &lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_TRUE(Contains(day_page, "&lt;b&gt;五年级&lt;/b&gt;（3）班"));
  EXPECT_TRUE(Contains(day_page, "&lt;i&gt;科学&lt;/i&gt;"));
  EXPECT_TRUE(Contains(page(week), "&lt;b&gt;五年级&lt;/b&gt;（3）班"));
  EXPECT_TRUE(Contains(review, "&lt;b&gt;五年级&lt;/b&gt;（3）班"));
  EXPECT_TRUE(Contains(review, "&lt;i&gt;科学&lt;/i&gt;"));
  EXPECT_TRUE(Contains(review, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  for (const std::string& p : {day_page, page(week), review, html("/notices/s1")}) {
    EXPECT_TRUE(Lacks(p, "<script"));
    EXPECT_TRUE(Lacks(p, "<img"));
    EXPECT_TRUE(Lacks(p, "<b>五年级"));
    EXPECT_TRUE(Lacks(p, "<i>科学"));
    EXPECT_TRUE(Lacks(p, "\"hi\""));
  }
}

TEST_F(NoticePageTest, PagesAndIndexNeverShowStudentKeys) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  pb::TimingReport rep;
  rep.set_assignment_id("a1");
  for (const auto& [key, minutes] : {std::pair{"seat-07-zhangsan", 80}, {"seat-12-lisi", 25}}) {
    auto* st = rep.add_students();
    st->set_student_key(key);
    st->set_minutes(minutes);
  }
  post_timings(*client_, {rep});
  const pb::Notice day = publish(*client_, daily("2026-11-24"));
  const pb::Notice week = publish(*client_, weekly("2026-W48", 5));
  for (const std::string& path : {page_path(day), page_path(week), std::string("/notices/s1"),
                                  std::string("/ui/schools/s1/grades/5/weeks/2026-W48")}) {
    const std::string p = html(path);
    EXPECT_TRUE(Lacks(p, "seat-")) << path;
    EXPECT_TRUE(Lacks(p, "zhangsan")) << path;
    EXPECT_TRUE(Lacks(p, "lisi")) << path;
  }
  const RawResponse csv = get(*client_, "/ui/schools/s1/grades/5/weeks/2026-W48.csv");
  EXPECT_TRUE(Lacks(csv.body, "seat-"));
}

TEST_F(NoticePageTest, UnknownNoticeOrSchoolGetsAnHtml404Page) {
  for (const char* path : {"/notices/s1/no-such-notice", "/notices/nope", "/notices/nope/no-such-notice"}) {
    const RawResponse r = get(*client_, path, "text/html");
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_TRUE(Contains(r.body, "<h1>404</h1>")) << path;
  }
  // The same miss on the API is a JSON Error.
  const RawResponse api = get(*client_, "/v1/schools/s1/notices/no-such-notice", kJsonType);
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.content_type.rfind(kJsonType, 0), 0u) << api.content_type;
  pb::Error error;
  ASSERT_TRUE(decode(api.body, Encoding::kJson, error)) << api.body;
  EXPECT_EQ(error.code(), "NOT_FOUND");
}

// ---- immutability in the database ---------------------------------------------

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

class NoticeStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = server_.client();
    seed_named_school(*client_);
  }

  // A second connection to the server's file while it runs (WAL allows it).
  std::unique_ptr<sqlite3, SqliteCloser> open_db() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(server_.db_path().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return std::unique_ptr<sqlite3, SqliteCloser>(db);
  }

  static int count_rows(sqlite3* db) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM notices", -1, &s, nullptr), SQLITE_OK);
    const int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    return n;
  }

  // Runs `sql` and returns the error message; empty when it succeeded.
  static std::string exec_error(sqlite3* db, const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    std::string out = rc == SQLITE_OK ? "" : (err ? err : "error " + std::to_string(rc));
    sqlite3_free(err);
    return out;
  }

  TestServer server_;
  std::unique_ptr<client::Client> client_;
};

TEST_F(NoticeStorageTest, PublishedNoticeRowsRefuseUpdateAndDelete) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const pb::Notice n = publish(*client_, daily("2026-11-24"));
  auto db = open_db();
  ASSERT_EQ(count_rows(db.get()), 1);
  EXPECT_TRUE(Contains(exec_error(db.get(), "UPDATE notices SET version = 7"), "cannot be changed"));
  EXPECT_TRUE(Contains(exec_error(db.get(), "UPDATE notices SET body = x'00'"), "cannot be changed"));
  EXPECT_TRUE(Contains(exec_error(db.get(), "DELETE FROM notices"), "cannot be deleted"));
  EXPECT_TRUE(Contains(exec_error(db.get(), "DELETE FROM notices WHERE notice_id = 'x' OR 1"), "cannot be deleted"));
  EXPECT_EQ(count_rows(db.get()), 1);
  const pb::Notice back = fetch(*client_, n.notice_id());
  EXPECT_EQ(back.SerializeAsString(), n.SerializeAsString());
  EXPECT_EQ(back.version(), 1);
}

// REPLACE deletes the conflicting row without firing DELETE triggers (unless
// recursive_triggers is on), so it must be refused too: a published version can
// not be overwritten under its id, nor under its (school, subject, version).
TEST_F(NoticeStorageTest, ReplaceCannotOverwriteAPublishedNotice) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const pb::Notice n = publish(*client_, daily("2026-11-24"));
  auto db = open_db();
  EXPECT_NE(exec_error(db.get(),
                       "INSERT OR REPLACE INTO notices(notice_id, school_id, subject, version, published_at, body) "
                       "SELECT notice_id, school_id, subject, version, published_at, x'' FROM notices"),
            "")
      << "REPLACE over the same notice_id was accepted";
  EXPECT_NE(exec_error(db.get(),
                       "REPLACE INTO notices(notice_id, school_id, subject, version, published_at, body) "
                       "SELECT 'forged', school_id, subject, version, published_at, x'' FROM notices"),
            "")
      << "REPLACE over the same (school, subject, version) was accepted";
  EXPECT_EQ(count_rows(db.get()), 1);
  const pb::Notice back = fetch(*client_, n.notice_id());
  EXPECT_EQ(back.SerializeAsString(), n.SerializeAsString()) << "the published snapshot changed";
}

TEST_F(NoticeStorageTest, NoticesSurviveARestartAndHaveNoRouteToChangeThem) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-24", 30)});
  const pb::Notice n = publish(*client_, daily("2026-11-24"));
  const std::string target = "/v1/schools/s1/notices/" + n.notice_id();
  EXPECT_EQ(send(*client_, "DELETE", target).status, 405);
  EXPECT_EQ(send(*client_, "PUT", target, "{}", {{"Content-Type", kJsonType}}).status, 405);
  server_.restart();
  client_ = server_.client();
  const pb::Notice back = fetch(*client_, n.notice_id());
  EXPECT_EQ(back.SerializeAsString(), n.SerializeAsString());
  // Republishing the unchanged day after the restart still finds version 1.
  EXPECT_EQ(publish(*client_, daily("2026-11-24")).notice_id(), n.notice_id());
}

// ---- scheduled publishing -----------------------------------------------------

app::Config notice_config(int check_interval_seconds) {
  app::Config c;
  c.notice_check_interval_seconds = check_interval_seconds;
  c.notice_catch_up_days = 7;
  return c;
}

pb::NoticeSchedule schedule(const std::string& school_id, const std::string& publish_time, bool enabled = true) {
  pb::NoticeSchedule s;
  s.set_school_id(school_id);
  s.set_publish_time(publish_time);
  s.set_enabled(enabled);
  return s;
}

std::vector<std::string> notice_dates(const std::vector<pb::Notice>& list) {
  std::vector<std::string> out;
  for (const auto& n : list) out.push_back(n.date());
  return out;
}

// The schedule timer checks every second.
class NoticeScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = server_.client();
    seed_named_school(*client_);
  }

  void put_schedule(const pb::NoticeSchedule& s) {
    auto r = client_->put_notice_schedule(s);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }

  // School s2 with one class (a school without classes has nothing to disclose).
  void add_witness_school() {
    pb::School s2;
    s2.set_school_id("s2");
    s2.set_name("第二中学");
    s2.set_district("d1");
    s2.set_profile("national");
    ASSERT_TRUE(client_->put_school(s2).ok());
    pb::Class k;
    k.set_school_id("s2");
    k.set_class_id("c1");
    k.set_grade(7);
    k.set_name("七年级1班");
    k.set_student_count(40);
    ASSERT_TRUE(client_->put_class(k).ok());
  }

  std::string last_published_date(const std::string& school_id = "s1") {
    auto r = client_->get_notice_schedule(school_id);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? r->last_published_date() : "";
  }

  TestServer server_{notice_config(1)};
  std::unique_ptr<client::Client> client_;
};

TEST_F(NoticeScheduleTest, ScheduleIsStoredAndOwesNothingBeforeToday) {
  EXPECT_EQ(client_->get_notice_schedule("s1").error().http_status, 404);
  auto r = client_->put_notice_schedule(schedule("s1", "17:30"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->school_id(), "s1");
  EXPECT_EQ(r->publish_time(), "17:30");
  EXPECT_TRUE(r->enabled());
  EXPECT_EQ(r->last_published_date(), "2026-11-22");
  auto back = client_->get_notice_schedule("s1");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->publish_time(), "17:30");
  EXPECT_TRUE(back->enabled());
}

TEST_F(NoticeScheduleTest, NothingIsPublishedBeforeThePublishTime) {
  // A second school whose time has passed is the witness that the timer has run.
  ASSERT_NO_FATAL_FAILURE(add_witness_school());
  put_schedule(schedule("s1", "17:30"));
  put_schedule(schedule("s2", "09:00"));
  ASSERT_TRUE(eventually([&] { return notices(*client_, "s2").size() == 1; }));
  // Schedules are checked in school order in one pass: s1's turn came first.
  EXPECT_TRUE(notices(*client_, "s1").empty());
  EXPECT_EQ(last_published_date("s1"), "2026-11-22");
  EXPECT_EQ(notices(*client_, "s2")[0].published_by(), "schedule");
}

TEST_F(NoticeScheduleTest, DailyNoticeIsPublishedOnceThePublishTimeHasPassed) {
  post_batch(*client_, {assignment("a1", "c5", "2026-11-23", 30)});
  put_schedule(schedule("s1", "17:30"));
  server_.clock().set(local_time(0, 17, 31));
  ASSERT_TRUE(eventually([&] { return !notices(*client_).empty(); }));
  const auto list = notices(*client_);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].date(), "2026-11-23");
  EXPECT_EQ(list[0].published_by(), "schedule");
  EXPECT_EQ(list[0].published_at(), "2026-11-23T09:31:00.000Z");
  const pb::Notice n = fetch(*client_, list[0].notice_id());
  EXPECT_EQ(day_of(n, "c5").written_minutes(), 30);
  EXPECT_EQ(day_of(n, "c5").assignments_size(), 1);
  EXPECT_EQ(last_published_date(), "2026-11-23");
  // Publishing the same day by hand finds the scheduled version unchanged.
  const PublishReply again = publish_raw(*client_, Encoding::kJson, daily("2026-11-23"));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.notice.notice_id(), list[0].notice_id());
}

TEST_F(NoticeScheduleTest, NothingIsPublishedOnASaturday) {
  server_.clock().set(local_time(5, 10, 0));  // Saturday 2026-11-28
  put_schedule(schedule("s1", "17:30"));
  EXPECT_EQ(last_published_date(), "2026-11-27");
  server_.clock().set(local_time(5, 17, 31));
  ASSERT_TRUE(eventually([&] { return last_published_date() == "2026-11-28"; }));  // Saturday handled
  EXPECT_TRUE(notices(*client_).empty());
}

TEST_F(NoticeScheduleTest, DisabledScheduleIsStoredButPublishesNothing) {
  put_schedule(schedule("s1", "17:30", /*enabled=*/false));
  auto back = client_->get_notice_schedule("s1");
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->enabled());
  ASSERT_NO_FATAL_FAILURE(add_witness_school());  // the witness that the timer has run
  server_.clock().set(local_time(0, 17, 31));
  put_schedule(schedule("s2", "17:00"));
  ASSERT_TRUE(eventually([&] { return notices(*client_, "s2").size() == 1; }));
  EXPECT_TRUE(notices(*client_).empty());
}

TEST_F(NoticeScheduleTest, BadPublishTimeIs400NamingPublishTime) {
  for (const char* bad : {"25:00", "5pm", "17:60", "7:30", "17:30:00", "", "１７:３０"}) {
    auto r = client_->put_notice_schedule(schedule("s1", bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().http_status, 400) << bad;
    ASSERT_GE(r.error().error.details_size(), 1) << bad;
    EXPECT_EQ(r.error().error.details(0).field(), "publish_time") << bad;
  }
  EXPECT_EQ(client_->get_notice_schedule("s1").error().http_status, 404) << "nothing was stored";
  for (const char* good : {"00:00", "23:59", "07:05"}) {
    EXPECT_TRUE(client_->put_notice_schedule(schedule("s1", good)).ok()) << good;
  }
}

TEST_F(NoticeScheduleTest, ScheduleOfAnUnknownSchoolIs404) {
  auto put = client_->put_notice_schedule(schedule("nope", "17:30"));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().http_status, 404);
  EXPECT_EQ(client_->get_notice_schedule("nope").error().http_status, 404);
}

// Catch-up happens at start-up: the timer is set far off so only start-up publishes.
class NoticeCatchUpScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = server_.client();
    seed_named_school(*client_);
  }

  void restart_at(std::chrono::system_clock::time_point t) {
    server_.clock().set(t);
    server_.restart();
    client_ = server_.client();
  }

  TestServer server_{notice_config(3600)};
  std::unique_ptr<client::Client> client_;
};

TEST_F(NoticeCatchUpScheduleTest, MissedSchoolDaysArePublishedOnStartUpOnceEach) {
  server_.clock().set(local_time(4, 10, 0));  // Friday 2026-11-27
  ASSERT_TRUE(client_->put_notice_schedule(schedule("s1", "17:30")).ok());
  post_batch(*client_, {assignment("fri", "c5", "2026-11-27", 30)});

  restart_at(local_time(7, 18, 0));  // Monday 2026-11-30, 18:00: Friday and Monday are owed
  const auto list = notices(*client_);
  EXPECT_EQ(notice_dates(list), (std::vector<std::string>{"2026-11-30", "2026-11-27"}));
  for (const auto& n : list) EXPECT_EQ(n.published_by(), "schedule") << n.date();
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(day_of(fetch(*client_, list.back().notice_id()), "c5").written_minutes(), 30);
  auto s = client_->get_notice_schedule("s1");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->last_published_date(), "2026-11-30");

  // Another restart publishes nothing again, even after the day's records changed.
  post_batch(*client_, {assignment("mon", "c5", "2026-11-30", 20)});
  restart_at(local_time(7, 18, 5));
  EXPECT_EQ(notices(*client_).size(), 2u);
}

TEST_F(NoticeCatchUpScheduleTest, CatchUpReachesBackAtMostNoticeCatchUpDays) {
  ASSERT_TRUE(client_->put_notice_schedule(schedule("s1", "17:30")).ok());  // Monday 11-23, 10:00
  restart_at(local_time(21, 18, 0));                                        // Monday 2026-12-14, 18:00
  // Today and the 7 days before it: Monday 12-07 .. Monday 12-14, six school days.
  auto dates = notice_dates(notices(*client_));
  std::sort(dates.begin(), dates.end());
  EXPECT_EQ(dates, (std::vector<std::string>{"2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11",
                                             "2026-12-14"}));
}

TEST_F(NoticeCatchUpScheduleTest, TodayIsNotCaughtUpBeforeItsPublishTime) {
  ASSERT_TRUE(client_->put_notice_schedule(schedule("s1", "17:30")).ok());  // Monday 11-23, 10:00
  restart_at(local_time(2, 9, 0));                                          // Wednesday 11-25, 09:00
  auto dates = notice_dates(notices(*client_));
  std::sort(dates.begin(), dates.end());
  EXPECT_EQ(dates, (std::vector<std::string>{"2026-11-23", "2026-11-24"}));
}

// ---- the grade leader's weekly review page -------------------------------------

class WeekReviewPageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = server_.client(Encoding::kJson);
    seed_named_school(*client_);
  }

  RawResponse review(const std::string& week, int grade = 5) {
    return get(*client_, "/ui/schools/s1/grades/" + std::to_string(grade) + "/weeks/" + week, "text/html");
  }

  std::string review_page(const std::string& week, int grade = 5) {
    const RawResponse r = review(week, grade);
    EXPECT_EQ(r.status, 200) << week << ": " << r.body;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "cache-control"), "no-store");
    EXPECT_TRUE(Lacks(lower(r.body), "<script"));
    return r.body;
  }

  RawResponse post_form(const std::string& breach_id, const std::string& body,
                        const std::string& content_type = kFormType) {
    return send(*client_, "POST", "/ui/breaches/" + breach_id + "/acknowledge", body, {{"Content-Type", content_type}});
  }

  // The one open breach of c5 (grade 5) in the realistic week.
  pb::Breach c5_breach() {
    for (const auto& b : open_breaches(*client_)) {
      if (b.class_id() == "c5") return b;
    }
    ADD_FAILURE() << "c5 has no open breach";
    return {};
  }

  TestServer server_;
  std::unique_ptr<client::Client> client_;
};

TEST_F(WeekReviewPageTest, ReviewPageShowsEachClassEachDaysPlannedMinutesAndTheCap) {
  post_realistic_week(*client_);
  const std::string t = visible_text(review_page("2026-W48"));
  EXPECT_TRUE(Contains(t, "第一实验学校 · 五年级 作业周报 2026-W48 · 2026年11月23日 星期一 至 2026年11月29日 星期日"));
  EXPECT_TRUE(Contains(t, "周一 11/23 周二 11/24 周三 11/25 周四 11/26 周五 11/27 周六 11/28 周日 11/29"));
  // One cell per class and day, each naming its planned minutes against the cap.
  for (const char* cell :
       {"五年级（1）班 2026-11-23：计划 70 分钟，上限 60 分钟，实测均值 35.0 分钟",
        "五年级（1）班 2026-11-24：计划 20 分钟，上限 60 分钟", "五年级（1）班 2026-11-28：计划 0 分钟",
        "五年级（2）班 2026-11-23：计划 0 分钟，上限 60 分钟",
        "五年级（2）班 2026-11-25：计划 45 分钟，上限 60 分钟"}) {
    EXPECT_TRUE(Contains(t, cell));
  }
  EXPECT_EQ(occurrences(t, "五年级（1）班 2026-11-"), 7);
  EXPECT_EQ(occurrences(t, "五年级（2）班 2026-11-"), 7);
  EXPECT_TRUE(Contains(t, "上学日上限 60 分钟"));
  EXPECT_TRUE(Lacks(t, "二年级（1）班"));
  EXPECT_TRUE(Lacks(t, "八年级（1）班"));
}

TEST_F(WeekReviewPageTest, ReviewPageShowsSubjectSharesOfThePlannedMinutes) {
  post_realistic_week(*client_);
  const std::string t = visible_text(review_page("2026-W48"));
  // 135 planned minutes: 数学 50, 英语 45, 语文 40 (the Saturday reading does not count).
  const size_t math = t.find("数学 37% · 50 分");
  const size_t english = t.find("英语 33% · 45 分");
  const size_t chinese = t.find("语文 30% · 40 分");
  ASSERT_NE(math, std::string::npos) << t;
  ASSERT_NE(english, std::string::npos) << t;
  ASSERT_NE(chinese, std::string::npos) << t;
  EXPECT_LT(math, english) << "largest share first";
  EXPECT_LT(english, chinese);
}

TEST_F(WeekReviewPageTest, ReviewPageComparesMeasuredWithPlannedWhereTimingsExist) {
  post_realistic_week(*client_);
  const std::string t = visible_text(review_page("2026-W48"));
  // c5 reported on Monday only: one day, planned 70, measured mean 35.0, nobody over the cap.
  EXPECT_TRUE(Contains(t, "五年级（1）班 1 70 35.0 0"));
  EXPECT_TRUE(Contains(t, "五年级（2）班 0 — — —"));
}

TEST_F(WeekReviewPageTest, ReviewPageListsTheGradesOpenBreachesWithAnAcknowledgeForm) {
  post_realistic_week(*client_);
  const pb::Breach b = c5_breach();
  ASSERT_EQ(b.kind(), pb::PLANNED_OVER_CAP);
  const std::string p = review_page("2026-W48");
  const std::string t = visible_text(p);
  EXPECT_TRUE(Contains(t, "待确认的违规（1）")) << "c2's breach is grade 2's, not on this page";
  EXPECT_TRUE(Contains(t, "提醒 · 预估时长超出上限 五年级（1）班 · 2026年11月23日 星期一 · 70 / 60 分钟"));
  EXPECT_TRUE(Lacks(t, "一、二年级布置了书面作业"));
  EXPECT_TRUE(Contains(p, "action=\"/ui/breaches/" + b.breach_id() + "/acknowledge\""));
  EXPECT_TRUE(Contains(p, "method=\"post\""));
  EXPECT_TRUE(Contains(p, "name=\"acknowledged_by\""));
  EXPECT_TRUE(Contains(p, "name=\"note\""));
  EXPECT_TRUE(Contains(visible_text(review_page("2026-W47")), "本周没有待确认的违规。"));
}

TEST_F(WeekReviewPageTest, ReviewPageLinksToTheNeighbouringIsoWeeksAndItsCsv) {
  const std::string p = review_page("2026-W48");
  EXPECT_TRUE(Contains(link_text(p, "/ui/schools/s1/grades/5/weeks/2026-W47"), "上一周"));
  EXPECT_TRUE(Contains(link_text(p, "/ui/schools/s1/grades/5/weeks/2026-W49"), "下一周"));
  EXPECT_TRUE(Contains(link_text(p, "/ui/schools/s1/grades/5/weeks/2026-W48.csv"), "CSV"));
}

TEST_F(WeekReviewPageTest, NeighbouringWeeksCrossTheYearBoundary) {
  // 2026 starts on a Thursday, so it has 53 ISO weeks; 2025 has 52.
  const std::string w01 = review_page("2026-W01");
  EXPECT_TRUE(Contains(visible_text(w01), "作业周报 2026-W01 · 2025年12月29日 星期一 至 2026年1月4日 星期日"));
  EXPECT_TRUE(Contains(link_text(w01, "/ui/schools/s1/grades/5/weeks/2025-W52"), "上一周"));
  EXPECT_TRUE(Contains(link_text(w01, "/ui/schools/s1/grades/5/weeks/2026-W02"), "下一周"));
  const std::string w53 = review_page("2026-W53");
  EXPECT_TRUE(Contains(visible_text(w53), "作业周报 2026-W53 · 2026年12月28日 星期一 至 2027年1月3日 星期日"));
  EXPECT_TRUE(Contains(link_text(w53, "/ui/schools/s1/grades/5/weeks/2026-W52"), "上一周"));
  EXPECT_TRUE(Contains(link_text(w53, "/ui/schools/s1/grades/5/weeks/2027-W01"), "下一周"));
  EXPECT_TRUE(Contains(link_text(review_page("2026-W52"), "/ui/schools/s1/grades/5/weeks/2026-W53"), "下一周"));
  EXPECT_TRUE(Contains(link_text(review_page("2025-W52"), "/ui/schools/s1/grades/5/weeks/2026-W01"), "下一周"));
  EXPECT_EQ(review("2025-W53").status, 400);
}

TEST_F(WeekReviewPageTest, AcknowledgeFormRedirectsToTheWeekAndRecordsWhoAndWhy) {
  post_realistic_week(*client_);
  const pb::Breach b = c5_breach();
  const RawResponse r =
      post_form(b.breach_id(), "acknowledged_by=" + form_value("王主任") +
                                   "&note=" + form_value("已与数学、语文老师协调") + "+" + form_value("明日减量"));
  EXPECT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(header(r, "location"), "/ui/schools/s1/grades/5/weeks/2026-W48");

  client::BreachQuery q;
  q.school_id = "s1";
  q.class_id = "c5";
  auto list = client_->breaches(q);
  ASSERT_TRUE(list.ok()) << list.error().to_string();
  ASSERT_EQ(list->breaches_size(), 1);
  EXPECT_EQ(list->breaches(0).breach_id(), b.breach_id());
  EXPECT_EQ(list->breaches(0).acknowledged_by(), "王主任");
  EXPECT_EQ(list->breaches(0).note(), "已与数学、语文老师协调 明日减量");
  // The breach moves from the waiting list to the acknowledged one, without a button.
  const std::string page = review_page("2026-W48");
  EXPECT_TRUE(Contains(visible_text(page), "已确认：王主任（已与数学、语文老师协调 明日减量）"));
  EXPECT_TRUE(Contains(visible_text(page), "待确认的违规（0）"));
  EXPECT_TRUE(Contains(visible_text(page), "已确认、尚未消除的违规（1）"));
  EXPECT_FALSE(Contains(page, "/ui/breaches/" + b.breach_id() + "/acknowledge"));
}

TEST_F(WeekReviewPageTest, AcknowledgeFormInAnotherContentTypeIs415) {
  post_realistic_week(*client_);
  const pb::Breach b = c5_breach();
  for (const char* type : {kJsonType, "text/plain", "multipart/form-data; boundary=x"}) {
    const RawResponse r = post_form(b.breach_id(), "acknowledged_by=x&note=y", type);
    EXPECT_EQ(r.status, 415) << type;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << type;
  }
  EXPECT_EQ(c5_breach().acknowledged_by(), "") << "nothing was recorded";
}

TEST_F(WeekReviewPageTest, AcknowledgeFormForAnUnknownBreachIsAnHtml404) {
  const RawResponse r = post_form("no-such-breach", "acknowledged_by=x&note=y");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(Contains(r.body, "<h1>404</h1>"));
}

TEST_F(WeekReviewPageTest, ReviewOfABadGradeWeekOrSchoolIsAnHtmlError) {
  EXPECT_EQ(review("2026-W48", 10).status, 400);
  EXPECT_EQ(get(*client_, "/ui/schools/s1/grades/x/weeks/2026-W48").status, 400);
  EXPECT_EQ(review("2026-W54").status, 400);
  EXPECT_EQ(review("2026-11-23").status, 400);
  const RawResponse unknown = get(*client_, "/ui/schools/nope/grades/5/weeks/2026-W48", "text/html");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(get(*client_, "/ui/schools/nope/grades/5/weeks/2026-W48.csv").status, 404);
}

// ---- the review's CSV export ------------------------------------------------------

std::vector<std::string> csv_lines(const std::string& body) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at = body.find("\r\n"); at != std::string::npos; at = body.find("\r\n", start)) {
    out.push_back(body.substr(start, at - start));
    start = at + 2;
  }
  EXPECT_EQ(start, body.size()) << "the last row ends with CRLF";
  return out;
}

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> out(1);
  for (const char c : line) {
    if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

class WeekReviewCsvTest : public WeekReviewPageTest {
 protected:
  RawResponse csv(const std::string& week = "2026-W48") {
    return get(*client_, "/ui/schools/s1/grades/5/weeks/" + week + ".csv");
  }
};

TEST_F(WeekReviewCsvTest, CsvIsUtf8WithABomChineseHeadersAndCrlfRows) {
  post_realistic_week(*client_);
  const RawResponse r = csv();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type.rfind("text/csv", 0), 0u) << r.content_type;
  EXPECT_TRUE(Contains(header(r, "content-disposition"), "attachment"));
  EXPECT_TRUE(Contains(header(r, "content-disposition"), "filename=\"hwload-s1-grade5-2026-W48.csv\""));
  ASSERT_GE(r.body.size(), 3u);
  EXPECT_EQ(r.body.substr(0, 3), "\xEF\xBB\xBF");
  for (size_t i = 0; i < r.body.size(); ++i) {
    if (r.body[i] == '\n') {
      EXPECT_TRUE(i > 0 && r.body[i - 1] == '\r') << "bare LF at " << i;
    }
  }
  const auto lines = csv_lines(r.body.substr(3));
  ASSERT_EQ(lines.size(), 4u) << "header, caps, one row per class";
  EXPECT_EQ(lines[0],
            "班级,周一 2026-11-23,周二 2026-11-24,周三 2026-11-25,周四 2026-11-26,周五 2026-11-27,周六 2026-11-28,"
            "周日 2026-11-29,本周合计,超出上限天数,实测均值合计");
  EXPECT_EQ(lines[1], "上限（分钟）,60,60,60,60,60,60,60,,,");
  EXPECT_EQ(lines[2], "五年级（1）班,70,20,0,0,0,0,0,90,1,35.0");
  EXPECT_EQ(lines[3], "五年级（2）班,0,0,45,0,0,0,0,45,0,0.0");
}

TEST_F(WeekReviewCsvTest, CsvRowsEqualTheGradeWeekPlannedMinutes) {
  post_realistic_week(*client_);
  post_batch(*client_, {assignment("thu", "c5b", "2026-11-26", 65), assignment("sun", "c5", "2026-11-29", 15)});
  auto week = client_->grade_week("s1", 5, "2026-W48");
  ASSERT_TRUE(week.ok()) << week.error().to_string();
  const auto lines = csv_lines(csv().body.substr(3));
  ASSERT_EQ(lines.size(), 2u + static_cast<size_t>(week->classes_size()));
  for (int ci = 0; ci < week->classes_size(); ++ci) {
    const auto& c = week->classes(ci);
    const auto fields = split_commas(lines[2 + static_cast<size_t>(ci)]);
    ASSERT_EQ(fields.size(), 11u) << lines[2 + static_cast<size_t>(ci)];
    EXPECT_EQ(fields[0], c.class_name());
    int total = 0;
    for (int i = 0; i < 7; ++i) {
      EXPECT_EQ(fields[1 + static_cast<size_t>(i)], std::to_string(c.days(i).planned_minutes()))
          << c.class_id() << " " << c.days(i).date();
      total += c.days(i).planned_minutes();
    }
    EXPECT_EQ(fields[8], std::to_string(total));
  }
}

TEST_F(WeekReviewCsvTest, CsvQuotesSeparatorsAndQuotesAndDefusesFormulas) {
  put_class(*client_, "c5q", 5, "五年级\"实验\",三班");
  put_class(*client_, "c5r", 5, "=HYPERLINK(\"http://evil.example\")");
  put_class(*client_, "c5s", 5, "=1+2");
  const auto lines = csv_lines(csv().body.substr(3));
  std::vector<std::string> names;
  for (size_t i = 2; i < lines.size(); ++i) names.push_back(lines[i].substr(0, lines[i].find(",0,0,0,0,0,0,0,")));
  EXPECT_EQ(names, (std::vector<std::string>{"五年级（1）班", "五年级（2）班", "\"五年级\"\"实验\"\",三班\"",
                                             "\"'=HYPERLINK(\"\"http://evil.example\"\")\"", "'=1+2"}));
}

// ---- what review of the first version changed ---------------------------------

TEST_P(NoticeTest, NoticeOfNoClassesIsRefusedAndStoresNothing) {
  pb::School empty;
  empty.set_school_id("s-empty");
  empty.set_name("新建学校");
  empty.set_district("d1");
  empty.set_profile("national");
  ASSERT_TRUE(client_->put_school(empty).ok());
  auto daily_reply = client_->publish_notice("s-empty", daily("2026-11-24"));
  ASSERT_FALSE(daily_reply.ok());
  EXPECT_EQ(daily_reply.error().http_status, 400);
  ASSERT_GE(daily_reply.error().error.details_size(), 1);
  EXPECT_EQ(daily_reply.error().error.details(0).field(), "school_id");
  auto weekly_reply = client_->publish_notice("s1", weekly("2026-W48", 9));  // s1 has no grade 9
  ASSERT_FALSE(weekly_reply.ok());
  EXPECT_EQ(weekly_reply.error().http_status, 400);
  EXPECT_EQ(weekly_reply.error().error.details(0).field(), "grade");
  EXPECT_TRUE(notices(*client_, "s-empty").empty());
  EXPECT_TRUE(notices(*client_, "s1").empty());
}

TEST_P(NoticeTest, ClassesAreInNaturalOrder) {
  for (const char* id : {"c10", "c9", "c11"}) put_class(*client_, id, 5, std::string("五年级") + (id + 1) + "班");
  const pb::Notice n = publish(*client_, daily("2026-11-24"));
  EXPECT_EQ(class_ids(n), (std::vector<std::string>{"c2", "c5", "c5b", "c9", "c10", "c11", "c8"}));
}

TEST_P(NoticeTest, NoticeListPagesBackwardsWithNextBefore) {
  for (int day = 16; day <= 20; ++day) publish(*client_, daily("2026-11-" + std::to_string(day)));
  auto first = client_->list_notices("s1", 2);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(notice_dates({first->notices().begin(), first->notices().end()}),
            (std::vector<std::string>{"2026-11-20", "2026-11-19"}));
  ASSERT_GT(first->next_before(), 0);
  const RawResponse second = get(
      *client_, "/v1/schools/s1/notices?limit=2&before=" + std::to_string(first->next_before()), "application/json");
  ASSERT_EQ(second.status, 200) << second.body;
  pb::NoticeList page2;
  ASSERT_TRUE(decode(second.body, Encoding::kJson, page2)) << second.body;
  EXPECT_EQ(notice_dates({page2.notices().begin(), page2.notices().end()}),
            (std::vector<std::string>{"2026-11-18", "2026-11-17"}));
  const RawResponse last =
      get(*client_, "/v1/schools/s1/notices?limit=2&before=" + std::to_string(page2.next_before()), "application/json");
  pb::NoticeList page3;
  ASSERT_TRUE(decode(last.body, Encoding::kJson, page3)) << last.body;
  EXPECT_EQ(notice_dates({page3.notices().begin(), page3.notices().end()}), (std::vector<std::string>{"2026-11-16"}));
  EXPECT_EQ(page3.next_before(), 0);
  // The public index holds 50 to a page: these five need no link to older ones.
  const RawResponse index = get(*client_, "/notices/s1", "text/html");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(occurrences(index.body, "/notices/s1/"), 5) << index.body;
  EXPECT_EQ(index.body.find("?before="), std::string::npos) << index.body;
  EXPECT_EQ(get(*client_, "/v1/schools/s1/notices?before=-1", "application/json").status, 400);
}

TEST_P(NoticeTest, IdsOfDotsOnlyAreRefusedSoNoLinkCanClimbOutOfItsPath) {
  for (const char* id : {".", "..", "..."}) {
    const RawResponse r =
        client_
            ->send_raw("PUT", "/v1/schools/" + client::Client::escape(id),
                       R"({"name":"x","district":"d1","profile":"national"})", {{"Content-Type", "application/json"}})
            .value();
    EXPECT_EQ(r.status, 400) << id << ": " << r.body;
    EXPECT_NE(r.body.find("must not consist of dots only"), std::string::npos) << r.body;
  }
}

TEST_F(NoticeScheduleTest, ScheduleWithoutEnabledIsOn) {
  pb::NoticeSchedule s;
  s.set_school_id("s1");
  s.set_publish_time("17:30");
  auto r = client_->put_notice_schedule(s);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->enabled());
}

}  // namespace
}  // namespace hwload::testing
