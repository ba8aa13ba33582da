#include "cli/importer.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "cli/csv.h"

namespace hwload::cli {
namespace {

namespace pb = ::hwload::v1;

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Maps header names (English or Chinese) to column indexes.
class Columns {
 public:
  Columns(const std::vector<std::string>& header, const std::map<std::string, std::string>& aliases) {
    for (size_t i = 0; i < header.size(); ++i) {
      std::string name = trim(header[i]);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (auto it = aliases.find(name); it != aliases.end()) name = it->second;
      index_[name] = i;
    }
  }
  bool has(const std::string& name) const { return index_.contains(name); }
  std::string get(const CsvRecord& r, const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end() || it->second >= r.fields.size()) return "";
    return trim(r.fields[it->second]);
  }
  std::string missing(const std::vector<std::string>& required) const {
    std::string out;
    for (const auto& n : required) {
      if (!has(n)) out += (out.empty() ? "" : ", ") + n;
    }
    return out;
  }

 private:
  std::map<std::string, size_t> index_;
};

bool parse_int(const std::string& s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string line_prefix(int line) { return "line " + std::to_string(line) + ": "; }

std::string describe(const pb::Error& e) {
  std::string out = e.code() + " ";
  if (e.details_size() > 0) {
    for (int i = 0; i < e.details_size(); ++i) {
      // Field paths inside the batch are meaningless to a CSV user: keep the last part.
      std::string f = e.details(i).field();
      if (auto dot = f.find("]."); dot != std::string::npos && f.rfind("assignments[", 0) == 0) f = f.substr(dot + 2);
      if (auto dot = f.find("]."); dot != std::string::npos && f.rfind("reports[", 0) == 0) f = f.substr(dot + 2);
      out += (i ? "; " : "") + f + ": " + e.details(i).rule();
    }
    return out;
  }
  return out + e.message();
}

void count(ImportReport& rep, const pb::ItemResult& item) {
  switch (item.status()) {
    case pb::CREATED:
      ++rep.created;
      break;
    case pb::UNCHANGED:
      ++rep.unchanged;
      break;
    case pb::UPDATED:
      ++rep.updated;
      break;
    default:
      ++rep.rejected;
      break;
  }
}

std::string warning_text(const pb::Warning& w) {
  return w.date() + " " + w.class_id() + " " + pb::BreachKind_Name(w.code()) + ": " + w.message();
}

std::string fnv_id(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "csv-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

struct Sheet {
  CsvParse csv;
  Columns cols;
};

// Parses `text` and its header row. When the file is not CSV, is empty or lacks a
// required column, says so in `rep.fatal` and returns nothing.
std::optional<Sheet> open_sheet(const std::string& text, const std::map<std::string, std::string>& aliases,
                                const std::vector<std::string>& required, ImportReport& rep) {
  CsvParse csv = parse_csv(text);
  if (!csv.error.empty()) {
    rep.fatal = line_prefix(csv.error_line) + csv.error;
    return std::nullopt;
  }
  if (csv.records.empty()) {
    rep.fatal = "the file is empty: it needs a header row";
    return std::nullopt;
  }
  Columns cols(csv.records[0].fields, aliases);
  const std::string missing = cols.missing(required);
  if (!missing.empty()) {
    rep.fatal = "line " + std::to_string(csv.records[0].line) + ": header lacks column(s): " + missing;
    return std::nullopt;
  }
  return Sheet{std::move(csv), std::move(cols)};
}

// Counts a row rejected before sending, reported by its line.
void reject_row(ImportReport& rep, int line, const std::string& what) {
  ++rep.rejected;
  rep.problems.push_back(line_prefix(line) + what);
}

// Counts a data row and checks it has the header's number of fields.
bool take_row(const Sheet& sheet, const CsvRecord& r, ImportReport& rep) {
  ++rep.rows;
  const size_t want = sheet.csv.records[0].fields.size();
  if (r.fields.size() == want) return true;
  reject_row(rep, r.line, "has " + std::to_string(r.fields.size()) + " fields; the header has " + std::to_string(want));
  return false;
}

// Orders problems by the line they name, so local and server-side verdicts interleave.
void sort_problems(ImportReport& rep) {
  auto first_line = [](const std::string& p) {
    const auto digit = p.find_first_of("0123456789");
    return digit == std::string::npos ? 0 : std::atoi(p.c_str() + digit);
  };
  std::stable_sort(rep.problems.begin(), rep.problems.end(),
                   [&](const std::string& a, const std::string& b) { return first_line(a) < first_line(b); });
}

}  // namespace

std::string ImportReport::summary() const {
  return std::to_string(rows) + " rows: " + std::to_string(created) + " created, " + std::to_string(updated) +
         " updated, " + std::to_string(unchanged) + " unchanged, " + std::to_string(rejected) + " rejected";
}

ImportReport import_assignments(client::Client& client, const std::string& text, bool validate_only, int batch_size) {
  ImportReport rep;
  const auto sheet =
      open_sheet(text,
                 {{"作业编号", "assignment_id"},
                  {"学校", "school_id"},
                  {"班级", "class_id"},
                  {"教师", "teacher_id"},
                  {"学科", "subject"},
                  {"日期", "assigned_date"},
                  {"date", "assigned_date"},
                  {"类型", "type"},
                  {"层次", "tier"},
                  {"预计分钟", "estimated_minutes"},
                  {"minutes", "estimated_minutes"},
                  {"标题", "title"},
                  {"内容", "content"},
                  {"违规标记", "flags"}},
                 {"school_id", "class_id", "teacher_id", "subject", "assigned_date", "type", "estimated_minutes"}, rep);
  if (!sheet) return rep;
  const CsvParse& csv = sheet->csv;
  const Columns& cols = sheet->cols;
  std::vector<std::pair<int, pb::Assignment>> rows;
  for (size_t i = 1; i < csv.records.size(); ++i) {
    const CsvRecord& r = csv.records[i];
    if (!take_row(*sheet, r, rep)) continue;
    auto bad = [&](const std::string& what) { reject_row(rep, r.line, what); };
    pb::Assignment a;
    a.set_school_id(cols.get(r, "school_id"));
    a.set_class_id(cols.get(r, "class_id"));
    a.set_teacher_id(cols.get(r, "teacher_id"));
    a.set_subject(cols.get(r, "subject"));
    a.set_assigned_date(cols.get(r, "assigned_date"));
    a.set_title(cols.get(r, "title"));
    a.set_content(cols.get(r, "content"));
    const auto type = client::parse_homework_type(cols.get(r, "type"));
    if (!type) {
      bad("type: unknown homework type \"" + cols.get(r, "type") + "\" (WRITTEN/书面, READING/阅读, ...)");
      continue;
    }
    a.set_type(*type);
    const auto tier = client::parse_tier(cols.get(r, "tier"));
    if (!tier) {
      bad("tier: must be REQUIRED/必做 or OPTIONAL/选做 (got \"" + cols.get(r, "tier") + "\")");
      continue;
    }
    a.set_tier(*tier);
    int minutes = 0;
    if (!parse_int(cols.get(r, "estimated_minutes"), minutes)) {
      bad("estimated_minutes: must be a whole number of minutes (got \"" + cols.get(r, "estimated_minutes") + "\")");
      continue;
    }
    a.set_estimated_minutes(minutes);
    bool flags_ok = true;
    std::string flags = cols.get(r, "flags");
    for (size_t start = 0; start < flags.size() && flags_ok;) {
      const auto end = flags.find_first_of(";|", start);
      const std::string f = trim(flags.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (f == "requires_parent_grading")
        a.set_requires_parent_grading(true);
      else if (f == "assigned_to_parents")
        a.set_assigned_to_parents(true);
      else if (f == "requires_self_grading")
        a.set_requires_self_grading(true);
      else if (f == "punitive")
        a.set_punitive(true);
      else if (f == "repetitive")
        a.set_repetitive(true);
      else if (!f.empty()) {
        bad("flags: unknown flag \"" + f + "\"");
        flags_ok = false;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (!flags_ok) continue;
    std::string id = cols.get(r, "assignment_id");
    if (id.empty()) {
      id = fnv_id(a.school_id() + "|" + a.class_id() + "|" + a.assigned_date() + "|" + a.subject() + "|" + a.title() +
                  "|" + a.teacher_id());
    }
    a.set_assignment_id(id);
    rows.emplace_back(r.line, std::move(a));
  }
  for (size_t start = 0; start < rows.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(rows.size(), start + static_cast<size_t>(batch_size));
    pb::AssignmentBatch batch;
    batch.set_validate_only(validate_only);
    for (size_t i = start; i < end; ++i) *batch.add_assignments() = rows[i].second;
    auto res = client.post_assignments(batch);
    if (!res.ok()) {
      rep.fatal = "lines " + std::to_string(rows[start].first) + "-" + std::to_string(rows[end - 1].first) +
                  " not sent: " + res.error().to_string();
      rep.rejected += static_cast<int>(rows.size() - start);
      return rep;
    }
    for (int i = 0; i < res->items_size(); ++i) {
      const auto& item = res->items(i);
      count(rep, item);
      if (item.status() == pb::REJECTED) {
        rep.problems.push_back(line_prefix(rows[start + static_cast<size_t>(i)].first) + describe(item.error()));
      }
    }
    for (const auto& w : res->warnings()) rep.warnings.push_back(warning_text(w));
  }
  sort_problems(rep);
  return rep;
}

ImportReport import_timings(client::Client& client, const std::string& text, int batch_size) {
  ImportReport rep;
  const auto sheet = open_sheet(
      text, {{"作业编号", "assignment_id"}, {"学生", "student_key"}, {"分钟", "minutes"}, {"未完成", "unfinished"}},
      {"assignment_id", "student_key", "minutes"}, rep);
  if (!sheet) return rep;
  const CsvParse& csv = sheet->csv;
  const Columns& cols = sheet->cols;
  // One report per assignment, in file order; lines remembered for each.
  std::vector<std::pair<std::vector<int>, pb::TimingReport>> reports;
  std::map<std::string, size_t> by_id;
  std::map<std::pair<std::string, std::string>, int> seen;
  for (size_t i = 1; i < csv.records.size(); ++i) {
    const CsvRecord& r = csv.records[i];
    if (!take_row(*sheet, r, rep)) continue;
    auto bad = [&](const std::string& what) { reject_row(rep, r.line, what); };
    const std::string id = cols.get(r, "assignment_id"), key = cols.get(r, "student_key");
    int minutes = 0;
    if (!parse_int(cols.get(r, "minutes"), minutes)) {
      bad("minutes: must be a whole number of minutes (got \"" + cols.get(r, "minutes") + "\")");
      continue;
    }
    std::string u = cols.get(r, "unfinished");
    for (char& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool unfinished = false;
    if (u == "1" || u == "true" || u == "yes" || u == "y" || u == "是") {
      unfinished = true;
    } else if (!(u.empty() || u == "0" || u == "false" || u == "no" || u == "n" || u == "否")) {
      bad("unfinished: must be 1/0, true/false, yes/no or 是/否 (got \"" + u + "\")");
      continue;
    }
    if (auto it = seen.find({id, key}); it != seen.end()) {
      bad("student_key: " + key + " already reported for " + id + " on line " + std::to_string(it->second));
      continue;
    }
    seen[{id, key}] = r.line;
    auto [it, inserted] = by_id.try_emplace(id, reports.size());
    if (inserted) {
      reports.emplace_back();
      reports.back().second.set_assignment_id(id);
    }
    auto& [lines, report] = reports[it->second];
    lines.push_back(r.line);
    auto* st = report.add_students();
    st->set_student_key(key);
    st->set_minutes(minutes);
    st->set_unfinished(unfinished);
  }
  for (size_t start = 0; start < reports.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(reports.size(), start + static_cast<size_t>(batch_size));
    pb::TimingBatch batch;
    for (size_t i = start; i < end; ++i) *batch.add_reports() = reports[i].second;
    auto res = client.post_timings(batch);
    if (!res.ok()) {
      rep.fatal = "reports not sent: " + res.error().to_string();
      for (size_t i = start; i < reports.size(); ++i) rep.rejected += static_cast<int>(reports[i].first.size());
      return rep;
    }
    for (int i = 0; i < res->items_size(); ++i) {
      const auto& item = res->items(i);
      const auto& lines = reports[start + static_cast<size_t>(i)].first;
      for (size_t k = 0; k < lines.size(); ++k) count(rep, item);
      if (item.status() == pb::REJECTED) {
        std::string where = "line" + std::string(lines.size() > 1 ? "s " : " ");
        for (size_t k = 0; k < lines.size(); ++k) where += (k ? "," : "") + std::to_string(lines[k]);
        rep.problems.push_back(where + ": " + describe(item.error()));
      }
    }
    for (const auto& w : res->warnings()) rep.warnings.push_back(warning_text(w));
  }
  sort_problems(rep);
  return rep;
}

}  // namespace hwload::cli
