// The application behind the transport: routing, validation pipeline, jobs, tenancy, metrics.
// Implemented in server/app; the transport (server/http) only moves bytes.
//
// Thread-safety: every method may be called concurrently from the transport's request threads.
// Ownership: the transport owns the Application for the server's lifetime.
#pragma once

#include <cstdint>
#include <optional>

#include "server/app/http_types.h"

namespace ei::server {

class Application {
 public:
  virtual ~Application() = default;

  // Called with the request line and headers before the body is read. Returns a complete error
  // response to send instead of reading the body (e.g. 413 PAYLOAD_TOO_LARGE from Content-Length,
  // 415, 405, 401, 404 for an unknown route), or nullopt to continue. `body` is empty here.
  virtual std::optional<HttpResponse> precheck(const HttpRequest& head) = 0;

  // Largest body the transport may read for this request (the body limit of its route).
  virtual std::uint64_t body_limit(const HttpRequest& head) const = 0;

  // Handles a complete request. May block (e.g. Prefer: wait=N) — the transport calls it on a
  // request thread, never on an IO thread. Never throws; internal failures become 500 INTERNAL.
  virtual HttpResponse handle(const HttpRequest& request) = 0;

  // A problem+json response for transport-level failures (code from protocol/errors.yaml:
  // PAYLOAD_TOO_LARGE, REQUEST_TIMEOUT, HEADERS_TOO_LARGE, MALFORMED_HTTP, …).
  virtual HttpResponse transport_error(const std::string& code, const std::string& detail) = 0;

  // SIGTERM: stop accepting work, finish or fail queued jobs within the configured bound, flush.
  virtual void drain() = 0;

  // Transport metrics hook: one finished exchange.
  virtual void record_exchange(const HttpRequest& request, const HttpResponse& response,
                               std::uint64_t bytes_in, std::uint64_t bytes_out, double seconds) = 0;
};

}  // namespace ei::server
