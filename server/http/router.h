// Maps a method and a path to a handler. Patterns are split on '/'; a segment is a
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
using Handler = std::function<Response(const Request&, const Params&)>;

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;
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
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Percent-decoding; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);
// Parses `a=1&b=x+y` (a query string, or an application/x-www-form-urlencoded
// body) into `out`; false for a malformed escape.
bool parse_query(std::string_view text, std::map<std::string, std::string>& out);
// Splits a request target into its path and decoded query parameters.
bool split_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query);

}  // namespace hwload::http
