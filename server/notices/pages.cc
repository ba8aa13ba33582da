#include "notices/pages.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "core/clock.h"
#include "hwload/analytics/calendar.h"

namespace hwload::notices {
namespace {

using analytics::Date;

std::string num(long long v) { return std::to_string(v); }

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100.0);
  return buf;
}

// "2026年11月17日 星期二"
std::string long_date(const std::string& iso) {
  const auto d = analytics::parse_date(iso);
  if (!d) return escape_html(iso);
  int y = 0, m = 0, day = 0;
  analytics::ymd_from_date(*d, y, m, day);
  return num(y) + "年" + num(m) + "月" + num(day) + "日 " + weekday_label(analytics::iso_weekday(*d));
}

// "11/17"
std::string short_date(const std::string& iso) {
  const auto d = analytics::parse_date(iso);
  if (!d) return escape_html(iso);
  int y = 0, m = 0, day = 0;
  analytics::ymd_from_date(*d, y, m, day);
  return num(m) + "/" + num(day);
}

std::string short_weekday(const std::string& iso) {
  static constexpr std::array<const char*, 7> kNames = {"周一", "周二", "周三", "周四", "周五", "周六", "周日"};
  const auto d = analytics::parse_date(iso);
  return d ? kNames[static_cast<size_t>(analytics::iso_weekday(*d) - 1)] : "";
}

// An RFC 3339 UTC time shown as "2026-11-17 17:30" in the schools' local time.
std::string local_time(const std::string& rfc3339, int utc_offset_minutes) {
  std::chrono::system_clock::time_point t;
  if (!parse_rfc3339_utc(rfc3339, t)) return escape_html(rfc3339);
  const int minute = local_minute_of_day(t, utc_offset_minutes);
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02d", minute / 60, minute % 60);
  return analytics::format_date(local_date(t, utc_offset_minutes)) + buf;
}

constexpr const char* kStyle = R"css(
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
 color:#1d2733;background:#f4f6f8;line-height:1.55;font-size:16px;overflow-wrap:anywhere}
main{max-width:980px;margin:0 auto;padding:12px}
header.page{background:#fff;border-radius:8px;padding:14px 16px;margin-bottom:12px;border-top:4px solid #b5282e}
h1{font-size:1.35rem;margin:0 0 4px}
h2{font-size:1.15rem;margin:18px 0 8px;padding-left:8px;border-left:4px solid #b5282e}
h3{font-size:1rem;margin:0}
p{margin:4px 0}
a{color:#1c5fa8}
.sub{color:#55606e;font-size:.92rem}
.notice-newer{background:#fff4d6;border:1px solid #e0b44a;border-radius:6px;padding:8px 12px;margin:10px 0}
.card{background:#fff;border-radius:8px;padding:12px 14px;margin:0 0 10px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
.class-head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:4px 12px}
.total{font-weight:600;white-space:nowrap}
.total.over{color:#b5282e}
.mark{display:inline-block;background:#e8f1fb;color:#1c4f8a;border-radius:4px;padding:1px 8px;margin:4px 6px 0 0;
 font-size:.88rem}
.mark.rest{background:#eceff1;color:#455a64}
.mark.warn{background:#fde8e8;color:#a12025}
ul.hw{list-style:none;margin:8px 0 0;padding:0}
ul.hw li{border-top:1px solid #edf0f3;padding:6px 0}
.subject{display:inline-block;min-width:3em;font-weight:600;margin-right:6px}
.tags{color:#55606e;font-size:.88rem;white-space:nowrap}
.content{color:#33404d;font-size:.95rem;margin-top:2px}
.none{color:#55606e}
table{border-collapse:collapse;width:100%;table-layout:fixed;background:#fff;font-size:.9rem}
th,td{border:1px solid #d9dee4;padding:4px 2px;text-align:center}
th{background:#f0f3f6;font-weight:600}
td.name,th.name{width:22%;text-align:left;padding-left:6px}
td.over{background:#f8d2d2;color:#8e1b1f;font-weight:600}
td.rest{background:#eef0f2;color:#78838f}
td.nhd{background:#e3eefa}
.legend{font-size:.85rem;color:#55606e;margin:6px 0}
.legend .key{white-space:nowrap;margin-left:8px}
.legend i{display:inline-block;width:.9em;height:.9em;border-radius:2px;vertical-align:-1px;margin-right:3px}
.nw{white-space:nowrap}
.day{white-space:nowrap;font-size:.8rem;font-weight:400}
table.compact{font-size:.85rem}
nav.grades{display:flex;flex-wrap:wrap;gap:6px 10px;margin:0 0 10px}
nav.grades a{background:#fff;border-radius:4px;padding:2px 8px;text-decoration:none;white-space:nowrap}
.bar{display:flex;align-items:center;gap:8px;margin:4px 0}
.bar .label{width:4.5em;flex:none}
.bar .track{flex:1;background:#edf0f3;border-radius:3px;height:14px;min-width:0}
.bar .fill{background:#3f7fbf;height:14px;border-radius:3px}
.bar .value{width:6.5em;flex:none;text-align:right;font-size:.88rem;color:#33404d}
.nav{display:flex;justify-content:space-between;gap:8px;margin:10px 0}
.nav a{white-space:nowrap}
.breach h3{font-size:.98rem}
.breach .detail{font-size:.92rem;color:#33404d}
.sev-SERIOUS{color:#8e1b1f}.sev-BREACH{color:#b5282e}.sev-WARNING{color:#8a6d00}
form.ack{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
form.ack input{flex:1 1 8em;min-width:0;padding:6px;border:1px solid #c3cad2;border-radius:4px;font:inherit}
form.ack button{padding:6px 14px;border:0;border-radius:4px;background:#1c5fa8;color:#fff;font:inherit}
.viewer{display:flex;flex-wrap:wrap;justify-content:flex-end;align-items:center;gap:8px;font-size:14px;color:#55606b}
.viewer button{padding:2px 10px;border:1px solid #c3cad2;border-radius:4px;background:#fff;font:inherit}
form.login{display:flex;flex-direction:column;gap:10px;max-width:34em}
form.login input{padding:8px;border:1px solid #c3cad2;border-radius:4px;font:inherit;font-size:14px}
form.login button{align-self:flex-start;padding:8px 18px;border:0;border-radius:4px;background:#1c5fa8;color:#fff;font:inherit}
.error{color:#b71c1c}
.heatmap-box{background:#fff;border-radius:8px;padding:6px 0}
.heatmap{width:100%;max-width:600px;height:auto;display:block;margin:0 auto}
footer{color:#55606e;font-size:.85rem;margin:16px 0 8px}
@page{size:A4;margin:12mm}
.sheet-head{display:none}
@media print{
 body{background:#fff;font-size:9pt;line-height:1.3}
 main{max-width:none;padding:0}
 header.page{display:none}
 .sheet-head{display:block;border-bottom:1.5pt solid #000;margin:0 0 3mm;padding-bottom:1mm}
 .sheet-head b{font-size:12pt}
 h2{font-size:11pt;margin:0 0 2mm;padding-left:2mm;border-left-width:2pt}
 .card{box-shadow:none;border:.5pt solid #999;border-radius:0;padding:1.2mm 2mm;break-inside:avoid;margin:0 0 1.5mm}
 section.grade{break-after:page}
 section.grade:last-of-type{break-after:auto}
 section.grade .classes{columns:2;column-gap:4mm}
 section.grade .classes.many{columns:3;font-size:7pt}
 h3{font-size:9pt}
 .total{font-size:7.5pt}
 ul.hw{margin-top:.5mm}
 ul.hw li{padding:.2mm 0;line-height:1.25}
 nav.grades{display:none}
 .subject{min-width:0}
 .tags,.mark{font-size:7pt}
 .mark{padding:0 1mm;margin:.5mm 1mm 0 0}
 .content{display:inline;font-size:inherit;margin:0}
 .content::before{content:"：";}
 .notice-newer{border:1px solid #000;padding:1mm 2mm;margin:0 0 2mm}
 footer{font-size:7.5pt;margin:2mm 0 0}
 a{color:inherit;text-decoration:none}
 form,.nav,.noprint,.viewer{display:none}
}
)css";

std::string page_head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>" +
         escape_html(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n";
}

constexpr const char* kPageEnd = "</main>\n</body>\n</html>\n";

// A legend entry: a colour swatch and its label, kept on one line.
std::string key(const char* colour, const std::string& label) {
  return std::string("<span class=\"key\"><i style=\"background:") + colour + "\"></i>" + label + "</span>";
}

// The cap a day's written homework is held to: none at all on the class's weekly
// no-homework day (R3), else the profile's cap for the grade and day kind.
int effective_cap(const pb::DayLoad& d) {
  return d.no_homework_day() && d.day_kind() == pb::SCHOOL_DAY ? 0 : d.cap_minutes();
}

// Width of `text` in em, roughly: CJK characters are 1 em, ASCII about 0.6.
double text_em(std::string_view text) {
  double em = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      em += 0.6;
    } else if (c >= 0xC0) {
      em += 1.0;  // a lead byte: one wide character
    }
  }
  return em;
}

// `text` cut to at most `max_em` em, with an ellipsis when cut (on UTF-8 boundaries).
std::string fit_text(const std::string& text, double max_em) {
  if (text_em(text) <= max_em) return text;
  std::string out;
  double em = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    const double w = c < 0x80 ? 0.6 : 1.0;
    if (em + w > max_em - 1.0) break;
    out.append(text, i, len);
    em += w;
    i += len;
  }
  return out + "…";
}

std::string notice_url(const pb::Notice& n, const std::string& notice_id) {
  return "/notices/" + escape_html(n.school_id()) + "/" + escape_html(notice_id);
}

bool is_daily(const pb::Notice& n) { return !n.date().empty(); }

std::string notice_title(const pb::Notice& n) {
  if (is_daily(n)) return "作业公示 · " + long_date(n.date());
  return "作业公示 · " + grade_label(n.grade()) + " · " + n.week() + " 周汇总";
}

std::string total_text(int written, int cap) {
  if (written == 0 && cap == 0) return "无书面作业";
  return "书面作业 " + num(written) + " 分钟 / 上限 " + num(cap) + " 分钟";
}

// The marks of one class-day: its no-homework day, a day without school, a grade
// where written homework is not allowed at all.
std::string day_marks(const pb::NoticeClass& c, const pb::NoticeDay& d) {
  std::string out;
  if (d.day_kind() != pb::SCHOOL_DAY) {
    out += "<span class=\"mark rest\">非上学日（" + day_kind_label(d.day_kind()) + "）</span>";
  }
  if (d.no_homework_day()) out += "<span class=\"mark\">本班无书面作业日</span>";
  if (c.grade() <= 2 && d.cap_minutes() == 0) out += "<span class=\"mark\">一、二年级不布置书面家庭作业</span>";
  if (d.written_minutes() > d.cap_minutes()) out += "<span class=\"mark warn\">书面作业超出上限</span>";
  return out;
}

std::string render_assignment(const pb::NoticeAssignment& a) {
  std::string out = "<li><span class=\"subject\">" + escape_html(a.subject()) + "</span><b>" + escape_html(a.title()) +
                    "</b> <span class=\"tags\">" + homework_type_label(a.type()) + " · " +
                    (a.tier() == pb::OPTIONAL ? "选做" : "必做") + " · 约 " + num(a.estimated_minutes()) +
                    " 分钟</span>";
  if (!a.content().empty()) out += "<div class=\"content\">" + escape_html(a.content()) + "</div>";
  return out + "</li>\n";
}

std::string render_daily_class(const pb::NoticeClass& c) {
  std::string out = "<article class=\"card\">\n";
  if (c.days().empty()) return out + "</article>\n";
  const pb::NoticeDay& d = c.days(0);
  const bool over = d.written_minutes() > d.cap_minutes();
  out += "<div class=\"class-head\"><h3>" + escape_html(c.class_name().empty() ? c.class_id() : c.class_name()) +
         "</h3><span class=\"total" + (over ? " over" : "") + "\">" + total_text(d.written_minutes(), d.cap_minutes()) +
         "</span></div>\n";
  const std::string marks = day_marks(c, d);
  if (!marks.empty()) out += "<div>" + marks + "</div>\n";
  if (d.assignments().empty()) {
    out += "<p class=\"none\">今日未布置作业</p>\n";
  } else {
    out += "<ul class=\"hw\">\n";
    for (const auto& a : d.assignments()) out += render_assignment(a);
    out += "</ul>\n";
  }
  return out + "</article>\n";
}

std::string render_weekly_table(const pb::Notice& n) {
  if (n.classes().empty()) return "<p class=\"none\">本年级暂无班级。</p>\n";
  const auto& days = n.classes(0).days();
  std::string out = "<table>\n<thead><tr><th class=\"name\">班级</th>";
  for (const auto& d : days) {
    out += "<th>" + short_weekday(d.date()) + "<br><span class=\"day\">" + short_date(d.date()) + "</span></th>";
  }
  out += "</tr>\n<tr><th class=\"name\">上限</th>";
  for (const auto& d : days) out += "<th>" + num(d.cap_minutes()) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& c : n.classes()) {
    out += "<tr><td class=\"name\">" + escape_html(c.class_name().empty() ? c.class_id() : c.class_name()) + "</td>";
    for (const auto& d : c.days()) {
      std::string cls;
      if (d.written_minutes() > d.cap_minutes())
        cls = "over";
      else if (d.day_kind() != pb::SCHOOL_DAY)
        cls = "rest";
      else if (d.no_homework_day())
        cls = "nhd";
      out +=
          "<td" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + ">" + num(d.written_minutes()) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  out += "<p class=\"legend\">表中为各班每日必做书面作业的合计分钟数（教师预估）。" + key("#e3eefa", "无书面作业日") +
         key("#eef0f2", "非上学日") + key("#f8d2d2", "超出上限") + "</p>\n";
  return out;
}

// ---- the weekly review -------------------------------------------------------

struct CellColour {
  const char* fill;
  const char* text;
};

// Colours by how close the planned minutes are to the cap.
CellColour cell_colour(const pb::DayLoad& d) {
  const int cap = effective_cap(d);
  const int planned = d.planned_minutes();
  if (d.day_kind() != pb::SCHOOL_DAY && planned == 0) return {"#eceff1", "#78838f"};
  if (planned > cap) return planned * 4 > cap * 5 ? CellColour{"#c62828", "#ffffff"} : CellColour{"#f4a4a4", "#5b0f12"};
  if (cap == 0 || planned * 100 <= cap * 60) return {"#d7efd9", "#1b4d22"};
  if (planned * 100 <= cap * 85) return {"#fff1b8", "#5c4a00"};
  return {"#ffd59e", "#5c3300"};
}

// The heatmap, sized so that at a phone's 366 px its smallest text stays at 12 px
// or more: at most 420 units wide, no text under 14 units.
std::string heatmap_svg(const WeekReview& r) {
  const auto& classes = r.week.classes();
  constexpr int kCol = 48, kRow = 48, kHead = 46, kFont = 14, kMaxLabel = 84;
  double label_em = 3;
  for (const auto& c : classes)
    label_em = std::max(label_em, text_em(c.class_name().empty() ? c.class_id() : c.class_name()));
  const int label = std::min(kMaxLabel, static_cast<int>(std::ceil(label_em * kFont)) + 6);
  const int width = label + 7 * kCol;
  const int height = kHead + std::max(1, classes.size()) * kRow;
  std::string out =
      "<div class=\"heatmap-box\"><svg class=\"heatmap\" role=\"img\" aria-label=\"各班每日书面作业分钟数热力图\" "
      "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
      num(width) + " " + num(height) + "\" font-size=\"" + num(kFont) +
      "\" font-family=\"Noto Sans CJK SC,sans-serif\">\n";
  if (!classes.empty()) {
    const auto& days = classes[0].days();
    for (int i = 0; i < days.size(); ++i) {
      const int x = label + i * kCol + kCol / 2;
      out += "<text x=\"" + num(x) + "\" y=\"18\" text-anchor=\"middle\" font-weight=\"600\" font-size=\"15\">" +
             short_weekday(days[i].date()) + "</text><text x=\"" + num(x) +
             "\" y=\"38\" text-anchor=\"middle\" fill=\"#55606e\">" + short_date(days[i].date()) + "</text>\n";
    }
  }
  for (int row = 0; row < classes.size(); ++row) {
    const auto& c = classes[row];
    const std::string name = c.class_name().empty() ? c.class_id() : c.class_name();
    const int y = kHead + row * kRow;
    out += "<text x=\"2\" y=\"" + num(y + kRow / 2 + 5) + "\">" +
           escape_html(fit_text(name, static_cast<double>(label - 6) / kFont)) + "</text>\n";
    for (int i = 0; i < c.days().size(); ++i) {
      const pb::DayLoad& d = c.days(i);
      const CellColour colour = cell_colour(d);
      const int x = label + i * kCol;
      const bool no_homework_day = d.no_homework_day() && d.day_kind() == pb::SCHOOL_DAY;
      out += "<g><title>" + escape_html(name) + " " + d.date() + "：计划 " + num(d.planned_minutes()) + " 分钟，上限 " +
             num(effective_cap(d)) + " 分钟" + (no_homework_day ? "（无书面作业日）" : "") +
             (d.students_reported() > 0 ? "，实测均值 " + fixed1(d.measured_mean_minutes()) + " 分钟" : "") +
             "</title><rect x=\"" + num(x + 2) + "\" y=\"" + num(y + 2) + "\" width=\"" + num(kCol - 4) +
             "\" height=\"" + num(kRow - 4) + "\" rx=\"4\" fill=\"" + colour.fill + "\"/>";
      const bool rest = d.day_kind() != pb::SCHOOL_DAY && d.planned_minutes() == 0;
      std::string note;
      if (d.students_reported() > 0) {
        note = "实测" + num(static_cast<long long>(std::lround(d.measured_mean_minutes())));
      } else if (no_homework_day) {
        note = "无作业";
      }
      out += "<text x=\"" + num(x + kCol / 2) + "\" y=\"" + num(y + (note.empty() ? 30 : 24)) +
             "\" text-anchor=\"middle\" font-weight=\"600\" font-size=\"17\" fill=\"" + colour.text + "\">" +
             (rest ? std::string("休") : num(d.planned_minutes())) + "</text>";
      if (!note.empty()) {
        out += "<text x=\"" + num(x + kCol / 2) + "\" y=\"" + num(y + 41) + "\" text-anchor=\"middle\" fill=\"" +
               colour.text + "\">" + note + "</text>";
      }
      if (no_homework_day) {
        out += "<rect x=\"" + num(x + 3) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(kCol - 6) + "\" height=\"" +
               num(kRow - 6) +
               "\" rx=\"3\" fill=\"none\" stroke=\"#1c5fa8\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>";
      }
      if (!d.breaches().empty()) {
        out += "<circle cx=\"" + num(x + kCol - 9) + "\" cy=\"" + num(y + 9) +
               "\" r=\"4.5\" fill=\"#8e1b1f\" stroke=\"#fff\"/>";
      }
      out += "</g>\n";
    }
  }
  return out + "</svg></div>\n";
}

std::string subject_shares(const WeekReview& r) {
  std::map<std::string, long long> minutes;
  long long total = 0;
  for (const auto& c : r.week.classes()) {
    for (const auto& d : c.days()) {
      for (const auto& s : d.subjects()) {
        minutes[s.subject()] += s.planned_minutes();
        total += s.planned_minutes();
      }
    }
  }
  if (total == 0) return "<p class=\"none\">本周未布置计入时长的书面作业。</p>\n";
  std::vector<std::pair<std::string, long long>> sorted(minutes.begin(), minutes.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [subject, m] : sorted) {
    const double share = static_cast<double>(m) / static_cast<double>(total);
    out += "<div class=\"bar\"><span class=\"label\">" + escape_html(subject) +
           "</span><span class=\"track\"><span class=\"fill\" style=\"display:block;width:" + fixed1(share * 100.0) +
           "%\"></span></span><span class=\"value\">" + percent(share) + " · " + num(m) + " 分</span></div>\n";
  }
  return out;
}

std::string measured_vs_planned(const WeekReview& r) {
  std::string out =
      "<table class=\"compact\">\n<thead><tr><th class=\"name\">班级</th><th>反馈天数</th><th>计划</th>"
      "<th>实测均值</th><th>超时人次</th></tr></thead>\n<tbody>\n";
  for (const auto& c : r.week.classes()) {
    int days = 0, planned = 0, over = 0;
    double measured = 0;
    for (const auto& d : c.days()) {
      if (d.students_reported() == 0) continue;
      ++days;
      planned += d.planned_minutes();
      measured += d.measured_mean_minutes();
      over += d.students_over_cap();
    }
    out += "<tr><td class=\"name\">" + escape_html(c.class_name().empty() ? c.class_id() : c.class_name()) + "</td>";
    if (days == 0) {
      out += "<td>0</td><td>—</td><td>—</td><td>—</td></tr>\n";
      continue;
    }
    const bool more = measured > planned;
    out += "<td>" + num(days) + "</td><td>" + num(planned) + "</td><td" + (more ? " class=\"over\"" : "") + ">" +
           fixed1(measured) + "</td><td>" + num(over) + "</td></tr>\n";
  }
  out +=
      "</tbody></table>\n<p "
      "class=\"legend\">只比较有学生反馈的日子：计划为教师预估的分钟数之和，实测为学生反馈用时的平均值之和；"
      "超时人次为当日总用时超过上限的学生人次。</p>\n";
  return out;
}

// What a breach means, in a sentence for the grade leader.
std::string breach_summary(const pb::Breach& b) {
  const std::string load = num(b.load_minutes()), cap = num(b.cap_minutes());
  switch (b.kind()) {
    case pb::PLANNED_OVER_CAP:
      return "教师预估的书面作业共 " + load + " 分钟，超过 " + cap + " 分钟的上限。";
    case pb::MEASURED_OVER_CAP:
      return "学生反馈的平均用时为 " + load + " 分钟，超过 " + cap + " 分钟的上限。";
    case pb::WRITTEN_FORBIDDEN:
      return "一、二年级不应布置书面家庭作业，当日布置了 " + load + " 分钟。";
    case pb::NO_HOMEWORK_DAY:
      return "本周的无书面作业日布置了书面作业，或本周没有一天不布置书面作业。";
    case pb::BANNED_PRACTICE:
      return "作业要求家长批改、布置给家长、学生自批自改，或为惩罚性、重复性作业。";
    case pb::REPEATED:
      return "短期内多次超出上限，已升级为严重。";
    default:
      return "";
  }
}

std::string role_label(const std::string& role) {
  if (role == "teacher") return "教师";
  if (role == "grade_leader") return "年级组长";
  if (role == "school_admin") return "学校管理员";
  if (role == "bureau") return "教育局";
  if (role == "operator") return "运维";
  return role;
}

// The hidden field every state-changing form of a session's page carries.
std::string csrf_field(const Viewer& v) {
  return v.csrf.empty() ? std::string() : "<input type=\"hidden\" name=\"csrf\" value=\"" + escape_html(v.csrf) + "\">";
}

std::string viewer_bar(const Viewer& v) {
  if (v.role.empty()) return "";
  std::string out = "<div class=\"viewer\"><span>" + escape_html(v.label.empty() ? "已登录" : v.label) + "（" +
                    escape_html(role_label(v.role)) + "）</span>";
  if (!v.csrf.empty()) {
    out += "<form method=\"post\" action=\"/ui/logout\">" + csrf_field(v) + "<button type=\"submit\">退出</button></form>";
  }
  return out + "</div>\n";
}

std::string breach_card(const pb::Breach& b, const std::map<std::string, std::string>& class_names,
                        const Viewer& viewer, bool can_acknowledge) {
  std::string out = "<article class=\"card breach\">\n<h3 class=\"sev-" + pb::Severity_Name(b.severity()) + "\">" +
                    severity_label(b.severity()) + " · " + breach_kind_label(b.kind()) + "</h3>\n<p>" +
                    escape_html(class_names.count(b.class_id()) ? class_names.at(b.class_id()) : b.class_id()) + " · " +
                    long_date(b.date());
  if (b.cap_minutes() > 0 || b.load_minutes() > 0) {
    out += " · " + num(b.load_minutes()) + " / " + num(b.cap_minutes()) + " 分钟";
  }
  out += "</p>\n<p class=\"detail\">" + breach_summary(b) + "</p>\n";
  // The rule's own words name the assignments (banned practice) or the dates
  // (repeated); other kinds say nothing the summary does not.
  if ((b.kind() == pb::BANNED_PRACTICE || b.kind() == pb::REPEATED) && !b.detail().empty()) {
    out += "<p class=\"sub\">" + escape_html(b.detail()) + "</p>\n";
  }
  if (!b.acknowledged_by().empty()) {
    // Acknowledged, still open until the load is corrected: no second button.
    return out + "<p class=\"sub\">已确认：" + escape_html(b.acknowledged_by()) +
           (b.note().empty() ? "" : "（" + escape_html(b.note()) + "）") + "</p>\n</article>\n";
  }
  if (!can_acknowledge) return out + "</article>\n";
  out += "<form class=\"ack\" method=\"post\" action=\"/ui/breaches/" + escape_html(b.breach_id()) +
         "/acknowledge\">" + csrf_field(viewer) + "<input name=\"acknowledged_by\" maxlength=\"100\" placeholder=\"确认人\" "
         "aria-label=\"确认人\"><input name=\"note\" maxlength=\"2000\" placeholder=\"处理说明\" "
         "aria-label=\"处理说明\"><button type=\"submit\">确认知悉</button></form>\n";
  return out + "</article>\n";
}

std::string review_url(const WeekReview& r, const std::string& week) {
  return "/ui/schools/" + escape_html(r.school.school_id()) + "/grades/" + num(r.week.grade()) + "/weeks/" +
         escape_html(week);
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string csv_field(std::string_view text) {
  std::string value(text);
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' || value[0] == '\t' ||
                         value[0] == '\r')) {
    value.insert(0, "'");
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string grade_label(int grade) {
  static constexpr std::array<const char*, 9> kNames = {"一", "二", "三", "四", "五", "六", "七", "八", "九"};
  if (grade < 1 || grade > 9) return num(grade) + "年级";
  return std::string(kNames[static_cast<size_t>(grade - 1)]) + "年级";
}

std::string weekday_label(int iso_weekday) {
  static constexpr std::array<const char*, 7> kNames = {"星期一", "星期二", "星期三", "星期四",
                                                        "星期五", "星期六", "星期日"};
  if (iso_weekday < 1 || iso_weekday > 7) return "";
  return kNames[static_cast<size_t>(iso_weekday - 1)];
}

std::string day_kind_label(pb::DayKind kind) {
  switch (kind) {
    case pb::SCHOOL_DAY:
      return "上学日";
    case pb::WEEKEND:
      return "周末";
    case pb::HOLIDAY:
      return "节假日";
    case pb::VACATION:
      return "假期";
    default:
      return "未定";
  }
}

std::string homework_type_label(pb::HomeworkType type) {
  switch (type) {
    case pb::WRITTEN:
      return "书面";
    case pb::READING:
      return "阅读";
    case pb::PRACTICE:
      return "实践";
    case pb::PHYSICAL:
      return "体育锻炼";
    case pb::ARTS:
      return "艺术";
    case pb::INQUIRY:
      return "探究";
    case pb::LABOR:
      return "劳动";
    default:
      return "其他";
  }
}

std::string breach_kind_label(pb::BreachKind kind) {
  switch (kind) {
    case pb::PLANNED_OVER_CAP:
      return "预估时长超出上限";
    case pb::MEASURED_OVER_CAP:
      return "实测时长超出上限";
    case pb::WRITTEN_FORBIDDEN:
      return "一、二年级布置了书面作业";
    case pb::NO_HOMEWORK_DAY:
      return "无作业日布置了书面作业";
    case pb::BANNED_PRACTICE:
      return "违规作业做法";
    case pb::REPEATED:
      return "多次超限";
    default:
      return "其他";
  }
}

std::string severity_label(pb::Severity severity) {
  switch (severity) {
    case pb::WARNING:
      return "提醒";
    case pb::BREACH:
      return "违规";
    case pb::SERIOUS:
      return "严重";
    default:
      return "—";
  }
}

// The heading each printed sheet carries (the page's header is not printed): which
// school, which notice, which version.
std::string sheet_head(const pb::Notice& n, const PageOptions& options) {
  const std::string school = n.school_name().empty() ? n.school_id() : n.school_name();
  return "<div class=\"sheet-head\"><b>" + escape_html(school) + "</b> " + escape_html(notice_title(n)) + " · 第 " +
         num(n.version()) + " 版 · 发布于 " + local_time(n.published_at(), options.utc_offset_minutes) + "</div>\n";
}

std::string render_notice_page(const pb::Notice& n, const PageOptions& options) {
  const std::string school = n.school_name().empty() ? n.school_id() : n.school_name();
  std::string out = page_head(school + " " + notice_title(n));
  out += "<header class=\"page\">\n<h1>" + escape_html(school) + "</h1>\n<p><b>" + escape_html(notice_title(n)) +
         "</b></p>\n<p class=\"sub\"><span class=\"nw\">第 " + num(n.version()) +
         " 版</span> · <span class=\"nw\">发布于 " + local_time(n.published_at(), options.utc_offset_minutes) +
         "</span>" + (n.district().empty() ? "" : " · <span class=\"nw\">" + escape_html(n.district()) + "</span>") +
         "</p>\n";
  out += "</header>\n";
  if (n.latest_version() > n.version() && !n.latest_notice_id().empty()) {
    out += "<p class=\"notice-newer\">本公示已有更新的版本（第 " + num(n.latest_version()) + " 版）：<a href=\"" +
           notice_url(n, n.latest_notice_id()) + "\">查看最新版本</a></p>\n";
  }
  if (n.classes().empty()) out += "<p class=\"card none\">暂无班级。</p>\n";
  if (is_daily(n)) {
    // Classes arrive ordered by grade: one section (and one printed sheet) per grade,
    // with links to each on a phone.
    std::vector<int> grades;
    for (const auto& c : n.classes()) {
      if (grades.empty() || grades.back() != c.grade()) grades.push_back(c.grade());
    }
    if (grades.size() > 1) {
      out += "<nav class=\"grades noprint\">";
      for (const int g : grades) out += "<a href=\"#grade-" + num(g) + "\">" + grade_label(g) + "</a>";
      out += "</nav>\n";
    }
    for (int i = 0; i < n.classes().size();) {
      const int grade = n.classes(i).grade();
      int classes = 0;
      for (int k = i; k < n.classes().size() && n.classes(k).grade() == grade; ++k) ++classes;
      // Printed, a grade with many classes takes three narrower columns to stay on one sheet.
      out += "<section class=\"grade\" id=\"grade-" + num(grade) + "\">\n" + sheet_head(n, options) + "<h2>" +
             grade_label(grade) + "</h2>\n<div class=\"classes" + (classes > 6 ? " many" : "") + "\">\n";
      for (; i < n.classes().size() && n.classes(i).grade() == grade; ++i) out += render_daily_class(n.classes(i));
      out += "</div>\n</section>\n";
    }
  } else if (!n.classes().empty()) {
    out += "<section class=\"grade\">\n" + sheet_head(n, options) + "<h2>" + grade_label(n.grade()) +
           " 各班每日书面作业时长</h2>\n" + render_weekly_table(n) + "</section>\n";
  }
  out +=
      "<footer>书面作业时长只计必做的书面作业，为教师预估的完成时间。本公示依据学校作业公示制度发布，"
      "不含任何学生个人信息、成绩或排名。<a class=\"noprint\" href=\"/notices/" +
      escape_html(n.school_id()) + "\">本校全部公示</a></footer>\n";
  return out + kPageEnd;
}

std::string render_notice_index(const pb::School& school, const pb::NoticeList& list, const PageOptions& options) {
  const auto& notices = list.notices();
  const std::string name = school.name().empty() ? school.school_id() : school.name();
  std::string out = page_head(name + " 作业公示");
  out += "<header class=\"page\"><h1>" + escape_html(name) + "</h1><p class=\"sub\">作业公示 · 最新在前" +
         (school.district().empty() ? "" : " · " + escape_html(school.district())) + "</p></header>\n";
  if (notices.empty()) out += "<p class=\"card none\">尚未发布作业公示。</p>\n";
  for (const auto& n : notices) {
    const bool superseded = n.latest_version() > n.version();
    out += "<article class=\"card\"><div class=\"class-head\"><h3><a href=\"" + notice_url(n, n.notice_id()) + "\">" +
           escape_html(notice_title(n)) + "</a></h3><span class=\"sub\">第 " + num(n.version()) + " 版" +
           (superseded ? "（已有新版）" : "") + "</span></div><p class=\"sub\">发布于 " +
           local_time(n.published_at(), options.utc_offset_minutes) + "</p></article>\n";
  }
  if (list.next_before() > 0) {
    out += "<nav class=\"nav\"><span></span><a href=\"/notices/" + escape_html(school.school_id()) +
           "?before=" + num(list.next_before()) + "\">更早的公示 →</a></nav>\n";
  }
  return out + kPageEnd;
}

std::string render_week_review(const WeekReview& r) {
  const std::string school = r.school.name().empty() ? r.school.school_id() : r.school.name();
  const std::string grade = grade_label(r.week.grade());
  std::string out = page_head(school + " " + grade + " " + r.week.week() + " 作业周报") + viewer_bar(r.viewer);
  std::string range;
  if (!r.week.classes().empty() && r.week.classes(0).days_size() == 7) {
    range = " · <span class=\"nw\">" + long_date(r.week.classes(0).days(0).date()) + "</span> 至 <span class=\"nw\">" +
            long_date(r.week.classes(0).days(6).date()) + "</span>";
  }
  out += "<header class=\"page\"><h1>" + escape_html(school) + " · <span class=\"nw\">" + grade +
         "</span></h1><p class=\"sub\"><span class=\"nw\">作业周报 " + escape_html(r.week.week()) + "</span>" + range +
         "</p></header>\n";
  out += "<nav class=\"nav\"><a href=\"" + review_url(r, r.previous_week) + "\" title=\"" +
         escape_html(r.previous_week) + "\">← 上一周</a><a href=\"" + review_url(r, r.week.week()) +
         ".csv\">导出 CSV</a><a href=\"" + review_url(r, r.next_week) + "\" title=\"" + escape_html(r.next_week) +
         "\">下一周 →</a></nav>\n";

  out += "<h2>各班每日书面作业（分钟）</h2>\n";
  if (r.week.classes().empty()) {
    out += "<p class=\"card none\">本年级暂无班级。</p>\n";
  } else {
    const auto& first = r.week.classes(0).days();
    out += heatmap_svg(r);
    std::string caps;
    for (const auto& d : first) {
      if (d.day_kind() == pb::SCHOOL_DAY && !d.no_homework_day()) {
        caps = num(d.cap_minutes());
        break;
      }
    }
    // The grade's fixed no-homework weekday, as the days of the week mark it (R3).
    int no_homework_weekday = 0;
    for (const auto& d : first) {
      const auto date = analytics::parse_date(d.date());
      if (d.no_homework_day() && d.day_kind() == pb::SCHOOL_DAY && date)
        no_homework_weekday = analytics::iso_weekday(*date);
    }
    out +=
        "<p class=\"legend\">格中为预估的必做书面作业分钟数" +
        (caps.empty() ? std::string() : "，上学日上限 " + caps + " 分钟") + "。" + key("#d7efd9", "≤60%") +
        key("#fff1b8", "≤85%") + key("#ffd59e", "接近上限") + key("#f4a4a4", "超出") + key("#c62828", "超出25%以上") +
        key("#eceff1", "非上学日") + "；红点：有未处理的违规" +
        (no_homework_weekday ? "；虚线框：无书面作业日（" + weekday_label(no_homework_weekday) + "）" : std::string()) +
        "。</p>\n";
  }

  out += "<h2>学科占比（本周预估书面作业）</h2>\n<div class=\"card\">\n" + subject_shares(r) + "</div>\n";
  out += "<h2>计划与实测</h2>\n" + measured_vs_planned(r);
  std::map<std::string, std::string> class_names;
  for (const auto& c : r.week.classes())
    class_names[c.class_id()] = c.class_name().empty() ? c.class_id() : c.class_name();
  std::string waiting, acknowledged;
  long long n_waiting = 0, n_acknowledged = 0;
  for (const auto& b : r.open_breaches) {
    if (b.acknowledged_by().empty()) {
      waiting += breach_card(b, class_names, r.viewer, r.can_acknowledge);
      ++n_waiting;
    } else {
      acknowledged += breach_card(b, class_names, r.viewer, r.can_acknowledge);
      ++n_acknowledged;
    }
  }
  out += "<h2>待确认的违规（" + num(n_waiting) + "）</h2>\n";
  out += n_waiting ? waiting : "<p class=\"card none\">本周没有待确认的违规。</p>\n";
  if (n_acknowledged) out += "<h2>已确认、尚未消除的违规（" + num(n_acknowledged) + "）</h2>\n" + acknowledged;
  out += "<footer>数据来自教师登记的作业与学生反馈的用时；本页不显示任何学生个人信息。</footer>\n";
  return out + kPageEnd;
}

std::string render_week_csv(const WeekReview& r) {
  std::string out = "\xEF\xBB\xBF";  // UTF-8 BOM: Excel then reads the Chinese headers correctly
  const auto& classes = r.week.classes();
  out += csv_field("班级");
  if (!classes.empty()) {
    for (const auto& d : classes[0].days()) out += "," + csv_field(short_weekday(d.date()) + " " + d.date());
  }
  out += "," + csv_field("本周合计") + "," + csv_field("超出上限天数") + "," + csv_field("实测均值合计") + "\r\n";
  if (!classes.empty()) {
    out += csv_field("上限（分钟）");
    for (const auto& d : classes[0].days()) out += "," + num(effective_cap(d));
    out += ",,,\r\n";
  }
  for (const auto& c : classes) {
    out += csv_field(c.class_name().empty() ? c.class_id() : c.class_name());
    int total = 0, over_days = 0;
    double measured = 0;
    for (const auto& d : c.days()) {
      out += "," + num(d.planned_minutes());
      total += d.planned_minutes();
      if (d.planned_minutes() > effective_cap(d)) ++over_days;
      measured += d.measured_mean_minutes();
    }
    out += "," + num(total) + "," + num(over_days) + "," + fixed1(measured) + "\r\n";
  }
  return out;
}

std::string render_school_home(const pb::School& school, const std::vector<int>& grades, const std::string& week,
                               const Viewer& viewer) {
  const std::string name = school.name().empty() ? school.school_id() : school.name();
  std::string out = page_head(name + " 作业管理") + viewer_bar(viewer);
  out += "<header class=\"page\"><h1>" + escape_html(name) + "</h1><p class=\"sub\">作业周报 · " + escape_html(week) +
         (school.district().empty() ? "" : " · " + escape_html(school.district())) +
         "</p></header>\n<div class=\"card\">\n";
  if (grades.empty()) out += "<p class=\"none\">尚未登记班级。</p>\n";
  for (const int g : grades) {
    out += "<p><a href=\"/ui/schools/" + escape_html(school.school_id()) + "/grades/" + num(g) + "/weeks/" +
           escape_html(week) + "\">" + grade_label(g) + " 本周作业周报</a></p>\n";
  }
  out += "</div>\n<p><a href=\"/notices/" + escape_html(school.school_id()) + "\">本校作业公示</a></p>\n";
  return out + kPageEnd;
}

std::string render_overview(const std::vector<pb::School>& schools, const Viewer& viewer) {
  std::string out = page_head("作业管理") + viewer_bar(viewer);
  out += "<header class=\"page\"><h1>作业管理</h1><p class=\"sub\">学校（" + num(static_cast<long long>(schools.size())) +
         "）</p></header>\n<div class=\"card\">\n";
  if (schools.empty()) out += "<p class=\"none\">尚未登记学校。</p>\n";
  for (const auto& s : schools) {
    out += "<p><a href=\"/ui/schools/" + escape_html(s.school_id()) + "\">" +
           escape_html(s.name().empty() ? s.school_id() : s.name()) + "</a> <span class=\"sub\">" +
           escape_html(s.district()) + "</span></p>\n";
  }
  return out + "</div>\n" + kPageEnd;
}

std::string render_login_page(std::string_view next, std::string_view error) {
  std::string out = page_head("登录 · 作业管理");
  out += "<header class=\"page\"><h1>登录</h1><p class=\"sub\">请粘贴管理员发给您的访问令牌（hwl_ 开头）。</p></header>\n";
  if (!error.empty()) out += "<p class=\"card error\">" + escape_html(error) + "</p>\n";
  out += "<form class=\"login card\" method=\"post\" action=\"/ui/login\">"
         "<input type=\"hidden\" name=\"next\" value=\"" + escape_html(next) + "\">"
         "<input type=\"password\" name=\"token\" autocomplete=\"off\" required aria-label=\"访问令牌\" "
         "placeholder=\"hwl_…\"><button type=\"submit\">登录</button></form>\n";
  return out + kPageEnd;
}

std::string render_error_page(int status, std::string_view message) {
  std::string out = page_head("错误 " + num(status));
  out += "<header class=\"page\"><h1>" + num(status) + "</h1><p>" + escape_html(message) + "</p></header>\n";
  return out + kPageEnd;
}

}  // namespace hwload::notices
