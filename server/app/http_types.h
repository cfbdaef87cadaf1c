// The boundary between the HTTP transport (server/http, Boost.Beast) and the application
// (server/app): plain values, no Beast types, so the application is testable in-process and the
// fuzz harnesses can drive the real router.
//
// Thread-safety: values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ei::server {

struct HttpRequest {
  std::string method;  // upper case, e.g. "POST"
  std::string target;  // path plus query, as received, e.g. "/v1/jobs/abc?x=1"
  // Header names lower-cased; repeated headers joined with ", " (RFC 9110 §5.3).
  std::map<std::string, std::string> headers;
  std::string body;
  std::string remote_address;  // for logs and rate limiting diagnostics only
  std::chrono::steady_clock::time_point received_at{};
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type included here
  std::string body;
};

// Early decisions the transport asks the application for before reading a body (413 by
// Content-Length, 415, 405, auth) are made through Application::precheck; see application.h.

}  // namespace ei::server
