// Test support for browser tests: a headless Chromium child process and a small
// Chrome DevTools Protocol (CDP) client over one WebSocket.
//
// Everything here is synchronous and bounded: every wait has a deadline, and a
// failure (Chromium not starting, a CDP error reply, a timeout, a closed socket)
// throws std::runtime_error saying what was being waited for, so a test fails
// instead of hanging.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include <google/protobuf/struct.pb.h>

namespace hwload::testing::cdp {

using Json = google::protobuf::Value;
using JsonObject = google::protobuf::Struct;

// Builders for CDP parameters: object({{"width", number(390)}, {"mobile", boolean(true)}}).
Json number(double value);
Json text(std::string value);
Json boolean(bool value);
Json object(std::initializer_list<std::pair<std::string, Json>> fields);

// The value at a dotted path ("result.value") of an object, or nullptr if absent.
const Json* find(const JsonObject& object, const std::string& path);
// As find(), but throws if the value is absent or of another kind.
std::string string_at(const JsonObject& object, const std::string& path);
double number_at(const JsonObject& object, const std::string& path);
// A compact JSON rendering, for failure messages.
std::string to_json(const Json& value);
std::string to_json(const JsonObject& object);

// Decodes standard base64 (with padding); throws on any other character.
std::string base64_decode(const std::string& text);

// A headless Chromium on a fresh temporary profile, with remote debugging on a free
// port. The destructor SIGKILLs Chromium's whole process group and removes the
// profile; Chromium is also killed if the test process dies first.
class Browser {
 public:
  // Starts `binary` and waits up to `timeout` for the "DevTools listening on" line.
  Browser(const std::string& binary, std::chrono::seconds timeout);
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // ws://127.0.0.1:PORT/devtools/browser/ID
  const std::string& websocket_url() const { return websocket_url_; }
  // What Chromium wrote to stderr so far.
  std::string log() const;

 private:
  void kill_all();
  pid_t pid_ = -1;
  std::filesystem::path dir_;  // profile/ and chromium.log
  std::string websocket_url_;
};

// One CDP connection to the browser endpoint. Commands for a page go to its flat
// session (`session_id`); events that arrive while waiting for a reply are kept,
// up to a bound, for wait_event(). Not thread-safe.
class Connection {
 public:
  // Connects and completes the WebSocket handshake within `timeout`. Every later
  // call() and wait_event() also gets `timeout`.
  Connection(const std::string& websocket_url, std::chrono::seconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends the command and returns its "result"; throws on an "error" reply.
  JsonObject call(const std::string& method, const Json& params = object({}), const std::string& session_id = "");
  // Returns the "params" of the first event `method` of `session_id` received since
  // the last drop_events(), waiting for it if needed.
  JsonObject wait_event(const std::string& method, const std::string& session_id);
  // Forgets the events received so far.
  void drop_events() { events_.clear(); }
  // After a timeout or a socket error every call throws; a new Connection is needed.
  bool broken() const;

 private:
  struct Socket;
  JsonObject read_message(std::chrono::steady_clock::time_point deadline, const std::string& waiting_for);
  void keep_event(JsonObject event);

  std::chrono::seconds timeout_;
  std::unique_ptr<Socket> socket_;
  int next_id_ = 1;
  std::deque<JsonObject> events_;
};

// A page target (a tab) with its own flat session, with Page events enabled.
// Closed on destruction.
class Page {
 public:
  explicit Page(Connection& connection);
  ~Page();
  Page(const Page&) = delete;
  Page& operator=(const Page&) = delete;

  JsonObject call(const std::string& method, const Json& params = object({}));
  // Navigates and waits for the load event; throws if the navigation itself failed
  // (no connection, DNS...). An HTTP error status still loads.
  void navigate(const std::string& url);
  // Evaluates `expression`, which makes the page navigate (e.g. submits a form), and
  // waits for the next page's load event.
  void evaluate_and_wait_for_load(const std::string& expression);
  // Evaluates `expression` in the page and returns its value (returnByValue); throws
  // if it threw.
  Json evaluate(const std::string& expression);
  // A PNG of the whole page (beyond the viewport) at its CSS content size.
  std::string screenshot_png();
  // The page printed as a PDF on A4 (the page's own @page rules win), with backgrounds.
  std::string print_pdf();

 private:
  Connection& connection_;
  std::string target_id_;
  std::string session_id_;
};

}  // namespace hwload::testing::cdp
