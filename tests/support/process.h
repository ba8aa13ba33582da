// Test support for end-to-end tests: the real executables run as child processes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace hwload::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The whole file (empty when it cannot be read).
std::string read_file(const std::string& path);
// argv for execv: pointers into `v`, then a null.
std::vector<char*> c_args(std::vector<std::string>& v);

// Runs argv[0] with the arguments, waits, and captures stdout and stderr.
CommandResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

// An hwload-server child process on a free port, on the SQLite file `db`. Before
// it starts, an operator token is issued with `hwload-server token create`.
class ServerProcess {
 public:
  ServerProcess(const std::string& binary, const std::string& db, const std::string& workdir,
                const std::vector<std::string>& extra_args = {});
  ~ServerProcess();  // SIGKILLs the child if it still runs
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& operator_token() const { return operator_token_; }
  pid_t pid() const { return pid_; }
  void kill9();
  // SIGTERM, then waits up to `timeout`; returns the exit status (-1 on timeout or signal).
  int terminate(std::chrono::seconds timeout = std::chrono::seconds(20));
  // Waits up to `timeout` for the child to exit by itself; its exit status, or -1.
  int wait_exit(std::chrono::seconds timeout = std::chrono::seconds(20));
  std::string log() const;  // what the server wrote to stderr

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
  std::string operator_token_;
};

// Issues a token with `hwload-server --db DB token create ARGS...` and returns it
// (the last line printed). Throws when the command fails.
std::string create_token(const std::string& binary, const std::string& db, const std::vector<std::string>& args);

}  // namespace hwload::testing
