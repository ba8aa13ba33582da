// hwload-server: the homework-load service. See PRODUCT.md "Executables".
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/app.h"

int main(int argc, char** argv) {
  CLI::App cli{"hwload-server: homework-load monitoring for grades 1-9"};
  std::string config_file, listen, db, log_level, port_file;
  bool demo = false;
  int threads = 0;
  cli.add_option("--config", config_file, "TOML file: [server], [limits], [profiles.NAME]")->check(CLI::ExistingFile);
  cli.add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one)");
  cli.add_option("--db", db, "SQLite file (default ./hwload.db)");
  cli.add_flag("--demo", demo, "load a demo school with a week of homework and timings");
  cli.add_option("--threads", threads, "I/O threads (default 2)")->check(CLI::Range(1, 64));
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error (default info)");
  cli.add_option("--port-file", port_file, "write the bound port to this file once listening");
  CLI11_PARSE(cli, argc, argv);

  hwload::app::Config config;
  if (!config_file.empty()) {
    if (auto st = hwload::app::load_config_file(config_file, config); !st.is_ok()) {
      std::cerr << "hwload-server: config " << config_file << ": " << st.message() << "\n";
      return 2;
    }
  }
  if (!listen.empty()) config.listen = listen;
  if (!db.empty()) config.db = db;
  if (!log_level.empty()) config.log_level = log_level;
  if (!port_file.empty()) config.port_file = port_file;
  if (threads > 0) config.threads = threads;
  config.demo = demo;

  auto log = spdlog::stderr_color_mt("hwload");
  const auto level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    std::cerr << "hwload-server: unknown log level " << config.log_level << "\n";
    return 2;
  }
  log->set_level(level);
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  try {
    hwload::app::App app(config, log);
    app.start();
    app.run_until_signal();
  } catch (const std::exception& e) {
    log->critical("cannot run: {}", e.what());
    return 1;
  }
  return 0;
}
