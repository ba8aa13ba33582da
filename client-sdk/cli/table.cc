#include "cli/table.h"

#include <algorithm>

namespace hwload::cli {

int display_width(std::string_view s) {
  int width = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    int len = 1;
    if (c >= 0xF0 && i + 3 < s.size() + 0) {
      len = 4;
      cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      len = 3;
      cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      len = 2;
      cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
    }
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
    i += static_cast<size_t>(len);
  }
  return width;
}

std::string Table::render(const std::vector<bool>& right) const {
  std::vector<int> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  };
  measure(header_);
  for (const auto& r : rows_) measure(r);
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      const int pad = widths[i] - display_width(cell);
      const bool r = i < right.size() && right[i];
      if (r) line.append(static_cast<size_t>(pad), ' ');
      line += cell;
      if (!r && i + 1 < widths.size()) line.append(static_cast<size_t>(pad), ' ');
      if (i + 1 < widths.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(header_);
  return out.empty() ? out : [&] {
    for (const auto& r : rows_) emit(r);
    return out;
  }();
}

}  // namespace hwload::cli
