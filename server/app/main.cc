// hwload-server: the homework-load service. See PRODUCT.md "Executables".
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/app.h"
#include "app/tokens.h"
#include "store/sqlite.h"

int main(int argc, char** argv) {
  // First, while no connection exists: SQLite takes process-wide settings only then.
  const bool sqlite_configured = hwload::store::configure_process();
  CLI::App cli{"hwload-server: homework-load monitoring for grades 1-9"};
  std::string config_file, listen, db, log_level, port_file, tls_cert, tls_key;
  bool demo = false;
  int threads = 0;
  int read_threads = -1;
  cli.add_option("--config", config_file, "TOML file: [server], [limits], [profiles.NAME]")->check(CLI::ExistingFile);
  cli.add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one)");
  cli.add_option("--db", db, "SQLite file (default ./hwload.db)");
  cli.add_flag("--demo", demo, "load a demo school with a week of homework and timings");
  cli.add_option("--threads", threads, "I/O threads (default 2)")->check(CLI::Range(1, 64));
  cli.add_option("--read-threads", read_threads,
                 "reader threads, each with its own SQLite connection (default 2; 0: reads on the store thread)")
      ->check(CLI::Range(0, 64));
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error (default info)");
  cli.add_option("--port-file", port_file, "write the bound port to this file once listening");
  cli.add_option("--tls-cert", tls_cert, "PEM certificate chain: with --tls-key, serve only HTTPS")
      ->check(CLI::ExistingFile);
  cli.add_option("--tls-key", tls_key, "PEM private key of --tls-cert")->check(CLI::ExistingFile);

  // Access tokens, issued against the database file (--db) without starting the server.
  hwload::app::TokenCommand token;
  auto* token_cmd = cli.add_subcommand("token", "issue, list and revoke access tokens (only hashes are stored)");
  token_cmd->require_subcommand(1);
  auto* token_create = token_cmd->add_subcommand("create", "print a new token, once, as the last line");
  token_create->add_option("--role", token.role, "teacher, grade_leader, school_admin, bureau or operator")->required();
  token_create->add_option("--district", token.district, "the bureau's district");
  token_create->add_option("--school", token.school_id, "the school of a teacher, grade leader or school admin");
  token_create->add_option("--grade", token.grade, "the grade of a grade leader");
  token_create->add_option("--classes", token.classes, "a teacher's classes, comma-separated")->delimiter(',');
  token_create->add_option("--label", token.label, "who holds it, for the list (e.g. 王老师)");
  auto* token_list = token_cmd->add_subcommand("list", "list tokens (never their secrets)");
  auto* token_revoke = token_cmd->add_subcommand("revoke", "revoke a token at once");
  token_revoke->add_option("token_id", token.token_id, "the id `token list` shows")->required();
  CLI11_PARSE(cli, argc, argv);

  if (token_cmd->parsed()) {
    hwload::SystemClock clock;
    hwload::app::Config defaults;
    token.db = db.empty() ? defaults.db : db;
    token.action = token_create->parsed() ? "create" : token_list->parsed() ? "list" : "revoke";
    return hwload::app::run_token_command(token, clock, std::cout, std::cerr);
  }

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
  if (read_threads >= 0) config.read_threads = read_threads;
  if (!tls_cert.empty()) config.tls_cert_file = tls_cert;
  if (!tls_key.empty()) config.tls_key_file = tls_key;
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    std::cerr << "hwload-server: TLS needs both a certificate and a key (--tls-cert and --tls-key, or [server] "
                 "tls_cert and tls_key); only the "
              << (config.tls_cert_file.empty() ? "key" : "certificate") << " is set\n";
    return 2;
  }
  config.demo = demo;

  auto log = spdlog::stderr_color_mt("hwload");
  const auto level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    std::cerr << "hwload-server: unknown log level " << config.log_level << "\n";
    return 2;
  }
  log->set_level(level);
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  if (!sqlite_configured) log->warn("SQLite refused the process-wide settings; it keeps memory statistics");
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
