#include "http/router.h"

namespace hwload::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;  // paths begin with '/'
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool parse_query(std::string_view text, std::map<std::string, std::string>& out) {
  while (!text.empty()) {
    const auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      auto key = percent_decode(pair.substr(0, eq), true);
      auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!key || !value) return false;
      out[*key] = *value;
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return true;
}

bool split_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query) {
  const auto q = target.find('?');
  path = std::string(target.substr(0, q));
  if (path.empty() || path[0] != '/') return false;
  if (q == std::string_view::npos) return true;
  return parse_query(target.substr(q + 1), query);
}

size_t PathMatcher::add(std::string method, std::string pattern) {
  Route r{std::move(method), pattern, split_path(pattern)};
  routes_.push_back(std::move(r));
  return routes_.size() - 1;
}

PathMatcher::Match PathMatcher::match(const std::string& method, const std::string& path) const {
  Match out;
  const auto segments = split_path(path);
  for (size_t index = 0; index < routes_.size(); ++index) {
    const Route& route = routes_[index];
    if (route.segments.size() != segments.size()) continue;
    Params params;
    bool ok = true;
    for (size_t i = 0; ok && i < segments.size(); ++i) {
      const std::string& pat = route.segments[i];
      if (pat.size() > 2 && pat.front() == '{') {
        const auto close = pat.find('}');
        const std::string name = pat.substr(1, close - 1);
        const std::string suffix = pat.substr(close + 1);
        const std::string& seg = segments[i];
        if (seg.size() <= suffix.size() || seg.compare(seg.size() - suffix.size(), suffix.size(), suffix) != 0) {
          ok = false;
          break;
        }
        auto value = percent_decode(std::string_view(seg).substr(0, seg.size() - suffix.size()), false);
        if (!value || value->empty()) {
          ok = false;
          break;
        }
        params[name] = std::move(*value);
      } else if (pat != segments[i]) {
        ok = false;
      }
    }
    if (!ok) continue;
    if (route.method != method) {
      out.method_mismatch = true;
      out.allowed += (out.allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    out.index = index;
    out.pattern = &route.pattern;
    out.params = std::move(params);
    out.method_mismatch = false;
    return out;
  }
  return out;
}

}  // namespace hwload::http
