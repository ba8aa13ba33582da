#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace hwload::testing {
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<char*> c_args(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

namespace {}  // namespace

CommandResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  char out_tmpl[] = "/tmp/hwload-run-out-XXXXXX";
  char err_tmpl[] = "/tmp/hwload-run-err-XXXXXX";
  const int out_fd = mkstemp(out_tmpl);
  const int err_fd = mkstemp(err_tmpl);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    for (const auto& e : env) putenv(strdup(e.c_str()));
    std::vector<std::string> copy = argv;
    auto args = c_args(copy);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(out_fd);
  close(err_fd);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out_tmpl);
  r.err = read_file(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return r;
}

std::string create_token(const std::string& binary, const std::string& db, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary, "--db", db, "token", "create"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = run(argv);
  if (r.exit_code != 0) throw std::runtime_error("token create failed: " + r.err);
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out.substr(out.rfind('\n') + 1);
}

ServerProcess::ServerProcess(const std::string& binary, const std::string& db, const std::string& workdir,
                             const std::vector<std::string>& extra_args) {
  operator_token_ = create_token(binary, db, {"--role", "operator", "--label", "e2e operator"});
  const std::string port_file = workdir + "/port-" + std::to_string(getpid()) + "-" + std::to_string(rand());
  log_path_ = port_file + ".log";
  std::vector<std::string> argv = {binary, "--listen", "127.0.0.1:0", "--db", db, "--port-file", port_file};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  if (pid_ == 0) {
    const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(log_fd, 2);
    dup2(log_fd, 1);
    auto args = c_args(argv);
    execv(args[0], args.data());
    _exit(127);
  }
  for (int i = 0; i < 600; ++i) {  // up to 60 s (sanitizer builds start slowly)
    std::ifstream in(port_file);
    if (in >> port_ && port_ > 0) {
      unlink(port_file.c_str());
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("hwload-server exited at start: " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("hwload-server did not start: " + log());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::terminate(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return wait_exit(timeout);
}

int ServerProcess::wait_exit(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

std::string ServerProcess::log() const { return read_file(log_path_); }

}  // namespace hwload::testing
