// The composition root: opens the store, builds the service, the API and the HTTP
// server, and runs them on their threads. Used by main() and by the tests, which
// start a whole server in-process on port 0 with an injected clock.
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "app/config.h"
#include "core/clock.h"
#include "core/service.h"

namespace hwload::app {

class App {
 public:
  // `clock` and `ids` may be null (system clock, random ids); when given they must
  // outlive the App.
  App(Config config, std::shared_ptr<spdlog::logger> log, const Clock* clock = nullptr,
      core::IdGenerator* ids = nullptr);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens the store (migrating it), loads the demo data if asked, binds the
  // listener and starts the I/O and store threads. Throws on failure to start.
  void start();
  uint16_t port() const;
  // Drains: stops accepting, lets in-flight requests finish (up to the drain
  // timeout), then stops every thread. Safe to call twice.
  void stop();
  // Blocks until SIGTERM or SIGINT, then stop(). For main().
  void run_until_signal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hwload::app
