// The HTTP/1.1 transport (Boost.Beast): listener and one session per connection.
// The only translation unit of the server that includes Beast.
//
// Contract: each request is read with a fresh parser (body and header limits, an
// idle timeout before the first byte and a read timeout after it), then handed off
// through `post_work` as a Work, so no handler runs on an I/O thread. The
// response is written back on the session's strand; one request is in flight per
// connection (HTTP/1.1 without pipelining overlap).
//
// With a certificate and key the listener speaks only HTTPS (TLS 1.2 or later); the
// handshake runs under the read timeout. Per-address limits (connections, and a
// request rate) are enforced here, before any work reaches the store thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "http/message.h"

namespace boost::asio {
class io_context;
}

namespace hwload::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port
  size_t body_limit = 8 * 1024 * 1024;
  size_t header_limit = 16 * 1024;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds read_timeout{30};
  size_t max_connections = 10000;  // past this, new connections get 503 and are closed
  size_t max_pending = 4096;       // requests waiting for the store thread; past this, 503

  // TLS: both set, the listener speaks only HTTPS. PEM files: the certificate chain
  // (leaf first) and its private key.
  std::string tls_cert_file, tls_key_file;

  // Per peer address (the IP, without the port); 0 turns a limit off. Over the rate:
  // 429 with Retry-After, and the connection stays open. Over the connection cap:
  // 503, as for the global cap.
  double per_address_rps = 0, per_address_burst = 0;
  size_t max_connections_per_address = 0;

  // Runs on the I/O thread for every request that passed the limits, before it is
  // posted (may fill Request::prepared). It must not block, and should not throw;
  // if it does, the request goes on unprepared.
  std::function<void(Request&)> prepare;
};

using RequestHandler = std::function<Response(const Request&)>;

// One request's turn off the I/O threads. `run` computes the response with the
// handler of the thread that takes it (the store thread's for changes, a reader's
// for reads; it never throws); `reply` sends a response back (and may be called
// from any thread). The store side may run several requests' `run`s in one
// transaction and reply to each only after it commits, or with an error of its own
// if the commit fails.
struct Work {
  std::shared_ptr<const Request> request;
  std::function<Response(const RequestHandler&)> run;
  std::function<void(Response)> reply;
};
using WorkPoster = std::function<void(Work)>;

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, ServerOptions options, WorkPoster post_work,
             std::shared_ptr<spdlog::logger> log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Throws std::system_error when the address is
  // unusable, and std::runtime_error naming the file when the TLS certificate or
  // key cannot be loaded (or only one of them is given).
  void start();
  uint16_t port() const;
  bool tls() const;  // the listener speaks HTTPS
  // Stops accepting and closes idle connections; requests in flight finish and
  // their responses are written with `Connection: close`. `on_drained` runs (on an
  // I/O thread) once no connection is left.
  void shutdown(std::function<void()> on_drained);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hwload::http
