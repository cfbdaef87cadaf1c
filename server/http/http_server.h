// HttpServer: the HTTP/1.1 transport of ei-server (Boost.Beast over Boost.Asio).
//
// It moves bytes and enforces transport bounds; everything about the API is the Application's.
// Per connection it reads one request at a time (keep-alive, pipelined requests are answered in
// order), in this order (docs/api.md §5 stage A and step 1):
//   1. wait for the first byte (keep-alive: idle_timeout; nothing received → close silently);
//   2. read the request line and headers within header_timeout (counted from the first byte, or
//      from accept for a connection's first request) and max_header_bytes / max_header_fields
//      (→ 408 REQUEST_TIMEOUT, 431 HEADERS_TOO_LARGE, 400 MALFORMED_HTTP);
//   3. framing checks (one Content-Length of digits, Transfer-Encoding exactly "chunked" and not
//      with Content-Length, Host present once, no content on GET/DELETE/HEAD → 400 MALFORMED_HTTP);
//   4. on the request pool: Application::precheck(head), then Application::body_limit(head);
//      a Content-Length above the limit is answered 413 PAYLOAD_TOO_LARGE without reading a byte of
//      the body;
//   5. `Expect: 100-continue` is answered with 100 Continue; the body is read with the parser's
//      limit (chunked bodies stop at the first chunk that passes it → 413), body_idle_timeout per
//      read and body_timeout in total (→ 408);
//   6. on the request pool: Application::handle(request); the response is written on the IO
//      thread within write_timeout; Application::record_exchange is called and one access-log
//      record written.
// After 400/408/413/431 and any response whose request body was not read, the connection is closed ("lingering close": send FIN, discard input for up to linger_timeout, so
// the client can read the response before the socket is gone).
//
// Connection cap: at most max_connections sockets are open at once; a connection accepted over the
// cap is closed immediately without a response (there is no catalogue code for it, and a response
// would cost the writes a flood is trying to cause); it is counted and logged (rate-limited).
//
// Threads: io_threads threads run every socket operation; Application::precheck, body_limit and
// handle run on a pool of request_threads threads, never on an IO thread. transport_error and
// record_exchange are called on IO threads and must not block. Each connection has at most one
// request on the pool, so the pool's queue is bounded by max_connections.
//
// Shutdown (shutdown()): stop accepting; Application::drain() (keep-alive connections keep being
// served meanwhile, so clients can poll their jobs); then close idle connections, let requests in
// progress finish (responses carry `Connection: close`) for at most shutdown_grace; then close
// whatever is left and stop the threads.
//
// Thread-safety: start(), shutdown() and the destructor from one controlling thread; the
//   accessors from any thread.
// Ownership: the server references the Application, which must outlive it. It owns its threads.
// Errors: start() returns INVALID_ARGUMENT for an invalid option, a bad listen address or a
//   failed bind/listen (the detail names it). Nothing else reports errors: transport failures are
//   answered on the wire and logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/status.h"
#include "server/app/application.h"

namespace ei::server {

// Defaults (docs/server.md "Limits"); every bound of the transport is named here.
inline constexpr std::size_t kDefaultIoThreads = 2;
inline constexpr std::size_t kDefaultRequestThreads = 32;
inline constexpr std::size_t kDefaultMaxConnections = 256;
inline constexpr std::size_t kDefaultMaxHeaderBytes = 16 * 1024;  // docs/api.md §16
inline constexpr std::size_t kDefaultMaxHeaderFields = 100;       // docs/api.md §16
inline constexpr std::chrono::milliseconds kDefaultHeaderTimeout{10'000};    // docs/api.md §16
inline constexpr std::chrono::milliseconds kDefaultBodyIdleTimeout{30'000};  // docs/api.md §16
inline constexpr std::chrono::milliseconds kDefaultBodyTimeout{300'000};
inline constexpr std::chrono::milliseconds kDefaultIdleTimeout{30'000};
inline constexpr std::chrono::milliseconds kDefaultWriteTimeout{60'000};
inline constexpr std::chrono::milliseconds kDefaultShutdownGrace{10'000};
inline constexpr std::chrono::milliseconds kDefaultLingerTimeout{2'000};

// Sanity bounds on the options (validate_options).
inline constexpr std::size_t kMaxIoThreads = 64;
inline constexpr std::size_t kMaxRequestThreads = 1024;
inline constexpr std::size_t kMaxMaxConnections = 100'000;
inline constexpr std::size_t kMinMaxHeaderBytes = 1024;
inline constexpr std::size_t kMaxMaxHeaderBytes = 1024 * 1024;
inline constexpr std::size_t kMaxMaxHeaderFields = 10'000;
inline constexpr std::chrono::milliseconds kMaxTimeout{24LL * 3600 * 1000};

// Which exchanges get an access-log record ("request" event, see docs/server.md "Logging").
enum class AccessLog : std::uint8_t {
  kOff,        // none
  kUnhandled,  // only those Application::handle did not answer (transport errors, precheck
               // rejections): for an Application that logs its own requests, as App does
  kAll,        // every exchange
};

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT, see listen_address.h
  std::size_t io_threads = kDefaultIoThreads;
  std::size_t request_threads = kDefaultRequestThreads;
  std::size_t max_connections = kDefaultMaxConnections;
  std::size_t max_header_bytes = kDefaultMaxHeaderBytes;    // request line + headers
  std::size_t max_header_fields = kDefaultMaxHeaderFields;  // header field lines
  std::chrono::milliseconds header_timeout = kDefaultHeaderTimeout;    // complete head
  std::chrono::milliseconds body_idle_timeout = kDefaultBodyIdleTimeout;  // no body bytes
  std::chrono::milliseconds body_timeout = kDefaultBodyTimeout;        // complete body
  std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout;        // keep-alive, between requests
  std::chrono::milliseconds write_timeout = kDefaultWriteTimeout;      // one whole response
  std::chrono::milliseconds shutdown_grace = kDefaultShutdownGrace;    // after drain()
  std::chrono::milliseconds linger_timeout = kDefaultLingerTimeout;    // lingering close
  AccessLog access_log = AccessLog::kAll;
};

// OK, or INVALID_ARGUMENT naming the first option outside its range (threads 1..64 / 1..1024,
// max_connections 1..100000, max_header_bytes 1024..1 MiB, max_header_fields 1..10000, every
// timeout 1 ms..24 h) or the listen address.
[[nodiscard]] Status validate_options(const HttpServerOptions& options);

// Counters for tests and logs. Monotonic except open_connections.
struct HttpServerStats {
  std::size_t open_connections = 0;
  std::uint64_t accepted_connections = 0;
  std::uint64_t rejected_connections = 0;  // closed at accept because of max_connections
  std::uint64_t requests = 0;              // exchanges finished (any status)
};

class HttpServer {
 public:
  // REQUIRES: `app` outlives the server.
  HttpServer(Application& app, HttpServerOptions options);
  // If still running: a hard stop (no drain(), connections closed at once, threads joined; waits
  // for Application::handle calls in progress).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Validates the options, binds and listens, starts the IO and request threads. Logs a
  // "listening" record. Call once. Returns INVALID_ARGUMENT on any failure (nothing is left
  // running then).
  [[nodiscard]] Status start();

  // The bound address, e.g. "127.0.0.1:41234" (the real port when the option said 0).
  // REQUIRES: start() returned OK.
  [[nodiscard]] std::string bound_address() const;
  [[nodiscard]] std::uint16_t bound_port() const;

  // Graceful shutdown as described above; blocks for at most Application::drain() plus
  // shutdown_grace plus about one second. Returns true if every connection finished and every
  // thread was joined; false if some Application::handle call had not returned by then (its
  // connection is closed; the destructor waits for the call, so a process that must end now
  // exits without destroying the server). Idempotent: later calls return the first result.
  bool shutdown();

  [[nodiscard]] HttpServerStats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace ei::server
