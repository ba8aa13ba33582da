// Routing. Patterns are split on '/'; a segment is a
// literal, `{name}`, or `{name}:suffix` (e.g. `{breach_id}:acknowledge`).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http/message.h"

namespace hwload::http {

using Params = std::map<std::string, std::string>;

// Matches a method and a path against the patterns added, in order. Holds no
// handlers: Router<H> pairs each pattern with one.
class PathMatcher {
 public:
  // Returns the index of the new pattern.
  size_t add(std::string method, std::string pattern);

  struct Match {
    std::optional<size_t> index;           // the route that matched
    const std::string* pattern = nullptr;  // for metrics and logs
    Params params;
    bool method_mismatch = false;  // the path exists, with other methods
    std::string allowed;           // those methods, for the Allow header
  };
  // `path` is the raw (still percent-encoded) path; parameters are decoded.
  Match match(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
  };
  std::vector<Route> routes_;
};

// Maps a method and a path to a value of type H (a handler, or a handler with what
// the caller needs to know about the route, such as who may use it).
template <typename H>
class BasicRouter {
 public:
  void add(std::string method, std::string pattern, H handler) {
    matcher_.add(std::move(method), std::move(pattern));
    handlers_.push_back(std::move(handler));
  }

  struct Match {
    const H* handler = nullptr;
    const std::string* pattern = nullptr;
    Params params;
    bool method_mismatch = false;
    std::string allowed;
  };
  Match match(const std::string& method, const std::string& path) const {
    auto m = matcher_.match(method, path);
    Match out{nullptr, m.pattern, std::move(m.params), m.method_mismatch, std::move(m.allowed)};
    if (m.index) out.handler = &handlers_[*m.index];
    return out;
  }

 private:
  PathMatcher matcher_;
  std::vector<H> handlers_;
};

using Handler = std::function<Response(const Request&, const Params&)>;
using Router = BasicRouter<Handler>;

// Percent-decoding; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);
// Percent-encodes everything but unreserved characters (RFC 3986), for a path
// segment or a query value.
std::string percent_encode(std::string_view s);
// Parses `a=1&b=x+y` (a query string, or an application/x-www-form-urlencoded
// body) into `out`; false for a malformed escape.
bool parse_query(std::string_view text, std::map<std::string, std::string>& out);
// Splits a request target into its path and decoded query parameters.
bool split_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query);

}  // namespace hwload::http
