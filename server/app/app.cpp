#include "server/app/app.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <variant>

#include <sodium.h>

#include "engine/serialization/inspect.h"
#include "engine/serialization/serialization.h"
#include "protocol/encoding.h"
#include "protocol/json.h"
#include "protocol/messages.h"
#include "protocol/syntax.h"
#include "server/app/app_log.h"
#include "server/app/json_util.h"

namespace ei::server {

using protocol::ErrorCode;
using protocol::Problem;

struct App::Request {
  std::string request_id;
  std::string method;
  const RouteInfo* route = nullptr;
  std::vector<std::string> params;
  std::string tenant = "default";
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::string error_code;  // for the log record
};

namespace {

constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kProblemType = "application/problem+json";

std::string random_hex(std::size_t bytes) {
  std::array<std::uint8_t, 32> buf{};
  randombytes_buf(buf.data(), bytes);
  return protocol::encode_hex(std::span<const std::uint8_t>(buf.data(), bytes));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const std::string* header(const HttpRequest& req, const char* name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? nullptr : &it->second;
}

// POST Content-Type: application/json, optionally "; charset=utf-8" (case-insensitive).
bool json_content_type(const std::string* value) {
  if (value == nullptr) return false;
  std::string_view v = *value;
  const std::size_t semi = v.find(';');
  if (lower(trim(v.substr(0, semi))) != kJsonType) return false;
  if (semi == std::string_view::npos) return true;
  std::string_view rest = v.substr(semi + 1);
  while (!rest.empty()) {
    const std::size_t next = rest.find(';');
    std::string_view param = trim(rest.substr(0, next));
    if (!param.empty()) {
      std::string p = lower(param);
      p.erase(std::remove(p.begin(), p.end(), ' '), p.end());
      if (p != "charset=utf-8" && p != "charset=\"utf-8\"") return false;
    }
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
  }
  return true;
}

std::string sha256_hex(std::string_view data) {
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return protocol::encode_hex(out);
}

void u64le(crypto_hash_sha256_state& st, std::uint64_t v) {
  std::array<std::uint8_t, 8> b{};
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  crypto_hash_sha256_update(&st, b.data(), b.size());
}

// docs/api.md §10.2.
std::string context_id_of(const std::string& model_id, const std::string& version, const std::vector<std::uint8_t>& r,
                          const std::vector<std::uint8_t>& g) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  static const char kTag[] = "ei-context-v1";
  const std::uint8_t zero = 0;
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(kTag), sizeof kTag - 1);
  crypto_hash_sha256_update(&st, &zero, 1);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(model_id.data()), model_id.size());
  crypto_hash_sha256_update(&st, &zero, 1);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(version.data()), version.size());
  crypto_hash_sha256_update(&st, &zero, 1);
  u64le(st, r.size());
  crypto_hash_sha256_update(&st, r.data(), r.size());
  u64le(st, g.size());
  crypto_hash_sha256_update(&st, g.data(), g.size());
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> out{};
  crypto_hash_sha256_final(&st, out.data());
  return protocol::encode_hex(out);
}

struct WaitChoice {
  std::chrono::milliseconds wait{0};
  std::optional<std::string> applied;  // Preference-Applied value
};

// RFC 7240 Prefer: respond-async wins; wait=N (non-negative integer) else; invalid ones ignored.
WaitChoice choose_wait(const HttpRequest& req, const Config& config) {
  WaitChoice c;
  c.wait = std::chrono::milliseconds(config.sync_wait_ms);
  const std::string* prefer = header(req, "prefer");
  if (prefer == nullptr) return c;
  bool async = false;
  std::optional<std::int64_t> wait;
  std::string_view v = *prefer;
  while (!v.empty()) {
    const std::size_t comma = v.find(',');
    std::string_view item = trim(v.substr(0, comma));
    item = trim(item.substr(0, item.find(';')));
    const std::size_t eq = item.find('=');
    const std::string name = lower(trim(item.substr(0, eq)));
    if (eq == std::string_view::npos) {
      if (name == "respond-async") async = true;
    } else if (name == "wait") {
      std::string_view val = trim(item.substr(eq + 1));
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') val = val.substr(1, val.size() - 2);
      if (!val.empty() && val.size() <= 12 &&
          std::all_of(val.begin(), val.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        wait = std::stoll(std::string(val));
      }
    }
    if (comma == std::string_view::npos) break;
    v = v.substr(comma + 1);
  }
  if (async) {
    c.wait = std::chrono::milliseconds(0);
    c.applied = "respond-async";
  } else if (wait) {
    const std::int64_t k = std::min<std::int64_t>(*wait, config.max_wait_seconds);
    c.wait = std::chrono::milliseconds(k * 1000);
    c.applied = "wait=" + std::to_string(k);
  }
  return c;
}

std::string chain_index_text(const Model& model, const rlwe::ParmsId& id) {
  const rlwe::ContextData* cd = model.context->get_context_data(id);
  return cd == nullptr ? std::string("?") : std::to_string(cd->chain_index());
}

bool transparent(const rlwe::Ciphertext& ct) {
  if (ct.size < 2) return false;
  const std::size_t words = ct.poly_words();
  if (ct.data.size() < 2 * words) return false;
  const std::uint64_t* c1 = ct.poly(1);
  for (std::size_t i = 0; i < words; ++i) {
    if (c1[i] != 0) return false;
  }
  return true;
}

}  // namespace

// ------------------------------------------------------------------------------------ creation

App::App(const Config& config, std::shared_ptr<const ModelRegistry> registry)
    : config_(config), registry_(std::move(registry)), rate_limiter_(config.rate_limit) {}

App::~App() {
  if (state_) state_->stop();
}

Result<std::unique_ptr<App>> App::create(const Config& config) {
  EI_RETURN_IF_ERROR(validate_config(config));
  auto registry = config.models_dir.empty() ? ModelRegistry::load_bundled(config)
                                            : ModelRegistry::load_dir(config.models_dir, config);
  if (!registry.ok()) return registry.status();
  return create(config, registry.value());
}

Result<std::unique_ptr<App>> App::create(const Config& config, std::shared_ptr<const ModelRegistry> registry) {
  EI_RETURN_IF_ERROR(validate_config(config));
  if (sodium_init() < 0) return Status(Code::INTERNAL, "libsodium failed to initialize");
  if (!registry) return Status(Code::INVALID_ARGUMENT, "no model registry");
  std::unique_ptr<App> app(new App(config, std::move(registry)));
  if (config.auth == AuthMode::kApiKey) {
    if (config.api_keys_file.empty()) {
      return Status(Code::INVALID_ARGUMENT, "api_keys_file: required when auth = \"api_key\"");
    }
    auto keys = ApiKeys::load_file(config.api_keys_file);
    if (!keys.ok()) return keys.status();
    app->api_keys_ = std::move(keys).value();
  }
  auto persistence = open_persistence(config.store);
  if (!persistence.ok()) return persistence.status();
  app->state_ = std::make_unique<State>(config, app->registry_, app->metrics_, std::move(persistence).value());
  EI_RETURN_IF_ERROR(app->state_->start());
  AppLog(AppLogLevel::kInfo, "app_started")
      .num("models", static_cast<std::int64_t>(app->registry_->ordered().size()))
      .num("workers", static_cast<std::int64_t>(config.workers))
      .str("store", config.store.rfind("sqlite:", 0) == 0 ? "sqlite" : "memory")
      .str("auth", config.auth == AuthMode::kApiKey ? "api_key" : "none")
      .emit();
  return app;
}

// ------------------------------------------------------------------------------------ responses

HttpResponse App::json(Request& r, int status, std::string body) {
  HttpResponse resp;
  resp.status = status;
  resp.headers.emplace_back("Content-Type", std::string(kJsonType));
  resp.headers.emplace_back("API-Version", std::string(protocol::kApiVersion));
  resp.headers.emplace_back("X-Request-ID", r.request_id);
  resp.body = std::move(body);
  return resp;
}

HttpResponse App::problem(Request& r, const Problem& p) {
  HttpResponse resp;
  resp.status = p.http_status();
  resp.headers.emplace_back("Content-Type", std::string(kProblemType));
  resp.headers.emplace_back("API-Version", std::string(protocol::kApiVersion));
  resp.headers.emplace_back("X-Request-ID", r.request_id);
  const auto& e = protocol::entry(p.code);
  if (e.retry_after || p.retry_after_seconds > 0) {
    int secs = p.retry_after_seconds > 0 ? p.retry_after_seconds : 1;
    if (p.code == ErrorCode::QUEUE_FULL && p.retry_after_seconds <= 0) {
      secs = static_cast<int>(config_.queue_full_retry_after_seconds);
    }
    if (p.code == ErrorCode::SHUTTING_DOWN && p.retry_after_seconds <= 0) {
      secs = static_cast<int>(config_.shutting_down_retry_after_seconds);
    }
    resp.headers.emplace_back("Retry-After", std::to_string(std::max(1, secs)));
  }
  if (p.code == ErrorCode::UNAUTHENTICATED) resp.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ei\"");
  if (p.code == ErrorCode::METHOD_NOT_ALLOWED && r.route != nullptr) {
    resp.headers.emplace_back("Allow", allow_header(*r.route));
  }
  resp.body = protocol::render_problem(p, r.request_id);
  r.error_code = std::string(protocol::code_name(p.code));
  metrics_.record_validation_failure(r.error_code);
  return resp;
}

// ------------------------------------------------------------------------------------ stage A

std::optional<HttpResponse> App::stage_a(const HttpRequest& request, Request& r, bool consume_token) {
  r.method = request.method;
  const std::string_view path = target_path(request.target);
  auto match = match_route(path);
  if (!match) {
    return problem(r, Problem(ErrorCode::NOT_FOUND, "No endpoint at " + protocol::safe_snippet(path, 200) +
                                                        ". See GET /openapi.yaml for the routes."));
  }
  r.route = match->route;
  r.params = std::move(match->params);
  if (!method_allowed(*r.route, request.method)) {
    return problem(r, Problem(ErrorCode::METHOD_NOT_ALLOWED, protocol::safe_snippet(request.method, 16) +
                                                                 " is not allowed on " +
                                                                 std::string(r.route->template_path) +
                                                                 "; allowed: " + allow_header(*r.route) + "."));
  }
  if (const std::string* v = header(request, "api-version")) {
    auto major = protocol::parse_api_version(trim(*v));
    if (!major) {
      return problem(r, Problem(ErrorCode::INVALID_HEADER,
                                "The API-Version header is invalid: MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH "
                                "(1 to 4 digits each)."));
    }
    if (*major != 1) {
      Problem p(ErrorCode::UNSUPPORTED_API_VERSION, "API-Version " + std::to_string(*major) +
                                                        " is not supported: this server implements 1.1.0 (major "
                                                        "version 1).");
      p.expected_got("1", std::string(trim(*v)).substr(0, 16));
      return problem(r, p);
    }
  }
  if (r.route->authenticated) {
    const std::string* tenant_header = header(request, "x-tenant-id");
    if (config_.auth == AuthMode::kApiKey) {
      const std::string* auth = header(request, "authorization");
      std::optional<std::string> tenant = auth != nullptr && api_keys_ ? api_keys_->authenticate(*auth) : std::nullopt;
      if (!tenant) {
        return problem(r, Problem(ErrorCode::UNAUTHENTICATED,
                                  auth == nullptr ? "This server requires an API key: send Authorization: Bearer <key>."
                                                  : "The API key is missing, malformed or unknown."));
      }
      if (tenant_header != nullptr) {
        if (!protocol::is_valid_tenant(*tenant_header)) {
          return problem(r, Problem(ErrorCode::INVALID_HEADER,
                                    "The X-Tenant-ID header is invalid: 1 to 64 characters from [A-Za-z0-9_.-], "
                                    "starting with a letter or digit."));
        }
        if (*tenant_header != *tenant) {
          return problem(r, Problem(ErrorCode::FORBIDDEN,
                                    "The API key is not valid for tenant \"" + *tenant_header + "\"."));
        }
      }
      r.tenant = *tenant;
    } else if (tenant_header != nullptr) {
      if (!protocol::is_valid_tenant(*tenant_header)) {
        return problem(r, Problem(ErrorCode::INVALID_HEADER,
                                  "The X-Tenant-ID header is invalid: 1 to 64 characters from [A-Za-z0-9_.-], "
                                  "starting with a letter or digit."));
      }
      r.tenant = *tenant_header;
    }
  }
  if (creates_work(*r.route, request.method) && state_->draining()) {
    return problem(r, Problem(ErrorCode::SHUTTING_DOWN, "The server is shutting down."));
  }
  const RateClass cls = rate_class(*r.route, request.method);
  if (cls != RateClass::kNone) {
    const int wait = rate_limiter_.acquire(r.tenant, cls, consume_token);
    if (wait > 0) {
      Problem p(ErrorCode::RATE_LIMITED, "Rate limit exceeded for tenant \"" + r.tenant + "\" (" +
                                             (cls == RateClass::kSubmit ? "submit" : "read") +
                                             " requests). Retry after " + std::to_string(wait) + " seconds.");
      p.retry_after_seconds = wait;
      return problem(r, p);
    }
  }
  if ((r.route->id == RouteId::kInfer || r.route->id == RouteId::kV1Infer)) {
    if (const std::string* key = header(request, "idempotency-key")) {
      if (!protocol::is_idempotency_key(*key)) {
        return problem(r, Problem(ErrorCode::INVALID_HEADER,
                                  "The Idempotency-Key header is invalid: 1 to 255 visible ASCII characters."));
      }
    }
  }
  if (request.method == "POST") {
    const std::string* encoding = header(request, "content-encoding");
    if (!json_content_type(header(request, "content-type"))) {
      return problem(r, Problem(ErrorCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json."));
    }
    if (encoding != nullptr && lower(trim(*encoding)) != "identity") {
      return problem(r, Problem(ErrorCode::UNSUPPORTED_MEDIA_TYPE,
                                "Content-Encoding is not supported: send the body uncompressed (identity)."));
    }
  }
  return std::nullopt;
}

std::optional<HttpResponse> App::precheck(const HttpRequest& head) {
  Request r;
  r.request_id = random_hex(16);
  try {
    return stage_a(head, r, /*consume_token=*/false);
  } catch (...) {
    return std::nullopt;  // handle() reports it
  }
}

std::uint64_t App::body_limit(const HttpRequest& head) const {
  auto match = match_route(target_path(head.target));
  if (!match || head.method != "POST") return config_.limits.max_other_body_bytes;
  switch (match->route->id) {
    case RouteId::kInferPlain:
    case RouteId::kV1InferPlain: return config_.limits.max_plain_body_bytes;
    case RouteId::kInfer:
    case RouteId::kV1Infer:
    case RouteId::kV1Contexts: return config_.limits.max_body_bytes;
    default: return config_.limits.max_other_body_bytes;
  }
}

HttpResponse App::transport_error(const std::string& code, const std::string& detail) {
  Request r;
  r.request_id = random_hex(16);
  auto c = protocol::code_from_name(code);
  Problem p(c.value_or(ErrorCode::INTERNAL), detail);
  if (!c) p.detail = "The server failed to process the request. Quote the request_id when reporting it.";
  return problem(r, p);
}

void App::drain() {
  AppLog(AppLogLevel::kInfo, "drain_started").num("bound_seconds", config_.drain_seconds).emit();
  state_->drain(std::chrono::seconds(config_.drain_seconds));
  AppLog(AppLogLevel::kInfo, "drain_finished").emit();
}

void App::record_exchange(const HttpRequest& request, const HttpResponse& response, std::uint64_t bytes_in,
                          std::uint64_t bytes_out, double seconds) {
  auto match = match_route(target_path(request.target));
  const std::string route = match ? std::string(match->route->template_path) : std::string("unmatched");
  static const std::array<std::string_view, 7> kMethods = {"GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"};
  const bool known = std::find(kMethods.begin(), kMethods.end(), request.method) != kMethods.end();
  metrics_.record_request(route, known ? request.method : std::string("OTHER"), response.status, seconds, bytes_in,
                          bytes_out);
}

// ------------------------------------------------------------------------------------ handle

HttpResponse App::handle(const HttpRequest& request) {
  Request r;
  r.request_id = random_hex(16);
  HttpResponse resp;
  try {
    resp = handle_unchecked(request, r);
  } catch (const std::exception& e) {
    AppLog(AppLogLevel::kError, "internal_error").str("request_id", r.request_id).str("what", e.what()).emit();
    resp = problem(r, Problem(ErrorCode::INTERNAL,
                              "The server failed to process the request. Quote the request_id when reporting it."));
  } catch (...) {
    resp = problem(r, Problem(ErrorCode::INTERNAL,
                              "The server failed to process the request. Quote the request_id when reporting it."));
  }
  if (observer_) {
    observer_(r.route != nullptr ? std::string(r.route->template_path) : std::string("unmatched"), request, resp);
  }
  if (config_.log_requests) {
    AppLog rec(AppLogLevel::kInfo, "request");
    rec.str("request_id", r.request_id)
        .str("method", protocol::safe_snippet(request.method, 16))
        .str("route", r.route != nullptr ? std::string(r.route->template_path) : std::string("unmatched"))
        .num("status", resp.status);
    if (!r.error_code.empty()) rec.str("code", r.error_code);
    if (r.route != nullptr && r.route->authenticated) rec.str("tenant", r.tenant);
    rec.num("request_bytes", static_cast<std::int64_t>(request.body.size()))
        .num("response_bytes", static_cast<std::int64_t>(resp.body.size()))
        .real("duration_ms",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - r.start).count())
        .emit();
  }
  return resp;
}

HttpResponse App::handle_unchecked(const HttpRequest& request, Request& r) {
  if ((request.method == "GET" || request.method == "DELETE" || request.method == "HEAD") && !request.body.empty()) {
    return problem(r, Problem(ErrorCode::MALFORMED_HTTP, "The HTTP request could not be processed: " +
                                                             request.method + " requests carry no content."));
  }
  if (auto early = stage_a(request, r, /*consume_token=*/true)) return *early;
  const std::uint64_t limit = body_limit(request);
  if (request.body.size() > limit) {
    Problem p(ErrorCode::PAYLOAD_TOO_LARGE, "The request body is " + std::to_string(request.body.size()) +
                                                " bytes; the limit for this route is " + std::to_string(limit) +
                                                " bytes.");
    p.expected_got(limit, static_cast<std::uint64_t>(request.body.size()));
    return problem(r, p);
  }
  return dispatch(request, r);
}

HttpResponse App::dispatch(const HttpRequest& request, Request& r) {
  switch (r.route->id) {
    case RouteId::kHealth: return on_health(r, false);
    case RouteId::kV1Health: return on_health(r, true);
    case RouteId::kReady: return on_ready(r);
    case RouteId::kMetrics: return on_metrics(r);
    case RouteId::kOpenApi: return on_openapi(r);
    case RouteId::kModels: return on_models(r, false);
    case RouteId::kV1Models: return on_models(r, true);
    case RouteId::kV1ModelCard: return on_model_card(r);
    case RouteId::kKeys:
    case RouteId::kV1Keys: return on_keys(r);
    case RouteId::kInfer: return on_infer(request, r, false);
    case RouteId::kV1Infer: return on_infer(request, r, true);
    case RouteId::kJob: return on_job_get(r);
    case RouteId::kV1Job: return request.method == "DELETE" ? on_job_delete(r) : on_job_get(r);
    case RouteId::kInferPlain: return on_plain(request, r, false);
    case RouteId::kV1InferPlain: return on_plain(request, r, true);
    case RouteId::kV1Contexts: return on_context_create(request, r);
    case RouteId::kV1Context: return request.method == "DELETE" ? on_context_delete(r) : on_context_get(r);
  }
  return problem(r, Problem(ErrorCode::NOT_FOUND, "No endpoint."));
}

// ------------------------------------------------------------------------------------ operations

HttpResponse App::on_health(Request& r, bool v1) {
  if (!v1) return json(r, 200, R"({"status":"ok"})");
  return json(r, 200, std::string(R"({"status":"ok","api_version":")") + std::string(protocol::kApiVersion) + "\"}");
}

HttpResponse App::on_ready(Request& r) {
  if (state_->draining()) return problem(r, Problem(ErrorCode::SHUTTING_DOWN, "The server is shutting down."));
  return json(r, 200, std::string(R"({"status":"ready","api_version":")") + std::string(protocol::kApiVersion) + "\"}");
}

HttpResponse App::on_metrics(Request& r) {
  std::vector<std::tuple<std::string, std::string, double>> gauges = {
      {"ei_queue_depth", "Jobs queued, not yet running.", static_cast<double>(state_->queue_depth())},
      {"ei_jobs_running", "Jobs being evaluated.", static_cast<double>(state_->running())},
      {"ei_draining", "1 while the server drains after SIGTERM.", state_->draining() ? 1.0 : 0.0},
  };
  HttpResponse resp;
  resp.status = 200;
  resp.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  resp.headers.emplace_back("API-Version", std::string(protocol::kApiVersion));
  resp.headers.emplace_back("X-Request-ID", r.request_id);
  resp.body = metrics_.render(gauges);
  return resp;
}

HttpResponse App::on_openapi(Request& r) {
  HttpResponse resp;
  resp.status = 200;
  resp.headers.emplace_back("Content-Type", "application/yaml");
  resp.headers.emplace_back("API-Version", std::string(protocol::kApiVersion));
  resp.headers.emplace_back("X-Request-ID", r.request_id);
  resp.body = bundled_openapi_yaml();
  return resp;
}

// ------------------------------------------------------------------------------------ models, keys

HttpResponse App::on_models(Request& r, bool v1) {
  return json(r, 200, v1 ? registry_->v1_models_json() : registry_->root_models_json());
}

HttpResponse App::on_model_card(Request& r) {
  const std::string& model_id = r.params.at(0);
  const std::string& version = r.params.at(1);
  if (const Model* m = registry_->find(model_id, version)) return json(r, 200, dump_json(m->card));
  if (!registry_->has_model_id(model_id)) {
    return problem(r, Problem(ErrorCode::UNKNOWN_MODEL, "No model \"" + protocol::safe_snippet(model_id) +
                                                            "\". GET /v1/models lists the models."));
  }
  return problem(r, Problem(ErrorCode::UNKNOWN_VERSION, "Model \"" + protocol::safe_snippet(model_id) +
                                                            "\" has no version \"" + protocol::safe_snippet(version) +
                                                            "\"."));
}

HttpResponse App::on_keys(Request& r) { return json(r, 200, registry_->keys_json()); }

// ------------------------------------------------------------------------------------ infer

namespace {

// Step 4: model and version lookup.
std::variant<const Model*, Problem> lookup_model(const ModelRegistry& registry, const std::string& model_id,
                                                 const std::string& version) {
  if (const Model* m = registry.find(model_id, version)) return m;
  if (!registry.has_model_id(model_id)) {
    Problem p(ErrorCode::UNKNOWN_MODEL,
              "No model \"" + protocol::safe_snippet(model_id) + "\". GET /v1/models lists the models.");
    return p.at("/model_id");
  }
  Problem p(ErrorCode::UNKNOWN_VERSION, "Model \"" + protocol::safe_snippet(model_id) + "\" has no version \"" +
                                            protocol::safe_snippet(version) + "\".");
  return p.at("/version");
}

std::optional<Problem> parse_body(const HttpRequest& request, const Config& config, nlohmann::json& out) {
  protocol::JsonLimits limits;
  limits.max_depth = config.limits.max_json_depth;
  limits.max_bytes = static_cast<std::size_t>(std::max(config.limits.max_body_bytes, config.limits.max_plain_body_bytes));
  auto parsed = protocol::parse_json(request.body, limits);
  if (auto* err = std::get_if<protocol::JsonError>(&parsed)) {
    if (err->too_large) return Problem(ErrorCode::PAYLOAD_TOO_LARGE, err->detail);
    return Problem(ErrorCode::MALFORMED_JSON, err->detail);
  }
  out = std::get<nlohmann::json>(std::move(parsed));
  return std::nullopt;
}

std::string join_u64(const std::vector<std::uint64_t>& v) {
  std::string out;
  for (auto x : v) {
    if (!out.empty()) out += ", ";
    out += std::to_string(x);
  }
  return out;
}

}  // namespace

HttpResponse App::on_infer(const HttpRequest& request, Request& r, bool v1) {
  const std::string operation = v1 ? "POST /v1/infer" : "POST /infer";
  const std::string jobs_prefix = v1 ? "/v1/jobs/" : "/jobs/";
  const std::string* idem_header = header(request, "idempotency-key");
  const std::string body_sha = idem_header != nullptr ? sha256_hex(request.body) : std::string();

  auto respond_with_job = [&](const std::string& job_id, ojson snapshot, bool replayed) -> HttpResponse {
    const WaitChoice choice = choose_wait(request, config_);
    bool final = snapshot.value("status", "") == "completed" || snapshot.value("status", "") == "failed";
    if (!final && choice.wait.count() > 0) {
      auto waited = state_->wait(job_id, std::chrono::steady_clock::now() + choice.wait);
      if (!waited.first.empty()) snapshot = std::move(waited.first);
      final = waited.second;
    }
    HttpResponse resp = json(r, final ? 200 : 202, dump_json(snapshot));
    if (final) {
      resp.headers.emplace_back("Content-Location", jobs_prefix + job_id);
    } else {
      resp.headers.emplace_back("Location", jobs_prefix + job_id);
      resp.headers.emplace_back("Retry-After", "1");
    }
    if (choice.applied) resp.headers.emplace_back("Preference-Applied", *choice.applied);
    if (replayed) resp.headers.emplace_back("Idempotent-Replayed", "true");
    return resp;
  };

  // Step 1a: idempotency (requests with one key are serialized for the whole exchange).
  std::optional<State::KeyGuard> guard;
  if (idem_header != nullptr) {
    guard.emplace(state_->lock_idempotency_key(r.tenant, *idem_header));
    if (auto hit = state_->find_idempotent(r.tenant, *idem_header, body_sha)) {
      if (!hit->same_body) {
        return problem(r, Problem(ErrorCode::IDEMPOTENCY_CONFLICT,
                                  "Idempotency-Key " + protocol::safe_snippet(*idem_header, 255) +
                                      " was already used for job " + hit->job_id + " with a different request body."));
      }
      auto current = state_->get_job(r.tenant, hit->job_id);
      if (auto* body = std::get_if<ojson>(&current)) return respond_with_job(hit->job_id, std::move(*body), true);
    }
  }

  // Steps 2-3.
  nlohmann::json dom;
  if (auto p = parse_body(request, config_, dom)) return problem(r, *p);
  auto decoded = protocol::decode_infer_request(std::move(dom), operation);
  if (auto* p = std::get_if<Problem>(&decoded)) return problem(r, *p);
  protocol::InferRequest req = std::get<protocol::InferRequest>(std::move(decoded));
  if (req.inputs.size() > config_.limits.max_inputs) {
    Problem p(ErrorCode::SCHEMA_VIOLATION, "The request does not match the schema of " + operation + ": 1 violation.");
    p.errors.push_back({"/inputs", "maxItems", "must have at most " + std::to_string(config_.limits.max_inputs) + " items"});
    return problem(r, p);
  }

  // Step 4.
  auto found = lookup_model(*registry_, req.model_id, req.version);
  if (auto* p = std::get_if<Problem>(&found)) return problem(r, *p);
  const Model& model = *std::get<const Model*>(found);

  // Step 5: request constraints.
  const std::string layout_name = req.layout.value_or("feature_columns");
  const ModelLayout* layout = model.layout(layout_name);
  if (layout == nullptr) {
    Problem p(ErrorCode::LAYOUT_UNSUPPORTED, "Model " + model.model_id + " " + model.version +
                                                 " does not support layout \"" + protocol::safe_snippet(layout_name) +
                                                 "\"; it supports " + model.layout_names() + ".");
    return problem(r, p.at("/layout"));
  }
  if (req.inputs.size() != layout->input_count) {
    Problem p(ErrorCode::INPUT_COUNT_MISMATCH, "inputs has " + std::to_string(req.inputs.size()) +
                                                   " ciphertexts; layout " + layout->name + " of " + model.model_id +
                                                   " " + model.version + " takes " +
                                                   std::to_string(layout->input_count) + ".");
    p.at("/inputs").expected_got(layout->input_count, req.inputs.size());
    return problem(r, p);
  }
  if (req.batch_size > layout->max_batch_size) {
    Problem p(ErrorCode::BATCH_TOO_LARGE, "batch_size " + std::to_string(req.batch_size) + " exceeds the limit of " +
                                              std::to_string(layout->max_batch_size) + " for layout " + layout->name +
                                              " of " + model.model_id + " " + model.version + ".");
    p.at("/batch_size").expected_got(layout->max_batch_size, req.batch_size);
    return problem(r, p);
  }
  std::optional<State::ContextUse> context;
  if (req.context_id) {
    auto resolved = state_->resolve_context(r.tenant, *req.context_id, model.model_id, model.version);
    if (auto* p = std::get_if<Problem>(&resolved)) return problem(r, *p);
    context = std::get<State::ContextUse>(std::move(resolved));
  }
  {
    const bool needs_relin = layout->plan.relinearization;
    const auto& needed = layout->plan.galois_elements;
    if (needs_relin || !needed.empty()) {
      std::string missing;
      if (!context) {
        missing = needs_relin ? "relinearization keys" : "";
        if (!needed.empty()) missing += std::string(missing.empty() ? "" : " and ") + "Galois keys for elements " + join_u64(needed);
        Problem p(ErrorCode::EVALUATION_KEYS_REQUIRED,
                  "Layout " + layout->name + " of " + model.model_id + " " + model.version + " needs " + missing +
                      ": register them with POST /v1/contexts and send context_id.");
        return problem(r, p.at("/context_id"));
      }
      const LoadedKeys& keys = *context->keys;
      std::vector<std::uint64_t> absent;
      for (auto elt : needed) {
        if (!keys.galois || !keys.galois->has_key(elt)) absent.push_back(elt);
      }
      if ((needs_relin && !keys.relin) || !absent.empty()) {
        if (needs_relin && !keys.relin) missing = "relinearization keys";
        if (!absent.empty()) missing += std::string(missing.empty() ? "" : " and ") + "Galois keys for elements " + join_u64(absent);
        Problem p(ErrorCode::EVALUATION_KEYS_REQUIRED,
                  "Context " + context->context_id + " lacks " + missing + ", which layout " + layout->name + " of " +
                      model.model_id + " " + model.version + " needs.");
        return problem(r, p.at("/context_id"));
      }
    }
  }

  // Step 6: decoded size of every input, before decoding any.
  for (std::size_t i = 0; i < req.inputs.size(); ++i) {
    const std::uint64_t size = protocol::decoded_size_upper_bound(req.inputs[i].encoding, req.inputs[i].payload);
    if (size > layout->max_input_bytes) {
      Problem p(ErrorCode::INPUT_TOO_LARGE, "inputs[" + std::to_string(i) + "] would decode to " + std::to_string(size) +
                                                " bytes; the largest valid input for this layout is " +
                                                std::to_string(layout->max_input_bytes) + " bytes.");
      p.at("/inputs/" + std::to_string(i) + "/payload").expected_got(layout->max_input_bytes, size);
      return problem(r, p);
    }
  }

  // Steps 7-9, input by input.
  std::vector<rlwe::Ciphertext> cts;
  std::vector<std::vector<std::uint8_t>> raw;
  cts.reserve(req.inputs.size());
  for (std::size_t i = 0; i < req.inputs.size(); ++i) {
    const std::string idx = std::to_string(i);
    const std::string pointer = "/inputs/" + idx + "/payload";
    auto bytes = protocol::decode(req.inputs[i].encoding, req.inputs[i].payload);
    if (auto* f = std::get_if<protocol::DecodeFailure>(&bytes)) {
      Problem p(ErrorCode::BAD_ENCODING, "inputs[" + idx + "].payload is not valid " +
                                             std::string(protocol::encoding_name(req.inputs[i].encoding)) + ": " +
                                             f->reason + ".");
      return problem(r, p.at(pointer));
    }
    std::string().swap(req.inputs[i].payload);  // release the text early
    auto& data = std::get<std::vector<std::uint8_t>>(bytes);
    auto loaded = ser::load_ciphertext(*model.context, data);
    if (!loaded.ok() && loaded.status().code() == ei::Code::INVALID_SIZE) {
      // docs/api.md §5: a polynomial count of 0 is a SEAL ciphertext (SEAL loads empty ones) of the
      // wrong size, CIPHERTEXT_SIZE_MISMATCH after the level check; the engine's load rejects it
      // with INVALID_SIZE together with sizes 1 and 17+ (CIPHERTEXT_MALFORMED).
      auto info = ser::inspect(data, model.context.get(), ser::ObjectKind::kCiphertext);
      if (info.ok() && info.value().size == 0 && info.value().parms_id) {
        const rlwe::ParmsId got = *info.value().parms_id;
        if (got != layout->plan.input_parms_id) {
          Problem p(ErrorCode::LEVEL_MISMATCH, "inputs[" + idx + "] is at chain index " + chain_index_text(model, got) +
                                                   "; the " + layout->name + " layout takes inputs at chain index " +
                                                   std::to_string(layout->plan.input_chain_index) + ".");
          p.at(pointer).expected_got(rlwe::parms_id_hex(layout->plan.input_parms_id), rlwe::parms_id_hex(got));
          return problem(r, p);
        }
        Problem p(ErrorCode::CIPHERTEXT_SIZE_MISMATCH, "inputs[" + idx + "] has 0 polynomials; inputs must have 2.");
        p.at(pointer).expected_got(2, 0);
        return problem(r, p);
      }
    }
    if (!loaded.ok()) {
      const ei::Code engine = loaded.status().code();
      const ErrorCode code = protocol::map_ciphertext_load(engine).value_or(ErrorCode::INTERNAL);
      Problem p(code, "");
      const std::string in_parms = rlwe::parms_id_hex(layout->plan.input_parms_id);
      std::optional<rlwe::ParmsId> got_parms;
      if (code == ErrorCode::PARAMS_MISMATCH || code == ErrorCode::LEVEL_MISMATCH) {
        auto info = ser::inspect(data, nullptr, ser::ObjectKind::kCiphertext);
        if (info.ok() && info.value().parms_id) got_parms = *info.value().parms_id;
      }
      switch (code) {
        case ErrorCode::PARAMS_MISMATCH:
          p.detail = "inputs[" + idx + "] was encrypted under other encryption parameters: its parms_id is not in "
                     "the modulus chain of " + model.model_id + " " + model.version + ".";
          if (got_parms) p.expected_got(in_parms, rlwe::parms_id_hex(*got_parms));
          break;
        case ErrorCode::LEVEL_MISMATCH:
          p.detail = "inputs[" + idx + "] is at " +
                     (got_parms ? "chain index " + chain_index_text(model, *got_parms) : std::string("the key level")) +
                     "; the " + layout->name + " layout takes inputs at chain index " +
                     std::to_string(layout->plan.input_chain_index) + ".";
          if (got_parms) p.expected_got(in_parms, rlwe::parms_id_hex(*got_parms));
          break;
        case ErrorCode::NOT_NTT_FORM: p.detail = "inputs[" + idx + "] is not in NTT form."; break;
        case ErrorCode::CIPHERTEXT_MALFORMED:
          p.detail = "inputs[" + idx + "] is not a valid SEAL ciphertext for " + model.model_id + " " + model.version +
                     ": " + std::string(ei::code_description(engine)) + ".";
          break;
        default:
          AppLog(AppLogLevel::kError, "unexpected_load_status")
              .str("request_id", r.request_id)
              .str("engine_code", std::string(ei::code_name(engine)))
              .emit();
          p.detail = "The server failed to process the request. Quote the request_id when reporting it.";
          return problem(r, p);
      }
      return problem(r, p.at(pointer));
    }
    rlwe::Ciphertext ct = std::move(loaded).value();
    if (ct.parms_id != layout->plan.input_parms_id) {
      Problem p(ErrorCode::LEVEL_MISMATCH, "inputs[" + idx + "] is at chain index " +
                                               chain_index_text(model, ct.parms_id) + "; the " + layout->name +
                                               " layout takes inputs at chain index " +
                                               std::to_string(layout->plan.input_chain_index) + ".");
      p.at(pointer).expected_got(rlwe::parms_id_hex(layout->plan.input_parms_id), rlwe::parms_id_hex(ct.parms_id));
      return problem(r, p);
    }
    if (ct.size != 2) {
      Problem p(ErrorCode::CIPHERTEXT_SIZE_MISMATCH,
                "inputs[" + idx + "] has " + std::to_string(ct.size) + " polynomials; inputs must have 2.");
      p.at(pointer).expected_got(2, ct.size);
      return problem(r, p);
    }
    if (ct.scale != layout->plan.input_scale) {
      Problem p(ErrorCode::SCALE_MISMATCH, "inputs[" + idx + "] has scale " + json_number(ct.scale).dump() +
                                               "; the layout requires exactly " +
                                               json_number(layout->plan.input_scale).dump() + ".");
      p.at(pointer).expected_got(json_number(layout->plan.input_scale), json_number(ct.scale));
      return problem(r, p);
    }
    if (transparent(ct)) {
      Problem p(ErrorCode::TRANSPARENT_CIPHERTEXT,
                "inputs[" + idx + "] is transparent (its second polynomial is zero): it is not an encryption.");
      return problem(r, p.at(pointer));
    }
    cts.push_back(std::move(ct));
    if (state_->persistent()) {
      raw.push_back(std::move(data));
    }
  }

  // Enqueue.
  auto job = std::make_shared<Job>();
  job->job_id = random_hex(16);
  job->tenant = r.tenant;
  job->request_id = r.request_id;
  job->model_id = model.model_id;
  job->version = model.version;
  job->layout = layout->name;
  job->batch_size = req.batch_size;
  if (context) job->context_id = context->context_id;
  job->encoding = req.encoding();
  job->compression = req.result_compression;
  if (idem_header != nullptr) job->idempotency_key = *idem_header;
  job->body_sha256 = body_sha;
  job->inputs = std::move(cts);
  if (context) job->keys = context->keys;
  auto submitted = state_->submit(job, raw);
  if (auto* p = std::get_if<Problem>(&submitted)) return problem(r, *p);
  return respond_with_job(job->job_id, std::get<ojson>(std::move(submitted)), false);
}

HttpResponse App::on_job_get(Request& r) {
  const std::string& id = r.params.at(0);
  if (!protocol::is_job_id(id)) {
    return problem(r, Problem(ErrorCode::UNKNOWN_JOB, "No job " + protocol::safe_snippet(id, 80) + "."));
  }
  auto result = state_->get_job(r.tenant, id);
  if (auto* p = std::get_if<Problem>(&result)) return problem(r, *p);
  return json(r, 200, dump_json(std::get<ojson>(result)));
}

HttpResponse App::on_job_delete(Request& r) {
  const std::string& id = r.params.at(0);
  if (!protocol::is_job_id(id)) {
    return problem(r, Problem(ErrorCode::UNKNOWN_JOB, "No job " + protocol::safe_snippet(id, 80) + "."));
  }
  if (auto p = state_->delete_job(r.tenant, id)) return problem(r, *p);
  HttpResponse resp;
  resp.status = 204;
  resp.headers.emplace_back("API-Version", std::string(protocol::kApiVersion));
  resp.headers.emplace_back("X-Request-ID", r.request_id);
  return resp;
}

// ------------------------------------------------------------------------------------ plain

HttpResponse App::on_plain(const HttpRequest& request, Request& r, bool v1) {
  const std::string operation = v1 ? "POST /v1/infer/plain" : "POST /infer/plain";
  nlohmann::json dom;
  if (auto p = parse_body(request, config_, dom)) return problem(r, *p);
  auto decoded = protocol::decode_plain_request(std::move(dom), v1, operation);
  if (auto* p = std::get_if<Problem>(&decoded)) return problem(r, *p);
  const protocol::PlainRequest req = std::get<protocol::PlainRequest>(std::move(decoded));
  auto found = lookup_model(*registry_, req.model_id, req.version);
  if (auto* p = std::get_if<Problem>(&found)) return problem(r, *p);
  const Model& model = *std::get<const Model*>(found);
  for (std::size_t row = 0; row < req.rows.size(); ++row) {
    if (req.rows[row].size() != model.input_dimension) {
      Problem p(ErrorCode::INPUT_COUNT_MISMATCH,
                (req.batch_form ? "inputs[" + std::to_string(row) + "]" : std::string("inputs")) + " has " +
                    std::to_string(req.rows[row].size()) + " numbers; " + model.model_id + " " + model.version +
                    " takes " + std::to_string(model.input_dimension) + ".");
      p.at(req.batch_form ? "/inputs/" + std::to_string(row) : std::string("/inputs"))
          .expected_got(model.input_dimension, req.rows[row].size());
      return problem(r, p);
    }
  }
  if (req.rows.size() > model.max_batch_size) {
    Problem p(ErrorCode::BATCH_TOO_LARGE, "The batch has " + std::to_string(req.rows.size()) + " samples; " +
                                              model.model_id + " " + model.version + " accepts at most " +
                                              std::to_string(model.max_batch_size) + ".");
    p.at("/inputs").expected_got(model.max_batch_size, req.rows.size());
    return problem(r, p);
  }
  ojson outputs = ojson::array();
  for (const auto& row : req.rows) {
    const double y = model.runtime->evaluate_plain(row);
    if (req.batch_form) {
      outputs.push_back(ojson::array({y}));
    } else {
      outputs.push_back(y);
    }
  }
  ojson body;
  if (v1) body["api_version"] = std::string(protocol::kApiVersion);
  body["model_id"] = model.model_id;
  body["version"] = model.version;
  body["outputs"] = std::move(outputs);
  ojson diag;
  diag["mode"] = "plain";
  if (v1) {
    diag["form"] = req.batch_form ? "batch" : "single";
    diag["batch_size"] = req.rows.size();
  }
  body["diagnostics"] = std::move(diag);
  return json(r, 200, dump_json(body));
}

// ------------------------------------------------------------------------------------ contexts

HttpResponse App::on_context_create(const HttpRequest& request, Request& r) {
  nlohmann::json dom;
  if (auto p = parse_body(request, config_, dom)) return problem(r, *p);
  auto decoded = protocol::decode_context_request(std::move(dom), "POST /v1/contexts");
  if (auto* p = std::get_if<Problem>(&decoded)) return problem(r, *p);
  protocol::ContextRequest req = std::get<protocol::ContextRequest>(std::move(decoded));
  auto found = lookup_model(*registry_, req.model_id, req.version);
  if (auto* p = std::get_if<Problem>(&found)) return problem(r, *p);
  const Model& model = *std::get<const Model*>(found);

  auto keys = std::make_shared<LoadedKeys>();
  const std::string key_parms = rlwe::parms_id_hex(model.context->key_parms_id());
  auto load_one = [&](const protocol::EncodedPayload& payload, const char* member, bool relin,
                      std::vector<std::uint8_t>& out_bytes) -> std::optional<Problem> {
    const std::string pointer = std::string("/") + member + "/payload";
    auto bytes = protocol::decode(payload.encoding, payload.payload);
    if (auto* f = std::get_if<protocol::DecodeFailure>(&bytes)) {
      Problem p(ErrorCode::BAD_ENCODING, std::string(member) + ".payload is not valid " +
                                             std::string(protocol::encoding_name(payload.encoding)) + ": " + f->reason +
                                             ".");
      return p.at(pointer);
    }
    auto& data = std::get<std::vector<std::uint8_t>>(bytes);
    const char* kind = relin ? "RelinKeys" : "GaloisKeys";
    Status st;
    rlwe::ParmsId parms{};
    if (relin) {
      auto loaded = ser::load_relin_keys(*model.context, data);
      if (loaded.ok()) {
        parms = loaded.value().parms_id;
        keys->relin = std::move(loaded).value();
      } else {
        st = loaded.status();
      }
    } else {
      auto loaded = ser::load_galois_keys(*model.context, data);
      if (loaded.ok()) {
        parms = loaded.value().parms_id;
        keys->galois = std::move(loaded).value();
      } else {
        st = loaded.status();
      }
    }
    if (!st.ok()) {
      const ErrorCode code = protocol::map_key_load(st.code()).value_or(ErrorCode::INTERNAL);
      Problem p(code, "");
      if (code == ErrorCode::PARAMS_MISMATCH) {
        p.detail = std::string(member) + " was generated under other encryption parameters than " + model.model_id +
                   " " + model.version + ".";
      } else if (code == ErrorCode::KEY_MALFORMED) {
        p.detail = std::string(member) + " is not a valid SEAL " + kind + " object for " + model.model_id + " " +
                   model.version + ": " + std::string(ei::code_description(st.code())) + ".";
      } else {
        p.detail = "The server failed to process the request. Quote the request_id when reporting it.";
        return p;
      }
      return p.at(pointer);
    }
    if (parms != model.context->key_parms_id()) {
      Problem p(ErrorCode::PARAMS_MISMATCH, std::string(member) + " are not at the key level of " + model.model_id +
                                                " " + model.version + ".");
      p.at(pointer).expected_got(key_parms, rlwe::parms_id_hex(parms));
      return p;
    }
    out_bytes = std::move(data);
    return std::nullopt;
  };
  std::vector<std::uint8_t> relin_bytes;
  std::vector<std::uint8_t> galois_bytes;
  if (req.relin_keys) {
    if (auto p = load_one(*req.relin_keys, "relin_keys", true, relin_bytes)) return problem(r, *p);
  }
  if (req.galois_keys) {
    if (auto p = load_one(*req.galois_keys, "galois_keys", false, galois_bytes)) return problem(r, *p);
  }
  if (keys->galois) {
    for (std::size_t i = 0; i < keys->galois->keys.size(); ++i) {
      if (!keys->galois->keys[i].empty()) keys->galois_elements.push_back(2 * i + 1);
    }
  }
  keys->bytes = relin_bytes.size() + galois_bytes.size();
  const std::string context_id = context_id_of(model.model_id, model.version, relin_bytes, galois_bytes);
  if (state_->persistent()) {
    keys->relin_bytes = std::move(relin_bytes);
    keys->galois_bytes = std::move(galois_bytes);
  }
  std::int64_t ttl = req.ttl_seconds.value_or(config_.contexts.default_ttl_seconds);
  ttl = std::clamp(ttl, config_.contexts.min_ttl_seconds, config_.contexts.max_ttl_seconds);
  auto registered = state_->register_context(r.tenant, context_id, model.model_id, model.version, ttl, keys);
  if (auto* p = std::get_if<Problem>(&registered)) return problem(r, *p);
  auto& result = std::get<State::RegisterResult>(registered);
  HttpResponse resp = json(r, result.created ? 201 : 200, dump_json(result.body));
  resp.headers.emplace_back(result.created ? "Location" : "Content-Location", "/v1/contexts/" + context_id);
  return resp;
}

HttpResponse App::on_context_get(Request& r) {
  const std::string& id = r.params.at(0);
  if (!protocol::is_context_id(id)) {
    return problem(r, Problem(ErrorCode::UNKNOWN_CONTEXT, "No context " + protocol::safe_snippet(id, 80) + "."));
  }
  auto result = state_->get_context(r.tenant, id);
  if (auto* p = std::get_if<Problem>(&result)) return problem(r, *p);
  return json(r, 200, dump_json(std::get<ojson>(result)));
}

HttpResponse App::on_context_delete(Request& r) {
  const std::string& id = r.params.at(0);
  if (!protocol::is_context_id(id)) {
    return problem(r, Problem(ErrorCode::UNKNOWN_CONTEXT, "No context " + protocol::safe_snippet(id, 80) + "."));
  }
  if (auto p = state_->delete_context(r.tenant, id)) return problem(r, *p);
  HttpResponse resp;
  resp.status = 204;
  resp.headers.emplace_back("API-Version", std::string(protocol::kApiVersion));
  resp.headers.emplace_back("X-Request-ID", r.request_id);
  return resp;
}

}  // namespace ei::server
