// StubApp: a minimal Application for transport tests. Routes:
//   GET  /health          200 {"status":"ok"}
//   GET  /slow?ms=N       sleeps N ms in handle (N <= 10000), then 200
//   POST /echo            body limit `echo_limit`; 200 "len=<bytes>"
//   POST /reject          precheck answers 401 (the body is never read)
//   anything else         precheck answers 404
// HEAD on a known path answers 405 with a body (the transport must not send it).
//
// Thread-safety: every method may run concurrently (as application.h requires).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/app/application.h"

namespace ei::server::testing {

class StubApp final : public Application {
 public:
  std::uint64_t echo_limit = 1024;

  std::optional<HttpResponse> precheck(const HttpRequest& head) override {
    ++prechecks;
    const std::string path = head.target.substr(0, head.target.find('?'));
    if (path == "/reject") return problem(401, "UNAUTHENTICATED", "no credentials");
    if (path != "/health" && path != "/slow" && path != "/echo") {
      return problem(404, "NOT_FOUND", "no such route");
    }
    if (head.method == "HEAD") return problem(405, "METHOD_NOT_ALLOWED", "HEAD is not allowed");
    return std::nullopt;
  }

  std::uint64_t body_limit(const HttpRequest& head) const override {
    return head.target.substr(0, head.target.find('?')) == "/echo" ? echo_limit : 0;
  }

  HttpResponse handle(const HttpRequest& request) override {
    const int active = ++in_handle;
    {
      std::lock_guard<std::mutex> lock(mu_);
      max_in_handle = std::max(max_in_handle, active);
      handled_targets.push_back(request.target);
    }
    cv_.notify_all();
    HttpResponse r;
    r.headers = {{"Content-Type", "application/json"}, {"X-Request-ID", next_id()}};
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (path == "/slow") {
      int ms = 0;
      const auto q = request.target.find("ms=");
      if (q != std::string::npos) ms = std::min(10000, std::stoi(request.target.substr(q + 3)));
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      r.body = "{\"slow\":" + std::to_string(ms) + "}";
    } else if (path == "/echo") {
      r.headers[0].second = "text/plain";
      r.body = "len=" + std::to_string(request.body.size());
    } else {
      r.body = "{\"status\":\"ok\"}";
    }
    --in_handle;
    ++handled;
    return r;
  }

  HttpResponse transport_error(const std::string& code, const std::string& detail) override {
    ++transport_errors;
    {
      std::lock_guard<std::mutex> lock(mu_);
      transport_codes.push_back(code);
    }
    int status = 500;
    if (code == "MALFORMED_HTTP") status = 400;
    if (code == "REQUEST_TIMEOUT") status = 408;
    if (code == "PAYLOAD_TOO_LARGE") status = 413;
    if (code == "HEADERS_TOO_LARGE") status = 431;
    return problem(status, code, detail);
  }

  void drain() override {
    drain_started = true;
    std::this_thread::sleep_for(drain_sleep);
    drained = true;
  }

  void record_exchange(const HttpRequest& request, const HttpResponse& response,
                       std::uint64_t bytes_in, std::uint64_t bytes_out, double seconds) override {
    (void)request;
    (void)seconds;
    std::lock_guard<std::mutex> lock(mu_);
    recorded_statuses.push_back(response.status);
    total_bytes_in += bytes_in;
    total_bytes_out += bytes_out;
  }

  // Blocks until `n` handle() calls are running at once, or the bound passes.
  bool wait_in_handle(int n, std::chrono::milliseconds bound) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return in_handle.load() >= n; });
  }

  std::vector<std::string> codes() {
    std::lock_guard<std::mutex> lock(mu_);
    return transport_codes;
  }
  std::vector<int> statuses() {
    std::lock_guard<std::mutex> lock(mu_);
    return recorded_statuses;
  }

  std::atomic<int> prechecks{0};
  std::atomic<int> handled{0};
  std::atomic<int> in_handle{0};
  std::atomic<int> transport_errors{0};
  std::atomic<bool> drain_started{false};
  std::atomic<bool> drained{false};
  std::chrono::milliseconds drain_sleep{0};
  int max_in_handle = 0;  // guarded by mu_
  std::vector<std::string> handled_targets;  // guarded by mu_

 private:
  HttpResponse problem(int status, const std::string& code, const std::string& detail) {
    HttpResponse r;
    r.status = status;
    r.headers = {{"Content-Type", "application/problem+json"}, {"X-Request-ID", next_id()}};
    r.body = "{\"code\":\"" + code + "\",\"status\":" + std::to_string(status) + ",\"detail\":\"" +
             detail + "\"}";
    return r;
  }
  std::string next_id() { return "req" + std::to_string(100000 + ++ids_); }

  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> ids_{0};
  std::vector<std::string> transport_codes;  // guarded by mu_
  std::vector<int> recorded_statuses;        // guarded by mu_
  std::uint64_t total_bytes_in = 0;          // guarded by mu_
  std::uint64_t total_bytes_out = 0;         // guarded by mu_
};

}  // namespace ei::server::testing
