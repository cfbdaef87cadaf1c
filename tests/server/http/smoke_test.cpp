// Smoke test of the real ei-server binary: started from another working directory with only
// --listen 127.0.0.1:0, it announces its address on stdout, serves GET /health from the bundled
// configuration, logs JSON lines on stderr, and exits 0 on SIGTERM. Invalid configuration stops
// it with exit code 2 and a message naming the file, line and field.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/http/raw_client.h"

#ifndef EI_SERVER_BINARY
#error "EI_SERVER_BINARY must name the ei-server executable"
#endif

namespace ei::server {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class ServerProcess {
 public:
  ~ServerProcess() { kill_now(); }

  // Starts ei-server in `cwd` with `args`; stdout goes to a pipe, stderr to `stderr_path`.
  bool start(const std::string& cwd, const std::vector<std::string>& args,
             const std::string& stderr_path) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    std::vector<std::string> all = {EI_SERVER_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      if (chdir(cwd.c_str()) != 0) _exit(126);
      dup2(fds[1], STDOUT_FILENO);
      const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) dup2(err, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_fd_ = fds[0];
    return true;
  }

  // The next stdout line within `timeout`.
  std::optional<std::string> read_line(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto nl = out_.find('\n');
      if (nl != std::string::npos) {
        std::string line = out_.substr(0, nl);
        out_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[4096];
      const ssize_t n = read(out_fd_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      out_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // Exit status within `timeout`, or nullopt.
  std::optional<int> wait_exit(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return std::nullopt;
  }

  void signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }

  void kill_now() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (out_fd_ >= 0) close(out_fd_);
    out_fd_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string out_;
};

class SmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ei-server-smoke-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string dir_;
};

TEST_F(SmokeTest, ServesHealthFromAnotherDirectoryAndExitsZeroOnSigterm) {
  ServerProcess p;
  const std::string err_path = dir_ + "/stderr.log";
  ASSERT_TRUE(p.start(dir_, {"--listen", "127.0.0.1:0"}, err_path));
  const auto line = p.read_line(milliseconds(120000));
  ASSERT_TRUE(line) << "no listening line; stderr:\n" << read_file(err_path);
  const std::string prefix = "{\"event\":\"listening\",\"address\":\"127.0.0.1:";
  ASSERT_EQ(line->rfind(prefix, 0), 0u) << *line;
  const std::string port_text = line->substr(prefix.size(), line->size() - prefix.size() - 2);
  const int port = std::stoi(port_text);
  ASSERT_GT(port, 0);
  EXPECT_EQ(line->substr(line->size() - 2), "\"}");

  testing::RawClient c(static_cast<std::uint16_t>(port));
  ASSERT_TRUE(c.connected());
  auto r = c.request(testing::get_request("/health"), milliseconds(10000));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"status\":\"ok\"}");
  EXPECT_EQ(r->header("api-version"), "1.1.0");
  EXPECT_FALSE(r->header("x-request-id").empty());
  // Same connection: keep-alive through the real application.
  r = c.request(testing::get_request("/v1/health"), milliseconds(10000));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // A transport-level error goes through the application's problem rendering.
  testing::RawClient bad(static_cast<std::uint16_t>(port));
  r = bad.request("NOT HTTP\r\n\r\n", milliseconds(10000));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("content-type"), "application/problem+json");
  EXPECT_NE(r->body.find("\"code\":\"MALFORMED_HTTP\""), std::string::npos) << r->body;

  p.signal(SIGTERM);
  const auto status = p.wait_exit(milliseconds(60000));
  ASSERT_TRUE(status) << "ei-server did not exit after SIGTERM";
  EXPECT_EQ(*status, 0);
  EXPECT_TRUE(c.wait_closed(milliseconds(2000)));

  // stderr: JSON lines only, no request payloads.
  const std::string log = read_file(err_path);
  std::istringstream lines(log);
  std::string l;
  int n = 0;
  while (std::getline(lines, l)) {
    ++n;
    ASSERT_FALSE(l.empty());
    EXPECT_EQ(l.front(), '{') << l;
    EXPECT_EQ(l.back(), '}') << l;
  }
  EXPECT_GT(n, 0);
  EXPECT_NE(log.find("\"event\":\"listening\""), std::string::npos);
}

TEST_F(SmokeTest, InvalidConfigurationStopsStartUpNamingFileAndField) {
  const std::string file = dir_ + "/server.toml";
  std::ofstream(file) << "listen = \"127.0.0.1:0\"\n\n[limits]\nmax_json_depth = 1000\n";
  ServerProcess p;
  const std::string err_path = dir_ + "/stderr.log";
  ASSERT_TRUE(p.start(dir_, {"--config", "server.toml"}, err_path));
  const auto status = p.wait_exit(milliseconds(30000));
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 2);
  const std::string err = read_file(err_path);
  EXPECT_NE(err.find(file + ":4"), std::string::npos) << err;
  EXPECT_NE(err.find("limits.max_json_depth"), std::string::npos) << err;
}

TEST_F(SmokeTest, BusyPortIsReported) {
  // Hold a port, then ask ei-server for it.
  testing::RawClient probe;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  ServerProcess p;
  const std::string err_path = dir_ + "/stderr.log";
  ASSERT_TRUE(p.start(dir_, {"--listen", address}, err_path));
  const auto status = p.wait_exit(milliseconds(60000));
  close(fd);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 1);
  EXPECT_NE(read_file(err_path).find(address), std::string::npos);
}

}  // namespace
}  // namespace ei::server
