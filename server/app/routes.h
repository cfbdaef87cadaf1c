// The route table of docs/api.md §3: path templates, methods, surfaces and per-route properties.
//
// Thread-safety: pure functions over constant data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ei::server {

enum class RouteId {
  kHealth,        // GET /health
  kModels,        // GET /models
  kInfer,         // POST /infer
  kJob,           // GET /jobs/{job_id}
  kInferPlain,    // POST /infer/plain
  kKeys,          // GET /keys
  kV1Health,      // GET /v1/health
  kV1Models,      // GET /v1/models
  kV1ModelCard,   // GET /v1/models/{model_id}/versions/{version}
  kV1Infer,       // POST /v1/infer
  kV1Job,         // GET, DELETE /v1/jobs/{job_id}
  kV1InferPlain,  // POST /v1/infer/plain
  kV1Keys,        // GET /v1/keys
  kV1Contexts,    // POST /v1/contexts
  kV1Context,     // GET, DELETE /v1/contexts/{context_id}
  kReady,         // GET /ready
  kMetrics,       // GET /metrics
  kOpenApi,       // GET /openapi.yaml
};

enum class RateClass { kNone, kSubmit, kRead };

struct RouteInfo {
  RouteId id;
  std::string_view template_path;  // e.g. "/v1/jobs/{job_id}" (metrics label)
  std::vector<std::string_view> methods;
  bool root_surface;   // v1.0-compatible root path
  bool authenticated;  // needs credentials in api_key mode, has a tenant
  bool operations;     // /health, /v1/health, /ready, /metrics, /openapi.yaml
};

struct RouteMatch {
  const RouteInfo* route = nullptr;
  std::vector<std::string> params;  // percent-decoded path parameters, in order
};

// The path of a request target without its query string.
[[nodiscard]] std::string_view target_path(std::string_view target);

// Matches a path exactly (no trailing slash, no empty segments, no case folding). nullopt: no
// route (NOT_FOUND).
[[nodiscard]] std::optional<RouteMatch> match_route(std::string_view path);

[[nodiscard]] bool method_allowed(const RouteInfo& route, std::string_view method);
// "GET" or "GET, DELETE".
[[nodiscard]] std::string allow_header(const RouteInfo& route);

// Rate-limit class of a request (docs/api.md §15.3): submit = POST /infer, POST /infer/plain,
// POST /v1/contexts on either surface; read = every other authenticated request.
[[nodiscard]] RateClass rate_class(const RouteInfo& route, std::string_view method);
// Routes that create work (stage A6).
[[nodiscard]] bool creates_work(const RouteInfo& route, std::string_view method);

// Percent-decodes once ("+" stays a plus). Invalid escapes are kept literally.
[[nodiscard]] std::string percent_decode(std::string_view s);

}  // namespace ei::server
