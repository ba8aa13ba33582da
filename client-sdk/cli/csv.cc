#include "cli/csv.h"

namespace hwload::cli {

CsvParse parse_csv(std::string_view text) {
  CsvParse out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  int line = 1;
  size_t i = 0;
  while (i < text.size()) {
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool in_quotes = false, quoted = false, end_of_record = false;
    const int quote_line = line;
    while (i < text.size() && !end_of_record) {
      const char c = text[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          in_quotes = false;
          ++i;
          continue;
        }
        if (c == '\n') ++line;
        field.push_back(c);
        ++i;
        continue;
      }
      if (c == '"' && field.empty() && !quoted) {
        in_quotes = quoted = true;
        ++i;
      } else if (c == ',') {
        rec.fields.push_back(std::move(field));
        field.clear();
        quoted = false;
        ++i;
      } else if (c == '\r' || c == '\n') {
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        ++i;
        ++line;
        end_of_record = true;
      } else {
        field.push_back(c);
        ++i;
      }
    }
    if (in_quotes) {
      out.error = "unterminated quoted field";
      out.error_line = quote_line;
      return out;
    }
    rec.fields.push_back(std::move(field));
    const bool blank = rec.fields.size() == 1 && rec.fields[0].empty();
    if (!blank) out.records.push_back(std::move(rec));
  }
  return out;
}

}  // namespace hwload::cli
