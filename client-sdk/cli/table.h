// Plain-text tables that line up with Chinese text (CJK characters are two
// columns wide on a terminal).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hwload::cli {

int display_width(std::string_view utf8);

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Columns in `right` are right-aligned (numbers).
  std::string render(const std::vector<bool>& right = {}) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hwload::cli
