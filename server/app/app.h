// App: the Application of ei-server (docs/api.md): routing of the root (v1.0-compatible) and /v1
// surfaces, the validation pipeline in the documented order, jobs, evaluation-key contexts,
// tenancy and auth, rate limits, metrics, health/readiness and the self-contained OpenAPI
// document.
//
// Thread-safety: every Application method may be called concurrently (application.h).
// Ownership: App owns the registry (shared), the state (jobs, contexts, worker threads), the
//   rate limiter and the metrics. Destroying it stops the workers.
// Errors: create() returns INVALID_ARGUMENT naming the configuration field, model file and member,
//   or keys file line that is wrong. Request handling never throws; every failure is a problem
//   response with a catalogue code (an unexpected exception becomes 500 INTERNAL).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "server/app/application.h"
#include "server/app/auth.h"
#include "server/app/config.h"
#include "server/app/metrics.h"
#include "server/app/model_registry.h"
#include "server/app/rate_limiter.h"
#include "server/app/routes.h"
#include "server/app/state.h"

namespace ei::server {

class App final : public Application {
 public:
  // Validates the configuration, loads the models (config.models_dir, or the bundled models when
  // empty), the API keys (auth api_key) and the store, restores persisted jobs and contexts, and
  // starts the worker pool.
  [[nodiscard]] static Result<std::unique_ptr<App>> create(const Config& config);
  // As create(), with an already loaded registry (tests share one across App instances).
  [[nodiscard]] static Result<std::unique_ptr<App>> create(const Config& config,
                                                           std::shared_ptr<const ModelRegistry> registry);
  ~App() override;

  std::optional<HttpResponse> precheck(const HttpRequest& head) override;
  std::uint64_t body_limit(const HttpRequest& head) const override;
  HttpResponse handle(const HttpRequest& request) override;
  HttpResponse transport_error(const std::string& code, const std::string& detail) override;
  void drain() override;
  void record_exchange(const HttpRequest& request, const HttpResponse& response, std::uint64_t bytes_in,
                       std::uint64_t bytes_out, double seconds) override;

  // Observes every exchange handle() answers: (route template or "unmatched", request, response).
  // For tests and tooling (e.g. validating every response against its schema). Set it before
  // the first request; it is called on request threads and must be thread-safe.
  using ExchangeObserver = std::function<void(const std::string& route, const HttpRequest&, const HttpResponse&)>;
  void set_exchange_observer(ExchangeObserver observer) { observer_ = std::move(observer); }

  [[nodiscard]] const Config& config() const noexcept { return config_; }
  [[nodiscard]] const ModelRegistry& registry() const noexcept { return *registry_; }
  [[nodiscard]] State& state() noexcept { return *state_; }
  [[nodiscard]] Metrics& metrics() noexcept { return metrics_; }

  struct Request;  // per-request context (app.cpp)

 private:
  App(const Config& config, std::shared_ptr<const ModelRegistry> registry);

  HttpResponse handle_unchecked(const HttpRequest& request, Request& r);
  std::optional<HttpResponse> stage_a(const HttpRequest& request, Request& r, bool consume_token);
  HttpResponse dispatch(const HttpRequest& request, Request& r);

  HttpResponse on_health(Request& r, bool v1);
  HttpResponse on_ready(Request& r);
  HttpResponse on_metrics(Request& r);
  HttpResponse on_openapi(Request& r);
  HttpResponse on_models(Request& r, bool v1);
  HttpResponse on_model_card(Request& r);
  HttpResponse on_keys(Request& r);
  HttpResponse on_infer(const HttpRequest& request, Request& r, bool v1);
  HttpResponse on_job_get(Request& r);
  HttpResponse on_job_delete(Request& r);
  HttpResponse on_plain(const HttpRequest& request, Request& r, bool v1);
  HttpResponse on_context_create(const HttpRequest& request, Request& r);
  HttpResponse on_context_get(Request& r);
  HttpResponse on_context_delete(Request& r);

  HttpResponse problem(Request& r, const protocol::Problem& p);
  HttpResponse json(Request& r, int status, std::string body);

  Config config_;
  std::shared_ptr<const ModelRegistry> registry_;
  std::optional<ApiKeys> api_keys_;
  Metrics metrics_;
  RateLimiter rate_limiter_;
  std::unique_ptr<State> state_;
  ExchangeObserver observer_;
};

// The bundled OpenAPI document, self-contained (generated at build time from openapi.yaml and
// schemas/ by server/app/bundle_openapi.py, the algorithm of docs/api.md §18).
[[nodiscard]] const std::string& bundled_openapi_yaml();

}  // namespace ei::server
