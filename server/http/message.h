// Requests and responses as the API layer sees them: plain values, no sockets and
// no Beast types, so handlers are functions of a request that return a response.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hwload::http {

enum class Format { kJson, kProtobuf };

// What the application worked out from a request on the I/O thread that read it,
// before the hand-off (ServerOptions::prepare): work that needs no store, done
// beside the store thread instead of on it. The transport only carries it.
struct Prepared {
  virtual ~Prepared() = default;
};

struct Request {
  std::string method;                        // "GET", "PUT", ...
  std::string target;                        // raw request target, e.g. /v1/breaches?school_id=x
  std::string path;                          // percent-decoded path
  std::map<std::string, std::string> query;  // percent-decoded
  std::string content_type;
  std::string accept;
  std::string body;
  // Credentials (never logged): the Authorization header, and the Cookie header
  // for browser sessions; Origin for checking where a form post came from.
  std::string authorization;
  std::string cookie;
  std::string origin;
  std::string request_id;
  std::string remote;                  // peer address
  bool secure = false;                 // arrived over TLS (the transport knows; no header is trusted for it)
  std::shared_ptr<Prepared> prepared;  // null: not prepared; the handler does it all

  // Whether it may change anything: every method but GET and HEAD. Such a request
  // runs on the store thread, in one transaction with its audit record; the others
  // only read.
  bool may_change() const { return method != "GET" && method != "HEAD"; }
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace hwload::http
