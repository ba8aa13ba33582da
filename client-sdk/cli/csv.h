// RFC 4180 CSV for the CLI's imports: UTF-8 (a leading BOM is skipped), quoted
// fields with commas, quotes and newlines, and the line each record starts on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hwload::cli {

struct CsvRecord {
  int line = 0;  // 1-based line the record starts on
  std::vector<std::string> fields;
};

struct CsvParse {
  std::vector<CsvRecord> records;  // including the header row
  std::string error;               // non-empty: the text is not CSV (e.g. an unterminated quote)
  int error_line = 0;
};

CsvParse parse_csv(std::string_view text);

}  // namespace hwload::cli
