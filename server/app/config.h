// Server configuration: defaults, then the TOML file (--config), then flags.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "hwload/analytics/policy.h"

namespace hwload::app {

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string db = "hwload.db";
  bool demo = false;
  int threads = 2;               // I/O threads; storage work has its own thread
  int read_threads = 2;          // readers with their own SQLite connections; 0: reads on the store thread
  int utc_offset_minutes = 480;  // the schools' local time, UTC+8
  std::string log_level = "info";
  std::string port_file;  // when set, the bound port is written there once listening

  size_t body_limit_bytes = 8 * 1024 * 1024;
  size_t header_limit_bytes = 16 * 1024;
  int idle_timeout_seconds = 60;
  int read_timeout_seconds = 30;
  int drain_timeout_seconds = 10;
  size_t max_connections = 10000;
  int max_batch_items = 5000;
  int sweep_interval_seconds = 3600;  // flexible no-homework week checks
  // Hash each request's token and decode its body on the I/O thread that read it,
  // before the hand-off (api::Api::prepare). Off only in tests, which check that
  // the handlers answer the same without it; not a setting of the file.
  bool prepare_requests = true;

  // TLS on the listener ([server] tls_cert, tls_key; --tls-cert, --tls-key). Both
  // set: the server speaks only HTTPS.
  std::string tls_cert_file;  // PEM certificate chain
  std::string tls_key_file;   // PEM private key

  // Abuse limits ([limits]). A rate of 0 turns that limit off.
  double per_address_rps = 200;  // requests a second from one peer address, on average
  double per_address_burst = 400;
  size_t max_connections_per_address = 256;
  double per_token_rps = 50;  // requests a second with one token (or session), on average
  double per_token_burst = 200;

  // Access ([auth]).
  bool metrics_public = false;  // /metrics without an operator token
  int session_minutes = 720;    // a browser session's lifetime

  // Disclosure notices ([notices]).
  std::string public_url;                  // prefix of html_url, e.g. https://hwload.example.cn
  int notice_check_interval_seconds = 30;  // how often schedules are checked
  int notice_catch_up_days = 7;            // missed days published after a restart

  // Webhook delivery ([delivery]).
  int delivery_timeout_ms = 5000;
  int delivery_first_retry_ms = 1000;
  int delivery_max_backoff_seconds = 300;
  int delivery_give_up_hours = 168;
  int delivery_poll_interval_ms = 250;
  int delivery_max_in_flight = 32;
  std::string delivery_ca_file;  // PEM CAs trusted for https receivers, beside the system's

  // Profiles from the file: override a built-in profile of the same name or add one.
  std::vector<analytics::PolicyProfile> profiles;
};

// Reads a TOML file over `config`. Errors name the key and what is wrong.
Status load_config_file(const std::string& path, Config& config);
// Splits HOST:PORT.
Status split_listen(const std::string& listen, std::string& host, uint16_t& port);

}  // namespace hwload::app
