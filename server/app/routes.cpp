#include "server/app/routes.h"

#include <array>

namespace ei::server {
namespace {

const std::array<RouteInfo, 18>& routes() {
  static const std::array<RouteInfo, 18> kRoutes = {{
      {RouteId::kHealth, "/health", {"GET"}, true, false, true},
      {RouteId::kModels, "/models", {"GET"}, true, true, false},
      {RouteId::kInfer, "/infer", {"POST"}, true, true, false},
      {RouteId::kJob, "/jobs/{job_id}", {"GET"}, true, true, false},
      {RouteId::kInferPlain, "/infer/plain", {"POST"}, true, true, false},
      {RouteId::kKeys, "/keys", {"GET"}, true, true, false},
      {RouteId::kV1Health, "/v1/health", {"GET"}, false, false, true},
      {RouteId::kV1Models, "/v1/models", {"GET"}, false, true, false},
      {RouteId::kV1ModelCard, "/v1/models/{model_id}/versions/{version}", {"GET"}, false, true, false},
      {RouteId::kV1Infer, "/v1/infer", {"POST"}, false, true, false},
      {RouteId::kV1Job, "/v1/jobs/{job_id}", {"GET", "DELETE"}, false, true, false},
      {RouteId::kV1InferPlain, "/v1/infer/plain", {"POST"}, false, true, false},
      {RouteId::kV1Keys, "/v1/keys", {"GET"}, false, true, false},
      {RouteId::kV1Contexts, "/v1/contexts", {"POST"}, false, true, false},
      {RouteId::kV1Context, "/v1/contexts/{context_id}", {"GET", "DELETE"}, false, true, false},
      {RouteId::kReady, "/ready", {"GET"}, false, false, true},
      {RouteId::kMetrics, "/metrics", {"GET"}, false, false, true},
      {RouteId::kOpenApi, "/openapi.yaml", {"GET"}, false, false, true},
  }};
  return kRoutes;
}

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (true) {
    const std::size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view target_path(std::string_view target) {
  const std::size_t q = target.find('?');
  std::string_view path = q == std::string_view::npos ? target : target.substr(0, q);
  const std::size_t hash = path.find('#');
  return hash == std::string_view::npos ? path : path.substr(0, hash);
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>((hi << 4) | lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::optional<RouteMatch> match_route(std::string_view path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  const auto segs = split(path);
  for (auto seg : segs) {
    if (seg.empty()) return std::nullopt;  // "//", trailing slash, "/"
  }
  for (const auto& route : routes()) {
    const auto tsegs = split(route.template_path);
    if (tsegs.size() != segs.size()) continue;
    RouteMatch m;
    bool ok = true;
    for (std::size_t i = 0; i < segs.size() && ok; ++i) {
      if (!tsegs[i].empty() && tsegs[i].front() == '{') {
        m.params.push_back(percent_decode(segs[i]));
      } else if (tsegs[i] != segs[i]) {
        ok = false;
      }
    }
    if (ok) {
      m.route = &route;
      return m;
    }
  }
  return std::nullopt;
}

bool method_allowed(const RouteInfo& route, std::string_view method) {
  for (auto m : route.methods) {
    if (m == method) return true;
  }
  return false;
}

std::string allow_header(const RouteInfo& route) {
  std::string out;
  for (auto m : route.methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

RateClass rate_class(const RouteInfo& route, std::string_view method) {
  if (!route.authenticated) return RateClass::kNone;
  return creates_work(route, method) ? RateClass::kSubmit : RateClass::kRead;
}

bool creates_work(const RouteInfo& route, std::string_view method) {
  if (method != "POST") return false;
  switch (route.id) {
    case RouteId::kInfer:
    case RouteId::kV1Infer:
    case RouteId::kInferPlain:
    case RouteId::kV1InferPlain:
    case RouteId::kV1Contexts: return true;
    default: return false;
  }
}

}  // namespace ei::server
