// RawClient: a blocking HTTP/1.1 test client over a plain POSIX socket, so transport tests control
// every byte (partial heads, stalled bodies, chunked framing) and every wait is bounded.
//
// Thread-safety: one client per thread.
// Ownership: owns its socket.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ei::server::testing {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class RawClient {
 public:
  RawClient() = default;
  explicit RawClient(std::uint16_t port, const char* host = "127.0.0.1") { connect(port, host); }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  RawClient(RawClient&& o) noexcept : fd_(o.fd_), pending_(std::move(o.pending_)) { o.fd_ = -1; }

  bool connect(std::uint16_t port, const char* host = "127.0.0.1") {
    close();
    const bool v6 = std::string_view(host).find(':') != std::string_view::npos;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc;
    if (v6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(port);
      ::inet_pton(AF_INET6, host, &a.sin6_addr);
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      ::inet_pton(AF_INET, host, &a.sin_addr);
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc != 0) {
      close();
      return false;
    }
    return true;
  }

  [[nodiscard]] bool connected() const { return fd_ >= 0; }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    pending_.clear();
  }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads what is available within `timeout` into the pending buffer. Returns bytes read, 0 on
  // orderly close or reset, -1 on timeout.
  long read_some(milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc == 0) return -1;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return 0;
    pending_.append(buf, static_cast<std::size_t>(n));
    return n;
  }

  // True if the peer closed the connection (EOF or reset) within `timeout`. Discards data.
  bool wait_closed(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      const long n = read_some(left);
      if (n == 0) return true;
      if (n < 0) return false;
      pending_.clear();
    }
  }

  // No byte and no close within `window`.
  bool quiet_for(milliseconds window) {
    if (!pending_.empty()) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(window.count())) == 0;
  }

  // One complete response (Content-Length framed, or no body for HEAD / 1xx / 204 / 304).
  std::optional<RawResponse> read_response(milliseconds timeout, bool head_request = false) {
    const auto deadline = Clock::now() + timeout;
    auto wait_more = [&]() {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      return read_some(left) > 0;
    };
    std::size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!wait_more()) return std::nullopt;
    }
    RawResponse r;
    const std::string head = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12 || status_line.compare(0, 5, "HTTP/") != 0) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      const std::string line = head.substr(pos, e - pos);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[name] = value;
      }
      pos = e + 2;
    }
    if (head_request || r.status < 200 || r.status == 204 || r.status == 304) return r;
    std::size_t length = 0;
    if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
      length = std::stoul(it->second);
    }
    while (pending_.size() < length) {
      if (!wait_more()) return std::nullopt;
    }
    r.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return r;
  }

  // Sends a request and reads its response.
  std::optional<RawResponse> request(std::string_view raw, milliseconds timeout = milliseconds(5000)) {
    if (!send(raw)) return std::nullopt;
    return read_response(timeout);
  }

  [[nodiscard]] const std::string& pending() const { return pending_; }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string pending_;
};

inline std::string get_request(std::string_view path, std::string_view extra_headers = "") {
  std::string r = "GET ";
  r.append(path);
  r += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  r.append(extra_headers);
  r += "\r\n";
  return r;
}

inline std::string post_request(std::string_view path, std::string_view body,
                                std::string_view extra_headers = "") {
  std::string r = "POST ";
  r.append(path);
  r += " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ";
  r += std::to_string(body.size());
  r += "\r\n";
  r.append(extra_headers);
  r += "\r\n";
  r.append(body);
  return r;
}

}  // namespace ei::server::testing
