#include "server/http/http_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include "server/http/listen_address.h"
#include "server/http/log.h"
#include "server/http/request_body.h"

namespace ei::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr auto kTupleAwaitable = asio::as_tuple(asio::use_awaitable);
// Read size for the first byte of a request and for lingering-close discards.
constexpr std::size_t kReadChunk = 16 * 1024;
// How long shutdown waits for force-closed connections to unwind.
constexpr milliseconds kForceCloseWait{1'000};
// A log record about rejected connections at most this often.
constexpr milliseconds kRejectLogInterval{1'000};
// Longest method written to a log record.
constexpr std::size_t kMaxLoggedMethod = 16;

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool has_ctl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7F;
  });
}

std::string seconds_text(milliseconds d) {
  const auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

// IMF-fixdate (RFC 9110 §5.6.7) of now, cached per second per thread.
std::string http_date_now() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  const std::time_t t = std::time(nullptr);
  if (t != cached_second) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_second = t;
  }
  return cached;
}

// Response headers the transport owns: framing and connection management.
bool transport_owned_header(std::string_view name) {
  static constexpr std::string_view kOwned[] = {"connection", "content-length", "transfer-encoding",
                                                "keep-alive", "upgrade", "te", "trailer",
                                                "proxy-connection"};
  return std::any_of(std::begin(kOwned), std::end(kOwned),
                     [&](std::string_view o) { return iequals(o, name); });
}

// Detail text for a parser error in the head or the chunked framing. Never quotes the input.
std::string malformed_detail(const beast::error_code& ec) {
  if (ec == http::error::bad_method || ec == http::error::bad_target ||
      ec == http::error::bad_version) {
    return "The request line is not valid HTTP/1.1.";
  }
  if (ec == http::error::bad_content_length || ec == http::error::multiple_content_length) {
    return "The Content-Length header is invalid, repeated or conflicts with Transfer-Encoding.";
  }
  if (ec == http::error::bad_transfer_encoding) {
    return "The Transfer-Encoding header is invalid, repeated or conflicts with Content-Length.";
  }
  if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension) {
    return "The chunked body framing is invalid.";
  }
  if (ec == http::error::buffer_overflow) {
    return "A line of the request framing is too long.";
  }
  return "A request header field is not valid HTTP/1.1 syntax.";
}

bool is_disconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::bad_descriptor ||
         ec == asio::error::not_connected || ec == asio::error::shut_down;
}

struct PrecheckResult {
  std::optional<HttpResponse> response;
  std::uint64_t body_limit = 0;
};

enum class Phase : int { kNew = 0, kRunning = 1, kDraining = 2, kClosing = 3, kStopped = 4 };

class Session;

}  // namespace

// ------------------------------------------------------------------------------------------------
struct HttpServer::Impl {
  Impl(Application& app, HttpServerOptions options)
      : app_(app), options_(std::move(options)) {}
  ~Impl();

  Status start();
  bool stop(bool graceful);
  void join_threads();

  asio::awaitable<void> accept_loop();
  void add_session(const std::shared_ptr<Session>& s);
  void remove_session(Session* s);
  bool wait_for_sessions(milliseconds bound);
  template <typename F>
  void for_each_session(F f);
  void note_rejected();
  void raise_fd_limit();

  Phase phase() const { return static_cast<Phase>(phase_.load()); }
  bool closing() const { return phase() >= Phase::kClosing; }

  Application& app_;
  HttpServerOptions options_;
  ListenAddress listen_;

  // Session registry; declared before the io_context so that it outlives every session.
  mutable std::mutex mu_;
  std::condition_variable sessions_cv_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::uint64_t rejected_unlogged_ = 0;       // guarded by mu_
  Clock::time_point last_reject_log_{};       // guarded by mu_

  std::atomic<int> phase_{static_cast<int>(Phase::kNew)};
  std::mutex stop_mu_;
  std::optional<bool> stop_result_;  // guarded by stop_mu_

  std::unique_ptr<asio::thread_pool> request_pool_;  // request_threads threads, made in start()
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;
  std::uint16_t bound_port_ = 0;
  std::string bound_address_;
  std::vector<std::thread> io_threads_;
};

namespace {

// One connection. Lives on its own strand; every member is touched only on that strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl& server, tcp::socket socket)
      : server_(server),
        options_(server.options_),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        buffer_(options_.max_header_bytes + 128 * 1024),
        accepted_at_(Clock::now()) {
    beast::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    if (!ec) remote_ = format_host_port(ep.address().to_string(), ep.port());
    socket_.set_option(tcp::no_delay(true), ec);
  }

  ~Session() { server_.remove_session(this); }

  asio::awaitable<void> run(std::shared_ptr<Session> self);

  // Shutdown: close the connection if it is waiting for a request's first byte.
  void close_if_idle() {
    if (idle_) {
      beast::error_code ec;
      socket_.cancel(ec);
    }
  }
  // Shutdown bound passed: close whatever state the connection is in.
  void force_close() {
    beast::error_code ec;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  struct Exchange {
    HttpRequest request;
    Clock::time_point started{};
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    bool handled = false;    // Application::handle produced the response
    bool prechecked = false; // Application::precheck produced the response
    std::string_view code;   // transport error code, if the transport answered
  };

  // Outcome of serving one request: keep the connection, or close it (lingering if the client
  // may still be sending).
  enum class Next { kKeepAlive, kClose, kLingerClose, kDrop };

  // `head_deadline`: when the request line and headers must be complete.
  asio::awaitable<Next> serve_one(Clock::time_point head_deadline);
  asio::awaitable<Next> respond_error(Exchange& ex, std::string_view code, std::string detail,
                                      Next after);
  asio::awaitable<bool> write_response(Exchange& ex, HttpResponse response, bool keep_alive,
                                       unsigned request_version, bool head_only);
  asio::awaitable<void> close_connection(bool linger);
  void finish_exchange(Exchange& ex, const HttpResponse& response, bool written);

  template <typename R, typename F>
  asio::awaitable<R> on_pool(F f);

  // Deadline for the pending socket operation: on expiry the socket's operations are cancelled
  // (the socket stays open, so a 408 can still be written) and timed_out_ is set.
  void arm(Clock::time_point deadline) {
    timed_out_ = false;
    timer_.expires_at(deadline);
    timer_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      if (ec) return;
      if (self->timer_.expiry() > Clock::now()) return;  // re-armed meanwhile
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket_.cancel(ignored);
    });
  }
  void disarm() { timer_.cancel(); }

  HttpServer::Impl& server_;
  const HttpServerOptions& options_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<GrowingStringBody>> parser_;
  std::string remote_;
  Clock::time_point accepted_at_;
  bool timed_out_ = false;
  bool idle_ = false;
};

template <typename R, typename F>
asio::awaitable<R> Session::on_pool(F f) {
  // The Application runs on the request pool; the coroutine resumes on this session's strand.
  Application& app = server_.app_;
  co_return co_await asio::co_spawn(
      server_.request_pool_->get_executor(),
      [f = std::move(f), &app]() mutable -> asio::awaitable<R> {
        try {
          co_return f();
        } catch (...) {
          // Application methods must not throw (application.h); if one does, the exchange gets
          // INTERNAL and the process lives on.
          LogRecord(LogLevel::kError, "application_exception").emit();
          R r{};
          if constexpr (std::is_same_v<R, HttpResponse>) {
            r = app.transport_error("INTERNAL", "An internal error occurred.");
          } else {
            r.response = app.transport_error("INTERNAL", "An internal error occurred.");
          }
          co_return r;
        }
      },
      asio::use_awaitable);
}

asio::awaitable<void> Session::run(std::shared_ptr<Session> self) {
  (void)self;  // keeps the session alive for the coroutine's lifetime
  bool first = true;
  try {
    for (;;) {
      if (buffer_.size() == 0) {
        if (server_.closing()) break;
        // Wait for the first byte of the next request. Nothing received: close silently.
        idle_ = true;
        // A new connection has header_timeout from accept for its whole first head; a
        // keep-alive connection has idle_timeout for the first byte, then header_timeout.
        arm(first ? accepted_at_ + options_.header_timeout : Clock::now() + options_.idle_timeout);
        auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(kReadChunk), kTupleAwaitable);
        disarm();
        idle_ = false;
        if (ec) break;
        buffer_.commit(n);
      }
      const Clock::time_point head_deadline =
          first ? accepted_at_ + options_.header_timeout : Clock::now() + options_.header_timeout;
      first = false;
      const Next next = co_await serve_one(head_deadline);
      if (next == Next::kKeepAlive) continue;
      if (next != Next::kDrop) co_await close_connection(next == Next::kLingerClose);
      break;
    }
  } catch (const std::exception&) {
    LogRecord(LogLevel::kError, "connection_exception").str("remote", remote_).emit();
  }
  disarm();
  beast::error_code ec;
  socket_.close(ec);
}

asio::awaitable<Session::Next> Session::serve_one(Clock::time_point head_deadline) {
  Exchange ex;
  ex.started = Clock::now();
  ex.request.remote_address = remote_;
  ex.request.received_at = ex.started;

  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
  parser_->body_limit(boost::none);  // the route's limit is set after precheck

  // ---- head -----------------------------------------------------------------------------------
  arm(head_deadline);
  auto [hec, hn] = co_await http::async_read_header(socket_, buffer_, *parser_, kTupleAwaitable);
  disarm();
  ex.bytes_in += hn;
  if (hec) {
    if (is_disconnect(hec) || (hec == asio::error::operation_aborted && !timed_out_)) {
      co_return Next::kDrop;
    }
    std::string_view code = "MALFORMED_HTTP";
    std::string detail;
    if (timed_out_) {
      code = "REQUEST_TIMEOUT";
      detail = "The request headers were not complete within " +
               seconds_text(options_.header_timeout) + ".";
    } else if (hec == http::error::header_limit) {
      code = "HEADERS_TOO_LARGE";
      detail = "The request line and headers exceed " + std::to_string(options_.max_header_bytes) +
               " bytes.";
    } else {
      detail = malformed_detail(hec);
    }
    co_return co_await respond_error(ex, code, std::move(detail), Next::kLingerClose);
  }

  auto& msg = parser_->get();
  ex.request.method = std::string(msg.method_string());
  ex.request.target = std::string(msg.target());
  std::size_t fields = 0;
  std::size_t content_length_fields = 0;
  std::size_t transfer_encoding_fields = 0;
  std::size_t host_fields = 0;
  for (const auto& f : msg) {
    ++fields;
    std::string name = to_lower(f.name_string());
    if (name == "content-length") ++content_length_fields;
    if (name == "transfer-encoding") ++transfer_encoding_fields;
    if (name == "host") ++host_fields;
    auto [it, inserted] = ex.request.headers.try_emplace(std::move(name), std::string(f.value()));
    if (!inserted) {
      it->second += ", ";
      it->second.append(f.value().data(), f.value().size());
    }
  }

  if (fields > options_.max_header_fields) {
    std::string detail = "The request has more than " +
                         std::to_string(options_.max_header_fields) + " header fields.";
    co_return co_await respond_error(ex, "HEADERS_TOO_LARGE", std::move(detail),
                                     Next::kLingerClose);
  }
  // ---- framing (docs/api.md §4.1, RFC 9112 §6) -------------------------------------------------
  const unsigned version = msg.version();
  const bool chunked = parser_->chunked();
  const auto content_length = parser_->content_length();
  const bool declares_body = chunked || (content_length && *content_length > 0);
  std::string framing_error;
  if (version != 10 && version != 11) {
    framing_error = "Only HTTP/1.0 and HTTP/1.1 are supported.";
  } else if (content_length_fields > 1 ||
             (content_length_fields == 1 &&
              !all_digits(trim_ows(ex.request.headers["content-length"])))) {
    framing_error = "The Content-Length header is invalid or repeated.";
  } else if (transfer_encoding_fields > 1 ||
             (transfer_encoding_fields == 1 &&
              !iequals(trim_ows(ex.request.headers["transfer-encoding"]), "chunked"))) {
    framing_error = "The only supported Transfer-Encoding is a single \"chunked\".";
  } else if (transfer_encoding_fields == 1 && version == 10) {
    framing_error = "Transfer-Encoding is not allowed in an HTTP/1.0 request.";
  } else if (version == 11 && host_fields != 1) {
    framing_error = "An HTTP/1.1 request must carry exactly one Host header.";
  } else if (declares_body && (msg.method() == http::verb::get ||
                               msg.method() == http::verb::delete_)) {
    framing_error = "A " + ex.request.method + " request must not have content.";
  }
  if (!framing_error.empty()) {
    co_return co_await respond_error(ex, "MALFORMED_HTTP", std::move(framing_error),
                                     Next::kLingerClose);
  }
  const bool keep_alive = msg.keep_alive();
  const bool head_only = msg.method() == http::verb::head;

  // ---- precheck and body limit, on the request pool ----------------------------------------------
  if (!declares_body) {
    // No body: precheck and handle in one hop.
    Application& app = server_.app_;
    const HttpRequest& request = ex.request;
    bool handled = false;
    HttpResponse response = co_await on_pool<HttpResponse>([&app, &request, &handled]() {
      if (auto early = app.precheck(request)) return std::move(*early);
      handled = true;
      return app.handle(request);
    });
    ex.handled = handled;
    ex.prechecked = !handled;
    const bool ok = co_await write_response(ex, std::move(response), keep_alive, version, head_only);
    if (!ok) co_return Next::kDrop;
    co_return (keep_alive && !server_.closing()) ? Next::kKeepAlive : Next::kClose;
  }

  Application& app = server_.app_;
  const HttpRequest& head = ex.request;
  PrecheckResult pre = co_await on_pool<PrecheckResult>([&app, &head]() {
    PrecheckResult r;
    r.response = app.precheck(head);
    if (!r.response) r.body_limit = app.body_limit(head);
    return r;
  });
  if (pre.response) {
    // The body was not read: answer and close.
    ex.prechecked = true;
    const bool ok = co_await write_response(ex, std::move(*pre.response), false, version, head_only);
    co_return ok ? Next::kLingerClose : Next::kDrop;
  }
  if (content_length && *content_length > pre.body_limit) {
    std::string detail = "The request body of " + std::to_string(*content_length) +
                         " bytes exceeds this route's limit of " +
                         std::to_string(pre.body_limit) + " bytes.";
    co_return co_await respond_error(ex, "PAYLOAD_TOO_LARGE", std::move(detail),
                                     Next::kLingerClose);
  }
  parser_->body_limit(pre.body_limit);

  // ---- body ------------------------------------------------------------------------------------
  if (version == 11 && buffer_.size() == 0) {
    auto it = ex.request.headers.find("expect");
    if (it != ex.request.headers.end() && iequals(trim_ows(it->second), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      arm(Clock::now() + options_.write_timeout);
      auto [wec, wn] =
          co_await asio::async_write(socket_, asio::buffer(kContinue), kTupleAwaitable);
      disarm();
      ex.bytes_out += wn;
      if (wec) co_return Next::kDrop;
    }
  }
  const auto body_deadline = Clock::now() + options_.body_timeout;
  while (!parser_->is_done()) {
    const auto idle_deadline = Clock::now() + options_.body_idle_timeout;
    arm(std::min(idle_deadline, body_deadline));
    auto [bec, bn] = co_await http::async_read_some(socket_, buffer_, *parser_, kTupleAwaitable);
    disarm();
    ex.bytes_in += bn;
    if (!bec) continue;
    if (is_disconnect(bec) || (bec == asio::error::operation_aborted && !timed_out_)) {
      co_return Next::kDrop;
    }
    // (No temporaries with destructors inside co_await expressions: GCC 12 destroys temporaries
    // of a conditional operator there twice.)
    std::string_view code = "MALFORMED_HTTP";
    std::string detail;
    if (timed_out_) {
      code = "REQUEST_TIMEOUT";
      if (Clock::now() >= body_deadline) {
        detail = "The request body was not complete within " +
                 seconds_text(options_.body_timeout) + ".";
      } else {
        detail = "The request body stalled for more than " +
                 seconds_text(options_.body_idle_timeout) + ".";
      }
    } else if (bec == http::error::body_limit) {
      code = "PAYLOAD_TOO_LARGE";
      detail = "The chunked request body exceeds this route's limit of " +
               std::to_string(pre.body_limit) + " bytes.";
    } else {
      detail = malformed_detail(bec);
    }
    co_return co_await respond_error(ex, code, std::move(detail), Next::kLingerClose);
  }

  // ---- handle, on the request pool ---------------------------------------------------------------
  ex.request.body = std::move(parser_->get().body());
  parser_.reset();
  const HttpRequest& request = ex.request;
  HttpResponse response =
      co_await on_pool<HttpResponse>([&app, &request]() { return app.handle(request); });
  ex.handled = true;
  // The body is not needed any more; free it before a possibly slow write.
  std::string().swap(ex.request.body);
  const bool ok = co_await write_response(ex, std::move(response), keep_alive, version, head_only);
  if (!ok) co_return Next::kDrop;
  co_return (keep_alive && !server_.closing()) ? Next::kKeepAlive : Next::kClose;
}

asio::awaitable<Session::Next> Session::respond_error(Exchange& ex, std::string_view code,
                                                      std::string detail, Next after) {
  // transport_error is cheap and non-blocking (application.h); it runs on the IO thread.
  HttpResponse response;
  ex.code = code;
  try {
    response = server_.app_.transport_error(std::string(code), detail);
  } catch (...) {
    response.status = 500;
    response.headers = {{"Content-Type", "text/plain"}};
    response.body = "internal error\n";
  }
  const unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
  const bool ok = co_await write_response(ex, std::move(response), false, version, false);
  co_return ok ? after : Next::kDrop;
}

asio::awaitable<bool> Session::write_response(Exchange& ex, HttpResponse response,
                                              bool keep_alive, unsigned request_version,
                                              bool head_only) {
  if (server_.closing()) keep_alive = false;
  http::response<http::string_body> res;
  res.version(11);
  if (response.status < 100 || response.status > 599) {
    LogRecord(LogLevel::kError, "invalid_status").num("status", response.status).emit();
    response.status = 500;
  }
  res.result(static_cast<unsigned>(response.status));
  bool has_date = false;
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || has_ctl(name) || has_ctl(value) ||
        name.find_first_of(" :\t") != std::string::npos) {
      LogRecord(LogLevel::kError, "invalid_response_header").emit();
      continue;
    }
    if (iequals(name, "connection")) {
      if (iequals(trim_ows(value), "close")) keep_alive = false;
      continue;
    }
    if (transport_owned_header(name)) continue;
    if (iequals(name, "date")) has_date = true;
    res.insert(name, value);
  }
  if (!has_date) res.set(http::field::date, http_date_now());
  const bool no_content = response.status < 200 || response.status == 204 || response.status == 304;
  if (no_content) {
    response.body.clear();
  }
  res.body() = std::move(response.body);
  res.keep_alive(keep_alive);
  if (keep_alive && request_version == 10) res.set(http::field::connection, "keep-alive");
  if (!no_content) res.prepare_payload();

  arm(Clock::now() + options_.write_timeout);
  beast::error_code ec;
  std::size_t n = 0;
  if (head_only) {
    http::response_serializer<http::string_body> sr{res};
    std::tie(ec, n) = co_await http::async_write_header(socket_, sr, kTupleAwaitable);
  } else {
    std::tie(ec, n) = co_await http::async_write(socket_, res, kTupleAwaitable);
  }
  disarm();
  ex.bytes_out += n;
  // record_exchange and the log see the response without its body (bytes_out has its size).
  HttpResponse logged;
  logged.status = response.status;
  logged.headers = std::move(response.headers);
  finish_exchange(ex, logged, !ec);
  if (ec && timed_out_) {
    LogRecord(LogLevel::kInfo, "write_timeout").str("remote", remote_).emit();
  }
  co_return !ec;
}

void Session::finish_exchange(Exchange& ex, const HttpResponse& response, bool written) {
  server_.requests_.fetch_add(1, std::memory_order_relaxed);
  const double seconds = std::chrono::duration<double>(Clock::now() - ex.started).count();
  try {
    server_.app_.record_exchange(ex.request, response, ex.bytes_in, ex.bytes_out, seconds);
  } catch (...) {
    LogRecord(LogLevel::kError, "record_exchange_exception").emit();
  }
  if (options_.access_log == AccessLog::kOff) return;
  if (options_.access_log == AccessLog::kUnhandled && ex.handled) return;
  std::string request_id;
  for (const auto& [name, value] : response.headers) {
    if (iequals(name, "x-request-id")) request_id = value.substr(0, 128);
  }
  // Never the target (it may carry ids or query strings), header values or the body.
  LogRecord rec(LogLevel::kInfo, "request");
  rec.str("request_id", request_id);
  if (!ex.request.method.empty()) rec.str("method", ex.request.method.substr(0, kMaxLoggedMethod));
  rec.num("status", response.status);
  if (!ex.code.empty()) rec.str("code", ex.code);
  rec.unum("request_bytes", ex.bytes_in)
      .unum("response_bytes", ex.bytes_out)
      .real("duration_ms", seconds * 1000.0)
      .str("remote", remote_)
      .str("answered_by", ex.handled ? "application" : ex.prechecked ? "precheck" : "transport");
  if (!written) rec.boolean("write_failed", true);
  rec.emit();
}

asio::awaitable<void> Session::close_connection(bool linger) {
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (linger && !ec) {
    // Lingering close: discard what the client is still sending until it closes its side or the
    // bound passes, so that our FIN is not turned into a RST that destroys the response.
    std::vector<char> sink(kReadChunk);
    arm(Clock::now() + options_.linger_timeout);
    for (;;) {
      auto [rec, rn] = co_await socket_.async_read_some(asio::buffer(sink), kTupleAwaitable);
      if (rec) break;
    }
    disarm();
  }
  socket_.close(ec);
}

}  // namespace

// ------------------------------------------------------------------------------------------------
HttpServer::Impl::~Impl() {
  if (stop(false)) return;
  // Some Application::handle call outlived the shutdown bounds. The Application is still alive
  // (it must outlive the server), so wait for those calls to return before tearing down.
  std::unique_lock<std::mutex> lock(mu_);
  sessions_cv_.wait(lock, [&] { return sessions_.empty(); });
  lock.unlock();
  join_threads();
}

void HttpServer::Impl::add_session(const std::shared_ptr<Session>& s) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.emplace(s.get(), s);
}

void HttpServer::Impl::remove_session(Session* s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(s);
  }
  sessions_cv_.notify_all();
}

bool HttpServer::Impl::wait_for_sessions(milliseconds bound) {
  std::unique_lock<std::mutex> lock(mu_);
  return sessions_cv_.wait_for(lock, bound, [&] { return sessions_.empty(); });
}

template <typename F>
void HttpServer::Impl::for_each_session(F f) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) {
    asio::post(s->executor(), [s, f]() { f(*s); });
  }
}

void HttpServer::Impl::note_rejected() {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t count = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++rejected_unlogged_;
    const auto now = Clock::now();
    if (now - last_reject_log_ < kRejectLogInterval) return;
    last_reject_log_ = now;
    count = rejected_unlogged_;
    rejected_unlogged_ = 0;
  }
  LogRecord(LogLevel::kWarn, "connection_rejected")
      .str("reason", "max_connections")
      .unum("max_connections", options_.max_connections)
      .unum("count", count)
      .emit();
}

void HttpServer::Impl::raise_fd_limit() {
  // Each connection is one descriptor; keep headroom for the store, models and logs.
  const rlim_t wanted = static_cast<rlim_t>(options_.max_connections) + 128;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur >= wanted) return;
  rlimit raised = rl;
  raised.rlim_cur = std::min(wanted, rl.rlim_max);
  if (raised.rlim_cur > rl.rlim_cur) (void)setrlimit(RLIMIT_NOFILE, &raised);
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < wanted) {
    LogRecord(LogLevel::kWarn, "fd_limit_low")
        .unum("nofile", static_cast<std::uint64_t>(rl.rlim_cur))
        .unum("max_connections", options_.max_connections)
        .emit();
  }
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  asio::steady_timer backoff(acceptor_->get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor_->async_accept(asio::make_strand(ioc_), kTupleAwaitable);
    if (phase() != Phase::kRunning) {
      beast::error_code ignored;
      socket.close(ignored);
      break;
    }
    if (ec) {
      if (ec == asio::error::operation_aborted) break;
      // EMFILE and friends: back off instead of spinning.
      LogRecord(LogLevel::kWarn, "accept_failed").str("error", ec.message()).emit();
      backoff.expires_after(milliseconds(50));
      co_await backoff.async_wait(kTupleAwaitable);
      continue;
    }
    accepted_.fetch_add(1, std::memory_order_relaxed);
    std::size_t open = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      open = sessions_.size();
    }
    if (open >= options_.max_connections) {
      note_rejected();
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    auto session = std::make_shared<Session>(*this, std::move(socket));
    add_session(session);
    asio::co_spawn(session->executor(), session->run(session), asio::detached);
  }
}

Status HttpServer::Impl::start() {
  if (phase() != Phase::kNew) return Status(Code::INVALID_ARGUMENT, "the server was already started");
  EI_RETURN_IF_ERROR(validate_options(options_));
  EI_ASSIGN_OR_RETURN(listen_, parse_listen_address(options_.listen));
  raise_fd_limit();

  beast::error_code ec;
  const auto address = asio::ip::make_address(listen_.host, ec);
  if (ec) return Status(Code::INVALID_ARGUMENT, "listen address " + listen_.to_string() + " is invalid");
  const tcp::endpoint endpoint(address, listen_.port);
  tcp::acceptor acceptor(asio::make_strand(ioc_));
  auto fail = [&](std::string_view what) {
    return Status(Code::INVALID_ARGUMENT, "cannot " + std::string(what) + " " +
                                              listen_.to_string() + ": " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("set SO_REUSEADDR on");
  acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  const auto local = acceptor.local_endpoint(ec);
  if (ec) return fail("read the bound address of");
  bound_port_ = local.port();
  bound_address_ = format_host_port(local.address().to_string(), bound_port_);
  acceptor_.emplace(std::move(acceptor));

  request_pool_ = std::make_unique<asio::thread_pool>(options_.request_threads);
  work_.emplace(ioc_.get_executor());
  phase_.store(static_cast<int>(Phase::kRunning));
  asio::co_spawn(acceptor_->get_executor(), accept_loop(), asio::detached);
  io_threads_.reserve(options_.io_threads);
  for (std::size_t i = 0; i < options_.io_threads; ++i) {
    io_threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (...) {
          LogRecord(LogLevel::kError, "io_thread_exception").emit();
        }
      }
    });
  }
  LogRecord(LogLevel::kInfo, "listening")
      .str("address", bound_address_)
      .unum("io_threads", options_.io_threads)
      .unum("request_threads", options_.request_threads)
      .unum("max_connections", options_.max_connections)
      .emit();
  return Status::Ok();
}

bool HttpServer::Impl::stop(bool graceful) {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  if (stop_result_) return *stop_result_;
  if (phase() == Phase::kNew) {
    phase_.store(static_cast<int>(Phase::kStopped));
    stop_result_ = true;
    return true;
  }
  const auto t0 = Clock::now();
  // 1. Stop accepting.
  phase_.store(static_cast<int>(Phase::kDraining));
  {
    std::promise<void> closed;
    auto done = closed.get_future();
    asio::post(acceptor_->get_executor(), [this, &closed] {
      beast::error_code ec;
      acceptor_->close(ec);
      closed.set_value();
    });
    done.wait();  // the IO threads are running
  }
  if (graceful) {
    LogRecord(LogLevel::kInfo, "shutdown").str("phase", "drain").emit();
    // 2. The application finishes or fails its queued work; connections are still served.
    try {
      app_.drain();
    } catch (...) {
      LogRecord(LogLevel::kError, "drain_exception").emit();
    }
  }
  // 3. Close idle connections; responses in progress finish with Connection: close.
  phase_.store(static_cast<int>(Phase::kClosing));
  LogRecord(LogLevel::kInfo, "shutdown").str("phase", "close_connections").emit();
  for_each_session([](Session& s) { s.close_if_idle(); });
  bool clean = wait_for_sessions(graceful ? options_.shutdown_grace : milliseconds(0));
  if (!clean) {
    if (graceful) {
      std::size_t left = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        left = sessions_.size();
      }
      LogRecord(LogLevel::kWarn, "shutdown_grace_exceeded").unum("connections", left).emit();
    }
    for_each_session([](Session& s) { s.force_close(); });
    clean = wait_for_sessions(kForceCloseWait);
  }
  if (!clean) {
    // A connection whose request is inside Application::handle cannot be cancelled.
    LogRecord(LogLevel::kError, "shutdown_incomplete").str("reason", "handle_still_running").emit();
    stop_result_ = false;
    return false;
  }
  join_threads();
  LogRecord(LogLevel::kInfo, "stopped")
      .real("shutdown_ms",
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count())
      .unum("requests", requests_.load())
      .emit();
  stop_result_ = true;
  return true;
}

void HttpServer::Impl::join_threads() {
  request_pool_->stop();
  request_pool_->join();
  work_.reset();
  ioc_.stop();
  for (auto& t : io_threads_) {
    if (t.joinable()) t.join();
  }
  phase_.store(static_cast<int>(Phase::kStopped));
}

// ------------------------------------------------------------------------------------------------
Status validate_options(const HttpServerOptions& o) {
  auto bad = [](std::string what) { return Status(Code::INVALID_ARGUMENT, std::move(what)); };
  if (o.io_threads < 1 || o.io_threads > kMaxIoThreads) {
    return bad("io_threads must be in 1.." + std::to_string(kMaxIoThreads));
  }
  if (o.request_threads < 1 || o.request_threads > kMaxRequestThreads) {
    return bad("request_threads must be in 1.." + std::to_string(kMaxRequestThreads));
  }
  if (o.max_connections < 1 || o.max_connections > kMaxMaxConnections) {
    return bad("max_connections must be in 1.." + std::to_string(kMaxMaxConnections));
  }
  if (o.max_header_bytes < kMinMaxHeaderBytes || o.max_header_bytes > kMaxMaxHeaderBytes) {
    return bad("max_header_bytes must be in " + std::to_string(kMinMaxHeaderBytes) + ".." +
               std::to_string(kMaxMaxHeaderBytes));
  }
  if (o.max_header_fields < 1 || o.max_header_fields > kMaxMaxHeaderFields) {
    return bad("max_header_fields must be in 1.." + std::to_string(kMaxMaxHeaderFields));
  }
  const std::pair<const char*, milliseconds> timeouts[] = {
      {"header_timeout", o.header_timeout}, {"body_idle_timeout", o.body_idle_timeout},
      {"body_timeout", o.body_timeout},     {"idle_timeout", o.idle_timeout},
      {"write_timeout", o.write_timeout},   {"shutdown_grace", o.shutdown_grace},
      {"linger_timeout", o.linger_timeout}};
  for (const auto& [name, value] : timeouts) {
    if (value < milliseconds(1) || value > kMaxTimeout) {
      return bad(std::string(name) + " must be between 1 ms and 24 h");
    }
  }
  auto parsed = parse_listen_address(o.listen);
  if (!parsed.ok()) return parsed.status();
  return Status::Ok();
}

HttpServer::HttpServer(Application& app, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(app, std::move(options))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::start() {
  Status s = impl_->start();
  if (!s.ok()) {
    impl_->acceptor_.reset();
  }
  return s;
}

std::string HttpServer::bound_address() const { return impl_->bound_address_; }
std::uint16_t HttpServer::bound_port() const { return impl_->bound_port_; }

bool HttpServer::shutdown() { return impl_->stop(true); }

HttpServerStats HttpServer::stats() const {
  HttpServerStats s;
  {
    std::lock_guard<std::mutex> lock(impl_->mu_);
    s.open_connections = impl_->sessions_.size();
  }
  s.accepted_connections = impl_->accepted_.load();
  s.rejected_connections = impl_->rejected_.load();
  s.requests = impl_->requests_.load();
  return s;
}

}  // namespace ei::server
