// `hwload-server --db PATH token create|list|revoke`: the operator's way to issue
// and withdraw access tokens, run against the SQLite file (the server may be
// running: SQLite's WAL lets both write).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "core/clock.h"

namespace hwload::app {

struct TokenCommand {
  std::string db;
  std::string action;  // create, list, revoke
  // create:
  std::string role, district, school_id, label;
  int grade = 0;
  std::vector<std::string> classes;
  // revoke:
  std::string token_id;
};

// Runs the command; what it prints goes to `out`, errors to `err`. Returns the
// process exit status: 0 done, 1 refused (with the reason on `err`).
// `create` prints the new token, once, as the last line of its output.
int run_token_command(const TokenCommand& command, const Clock& clock, std::ostream& out, std::ostream& err);

}  // namespace hwload::app
