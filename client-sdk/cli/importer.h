// CSV imports for the CLI: assignments and student timings. Rows that cannot be
// read are reported with their line numbers and skipped; every good row is still
// sent, in batches, and the server's verdict on each is mapped back to its line.
#pragma once

#include <string>
#include <vector>

#include "hwload/client/client.h"

namespace hwload::cli {

struct ImportReport {
  int rows = 0;
  int created = 0, unchanged = 0, updated = 0, rejected = 0;
  std::vector<std::string> problems;  // "line 7: estimated_minutes: must be ..."
  std::vector<std::string> warnings;  // the server's warnings (breaches foretold)
  std::string fatal;                  // non-empty: nothing could be imported (bad header, I/O)
  std::string summary() const;
};

// Columns (header row, any order; Chinese names in brackets also accepted):
//   assignment_id [作业编号] (optional: derived from the row when empty, so
//   re-importing a file is idempotent), school_id [学校], class_id [班级],
//   teacher_id [教师], subject [学科], assigned_date [日期], type [类型],
//   tier [层次], estimated_minutes [预计分钟], title [标题], content [内容],
//   flags [违规标记] (e.g. "requires_parent_grading;punitive").
ImportReport import_assignments(client::Client& client, const std::string& csv_text, bool validate_only,
                                int batch_size = 500);

// Columns: assignment_id [作业编号], student_key [学生], minutes [分钟],
//   unfinished [未完成] (optional: 1/0, true/false, yes/no, 是/否).
ImportReport import_timings(client::Client& client, const std::string& csv_text, int batch_size = 500);

}  // namespace hwload::cli
