#include "browser/cdp.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "support/process.h"

namespace hwload::testing::cdp {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxKeptEvents = 1000;
constexpr std::size_t kMaxMessageBytes = 128 * 1024 * 1024;  // full-page screenshots are large
constexpr char kListening[] = "DevTools listening on ";

std::string truncated(const std::string& text, std::size_t limit = 600) {
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

}  // namespace

Json number(double value) {
  Json v;
  v.set_number_value(value);
  return v;
}

Json text(std::string value) {
  Json v;
  v.set_string_value(std::move(value));
  return v;
}

Json boolean(bool value) {
  Json v;
  v.set_bool_value(value);
  return v;
}

Json object(std::initializer_list<std::pair<std::string, Json>> fields) {
  Json v;
  auto& out = *v.mutable_struct_value()->mutable_fields();
  for (const auto& [key, value] : fields) out[key] = value;
  return v;
}

const Json* find(const JsonObject& object, const std::string& path) {
  const JsonObject* current = &object;
  const Json* found = nullptr;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = path.find('.', begin);
    const std::string key = path.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
    const auto it = current->fields().find(key);
    if (it == current->fields().end()) return nullptr;
    found = &it->second;
    if (dot == std::string::npos) return found;
    if (!found->has_struct_value()) return nullptr;
    current = &found->struct_value();
    begin = dot + 1;
  }
}

std::string string_at(const JsonObject& object, const std::string& path) {
  const Json* v = find(object, path);
  if (v == nullptr || v->kind_case() != Json::kStringValue) {
    throw std::runtime_error("no string at \"" + path + "\" in " + truncated(to_json(object)));
  }
  return v->string_value();
}

double number_at(const JsonObject& object, const std::string& path) {
  const Json* v = find(object, path);
  if (v == nullptr || v->kind_case() != Json::kNumberValue) {
    throw std::runtime_error("no number at \"" + path + "\" in " + truncated(to_json(object)));
  }
  return v->number_value();
}

std::string to_json(const Json& value) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(value, &out).ok()) return "<unprintable>";
  return out;
}

std::string to_json(const JsonObject& object) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(object, &out).ok()) return "<unprintable>";
  return out;
}

std::string base64_decode(const std::string& text) {
  static const std::array<int, 256> kValues = [] {
    std::array<int, 256> values{};
    values.fill(-1);
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i)
      values[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
    return values;
  }();
  if (text.size() % 4 != 0) throw std::runtime_error("base64: length not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int sextets[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + j];
      const bool last_quad = i + 4 == text.size();
      if (c == '=' && last_quad && j >= 2 && (j == 3 || text[i + 3] == '=')) {
        sextets[j] = 0;
        ++padding;
        continue;
      }
      sextets[j] = kValues[static_cast<unsigned char>(c)];
      if (sextets[j] < 0 || padding > 0) throw std::runtime_error("base64: bad character at " + std::to_string(i + j));
    }
    const unsigned triple = (static_cast<unsigned>(sextets[0]) << 18) | (static_cast<unsigned>(sextets[1]) << 12) |
                            (static_cast<unsigned>(sextets[2]) << 6) | static_cast<unsigned>(sextets[3]);
    out.push_back(static_cast<char>((triple >> 16) & 0xff));
    if (padding < 2) out.push_back(static_cast<char>((triple >> 8) & 0xff));
    if (padding < 1) out.push_back(static_cast<char>(triple & 0xff));
  }
  return out;
}

// --- Browser -----------------------------------------------------------------

Browser::Browser(const std::string& binary, std::chrono::seconds timeout) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "hwload-chromium-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  const std::filesystem::path log_path = dir_ / "chromium.log";
  std::vector<std::string> argv = {binary,
                                   "--headless=new",
                                   "--no-sandbox",  // tests run as root
                                   "--disable-gpu",
                                   "--disable-dev-shm-usage",
                                   "--remote-debugging-port=0",
                                   "--user-data-dir=" + (dir_ / "profile").string(),
                                   "--no-first-run",
                                   "--no-default-browser-check",
                                   "about:blank"};
  // Chromium's helpers (zygote, renderers) outlive their parent for a moment when it
  // is killed; as subreaper this process gets and reaps them in kill_all().
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  const pid_t parent = getpid();
  auto args = c_args(argv);  // before fork(): the child only makes system calls
  pid_ = fork();
  if (pid_ < 0) {
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    setpgid(0, 0);  // one group for Chromium and all its helpers
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(log_fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  setpgid(pid_, pid_);  // also here, so kill_all() never races the child's own setpgid

  const auto deadline = Clock::now() + timeout;
  while (websocket_url_.empty()) {
    const std::string log_text = read_file(log_path.string());
    if (const auto at = log_text.find(kListening); at != std::string::npos) {
      const auto end = log_text.find('\n', at);
      if (end != std::string::npos) {
        websocket_url_ = log_text.substr(at + sizeof(kListening) - 1, end - at - (sizeof(kListening) - 1));
        break;
      }
    }
    std::string failure;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {  // kill_all() still ends its helpers, if any
      failure = "Chromium (" + binary + ") exited at start";
    } else if (Clock::now() > deadline) {
      failure = "Chromium (" + binary + ") did not print its DevTools endpoint within " +
                std::to_string(timeout.count()) + " s";
    }
    if (!failure.empty()) {
      kill_all();
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      throw std::runtime_error(failure + "; its stderr:\n" + truncated(log_text, 4000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Browser::~Browser() {
  kill_all();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string Browser::log() const { return read_file((dir_ / "chromium.log").string()); }

void Browser::kill_all() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  // Reap the group: Chromium itself, then its helpers as they are handed to this
  // process (the subreaper). Bounded: a process stuck in the kernel is left behind.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    int status = 0;
    const pid_t reaped = waitpid(-pid_, &status, WNOHANG);
    if (reaped < 0 && errno == ECHILD) break;
    if (reaped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

// --- Connection --------------------------------------------------------------

// The socket, driven by asynchronous operations run to a deadline on a private
// io_context. After a timeout the stream is closed and marked broken.
struct Connection::Socket {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buffer;
  bool broken = false;

  // Runs the io_context until `done` is set by a completion handler, or throws
  // once `deadline` passes.
  void run_until(const bool& done, Clock::time_point deadline, const std::string& what) {
    ioc.restart();
    while (!done) {
      if (ioc.run_one_until(deadline) == 0 && !done) {
        broken = true;
        beast::error_code ignored;
        ws.next_layer().close(ignored);
        // Let the aborted handler run while what it refers to still exists.
        ioc.restart();
        ioc.run_for(std::chrono::seconds(1));
        throw std::runtime_error("CDP: timed out waiting for " + what);
      }
    }
  }

  void check_usable() const {
    if (broken) throw std::runtime_error("CDP: the connection is broken by an earlier failure");
  }
};

Connection::Connection(const std::string& websocket_url, std::chrono::seconds timeout)
    : timeout_(timeout), socket_(std::make_unique<Socket>()) {
  // ws://HOST:PORT/PATH
  constexpr std::string_view kScheme = "ws://";
  if (websocket_url.rfind(kScheme, 0) != 0) throw std::runtime_error("CDP: not a ws:// URL: " + websocket_url);
  const std::string rest = websocket_url.substr(kScheme.size());
  const auto slash = rest.find('/');
  const std::string host_port = rest.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("CDP: no port in " + websocket_url);
  const auto host = host_port.substr(0, colon);
  const auto port = static_cast<unsigned short>(std::stoi(host_port.substr(colon + 1)));

  Socket& s = *socket_;
  const auto deadline = Clock::now() + timeout_;
  beast::error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address(host), port);
  bool done = false;
  s.ws.next_layer().async_connect(endpoint, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  s.run_until(done, deadline, "connecting to " + websocket_url);
  if (ec) throw std::runtime_error("CDP: cannot connect to " + websocket_url + ": " + ec.message());

  s.ws.read_message_max(kMaxMessageBytes);
  done = false;
  s.ws.async_handshake(host_port, path, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  s.run_until(done, deadline, "the WebSocket handshake with " + websocket_url);
  if (ec) throw std::runtime_error("CDP: WebSocket handshake with " + websocket_url + " failed: " + ec.message());
}

Connection::~Connection() {
  beast::error_code ignored;
  socket_->ws.next_layer().close(ignored);
}

bool Connection::broken() const { return socket_->broken; }

JsonObject Connection::call(const std::string& method, const Json& params, const std::string& session_id) {
  Socket& s = *socket_;
  s.check_usable();
  const int id = next_id_++;
  JsonObject message;
  auto& fields = *message.mutable_fields();
  fields["id"] = number(id);
  fields["method"] = text(method);
  fields["params"] = params;
  if (!session_id.empty()) fields["sessionId"] = text(session_id);
  std::string wire;
  if (!google::protobuf::util::MessageToJsonString(message, &wire).ok()) {
    throw std::runtime_error("CDP: cannot encode " + method);
  }

  const auto deadline = Clock::now() + timeout_;
  beast::error_code ec;
  bool done = false;
  s.ws.text(true);
  s.ws.async_write(net::buffer(wire), [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  s.run_until(done, deadline, "sending " + method);
  if (ec) {
    s.broken = true;
    throw std::runtime_error("CDP: sending " + method + " failed: " + ec.message());
  }

  while (true) {
    JsonObject reply = read_message(deadline, "the reply to " + method);
    const Json* reply_id = find(reply, "id");
    if (reply_id == nullptr) {
      keep_event(std::move(reply));
      continue;
    }
    if (reply_id->number_value() != id) continue;  // a reply nobody waits for any more
    if (const Json* error = find(reply, "error")) {
      throw std::runtime_error("CDP: " + method + " failed: " + to_json(*error));
    }
    const Json* result = find(reply, "result");
    return result != nullptr && result->has_struct_value() ? result->struct_value() : JsonObject();
  }
}

JsonObject Connection::wait_event(const std::string& method, const std::string& session_id) {
  const auto matches = [&](const JsonObject& event) {
    const Json* m = find(event, "method");
    const Json* s = find(event, "sessionId");
    return m != nullptr && m->string_value() == method && (s == nullptr ? "" : s->string_value()) == session_id;
  };
  const auto params_of = [](const JsonObject& event) {
    const Json* params = find(event, "params");
    return params != nullptr && params->has_struct_value() ? params->struct_value() : JsonObject();
  };
  for (auto it = events_.begin(); it != events_.end(); ++it) {
    if (matches(*it)) {
      JsonObject params = params_of(*it);
      events_.erase(it);
      return params;
    }
  }
  socket_->check_usable();
  const auto deadline = Clock::now() + timeout_;
  while (true) {
    JsonObject message = read_message(deadline, "the event " + method);
    if (matches(message)) return params_of(message);
    keep_event(std::move(message));
  }
}

JsonObject Connection::read_message(Clock::time_point deadline, const std::string& waiting_for) {
  Socket& s = *socket_;
  s.buffer.clear();
  beast::error_code ec;
  bool done = false;
  s.ws.async_read(s.buffer, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  s.run_until(done, deadline, waiting_for);
  if (ec) {
    s.broken = true;
    throw std::runtime_error("CDP: reading " + waiting_for + " failed: " + ec.message());
  }
  const std::string wire = beast::buffers_to_string(s.buffer.data());
  JsonObject message;
  google::protobuf::util::JsonParseOptions options;
  if (!google::protobuf::util::JsonStringToMessage(wire, &message, options).ok()) {
    // Replies start with their id; an event we cannot parse is one we do not need.
    if (wire.rfind("{\"id\":", 0) == 0) throw std::runtime_error("CDP: unparsable reply: " + truncated(wire));
    return JsonObject();
  }
  return message;
}

void Connection::keep_event(JsonObject event) {
  if (find(event, "method") == nullptr) return;
  if (events_.size() >= kMaxKeptEvents) events_.pop_front();
  events_.push_back(std::move(event));
}

// --- Page --------------------------------------------------------------------

Page::Page(Connection& connection) : connection_(connection) {
  target_id_ = string_at(connection_.call("Target.createTarget", object({{"url", text("about:blank")}})), "targetId");
  try {
    session_id_ = string_at(
        connection_.call("Target.attachToTarget", object({{"targetId", text(target_id_)}, {"flatten", boolean(true)}})),
        "sessionId");
    call("Page.enable");
  } catch (...) {
    try {
      connection_.call("Target.closeTarget", object({{"targetId", text(target_id_)}}));
    } catch (const std::exception&) {
    }
    throw;
  }
}

Page::~Page() {
  try {
    connection_.call("Target.closeTarget", object({{"targetId", text(target_id_)}}));
  } catch (const std::exception&) {
    // The browser goes away with the test suite anyway.
  }
}

JsonObject Page::call(const std::string& method, const Json& params) {
  return connection_.call(method, params, session_id_);
}

void Page::navigate(const std::string& url) {
  connection_.drop_events();
  const JsonObject result = call("Page.navigate", object({{"url", text(url)}}));
  if (const Json* error = find(result, "errorText"); error != nullptr && !error->string_value().empty()) {
    throw std::runtime_error("navigating to " + url + " failed: " + error->string_value());
  }
  connection_.wait_event("Page.loadEventFired", session_id_);
}

void Page::evaluate_and_wait_for_load(const std::string& expression) {
  connection_.drop_events();
  evaluate(expression);
  connection_.wait_event("Page.loadEventFired", session_id_);
}

Json Page::evaluate(const std::string& expression) {
  const JsonObject result = call(
      "Runtime.evaluate",
      object({{"expression", text(expression)}, {"returnByValue", boolean(true)}, {"awaitPromise", boolean(true)}}));
  if (find(result, "exceptionDetails") != nullptr) {
    const Json* description = find(result, "exceptionDetails.exception.description");
    throw std::runtime_error("script threw: " + (description != nullptr
                                                     ? description->string_value()
                                                     : to_json(result.fields().at("exceptionDetails"))));
  }
  const Json* value = find(result, "result.value");
  if (value == nullptr) {
    Json null_value;
    null_value.set_null_value(google::protobuf::NULL_VALUE);
    return null_value;
  }
  return *value;
}

std::string Page::screenshot_png() {
  // Chromium refuses captures taller than its maximum texture size.
  constexpr double kMaxHeight = 16000;
  const JsonObject metrics = call("Page.getLayoutMetrics");
  const double width = std::ceil(number_at(metrics, "cssContentSize.width"));
  const double height = std::min(std::ceil(number_at(metrics, "cssContentSize.height")), kMaxHeight);
  const JsonObject shot = call("Page.captureScreenshot", object({{"format", text("png")},
                                                                 {"captureBeyondViewport", boolean(true)},
                                                                 {"clip", object({{"x", number(0)},
                                                                                  {"y", number(0)},
                                                                                  {"width", number(width)},
                                                                                  {"height", number(height)},
                                                                                  {"scale", number(1)}})}}));
  return base64_decode(string_at(shot, "data"));
}

std::string Page::print_pdf() {
  const JsonObject pdf = call("Page.printToPDF", object({{"paperWidth", number(8.27)},
                                                         {"paperHeight", number(11.69)},
                                                         {"printBackground", boolean(true)},
                                                         {"preferCSSPageSize", boolean(true)},
                                                         {"displayHeaderFooter", boolean(false)}}));
  return base64_decode(string_at(pdf, "data"));
}

}  // namespace hwload::testing::cdp
