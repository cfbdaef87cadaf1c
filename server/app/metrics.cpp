#include "server/app/metrics.h"

#include <cstdio>
#include <sstream>

namespace ei::server {
namespace {

const std::vector<double>& latency_bounds() {
  static const std::vector<double> b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return b;
}
const std::vector<double>& evaluation_bounds() {
  static const std::vector<double> b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

std::string esc(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string bound(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void render_histogram(std::ostringstream& out, const std::string& name, const std::string& labels,
                      const std::vector<double>& bounds, const std::vector<std::uint64_t>& counts, double sum,
                      std::uint64_t count) {
  std::uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += counts[i];
    out << name << "_bucket{" << labels << sep << "le=\"" << bound(bounds[i]) << "\"} " << cumulative << "\n";
  }
  out << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << count << "\n";
  out << name << "_sum{" << labels << "} " << num(sum) << "\n";
  out << name << "_count{" << labels << "} " << count << "\n";
}

}  // namespace

void Metrics::observe(Histogram& h, const std::vector<double>& bounds, double v) {
  if (h.buckets.empty()) h.buckets.assign(bounds.size(), 0);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (v <= bounds[i]) {
      ++h.buckets[i];
      break;
    }
  }
  h.sum += v;
  ++h.count;
}

void Metrics::record_request(const std::string& route, const std::string& method, int status, double seconds,
                             std::uint64_t bytes_in, std::uint64_t bytes_out) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, method, status}];
  observe(latency_[route], latency_bounds(), seconds);
  bytes_in_[route] += bytes_in;
  bytes_out_[route] += bytes_out;
}

void Metrics::record_validation_failure(const std::string& code) {
  std::lock_guard<std::mutex> lock(mu_);
  ++validation_failures_[code];
}

void Metrics::record_evaluation(const std::string& model_id, const std::string& version, const std::string& layout,
                                double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  observe(evaluation_[{model_id, version, layout}], evaluation_bounds(), seconds);
}

void Metrics::record_job_finished(const std::string& status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++jobs_finished_[status];
}

std::string Metrics::render(const std::vector<std::tuple<std::string, std::string, double>>& gauges) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  out << "# HELP ei_http_requests_total HTTP requests by route template, method and status.\n"
      << "# TYPE ei_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out << "ei_http_requests_total{route=\"" << esc(std::get<0>(key)) << "\",method=\"" << esc(std::get<1>(key))
        << "\",status=\"" << std::get<2>(key) << "\"} " << n << "\n";
  }
  out << "# HELP ei_http_request_duration_seconds Request latency by route template.\n"
      << "# TYPE ei_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    render_histogram(out, "ei_http_request_duration_seconds", "route=\"" + esc(route) + "\"", latency_bounds(),
                     h.buckets, h.sum, h.count);
  }
  for (const auto& [name, help, value] : gauges) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n" << name << " " << num(value) << "\n";
  }
  out << "# HELP ei_validation_failures_total Rejected requests by error code.\n"
      << "# TYPE ei_validation_failures_total counter\n";
  for (const auto& [code, n] : validation_failures_) {
    out << "ei_validation_failures_total{code=\"" << esc(code) << "\"} " << n << "\n";
  }
  out << "# HELP ei_http_request_bytes_total Request body bytes by route template.\n"
      << "# TYPE ei_http_request_bytes_total counter\n";
  for (const auto& [route, n] : bytes_in_) {
    out << "ei_http_request_bytes_total{route=\"" << esc(route) << "\"} " << n << "\n";
  }
  out << "# HELP ei_http_response_bytes_total Response body bytes by route template.\n"
      << "# TYPE ei_http_response_bytes_total counter\n";
  for (const auto& [route, n] : bytes_out_) {
    out << "ei_http_response_bytes_total{route=\"" << esc(route) << "\"} " << n << "\n";
  }
  out << "# HELP ei_evaluation_duration_seconds Homomorphic evaluation time by model, version and layout.\n"
      << "# TYPE ei_evaluation_duration_seconds histogram\n";
  for (const auto& [key, h] : evaluation_) {
    render_histogram(out, "ei_evaluation_duration_seconds",
                     "model_id=\"" + esc(std::get<0>(key)) + "\",version=\"" + esc(std::get<1>(key)) +
                         "\",layout=\"" + esc(std::get<2>(key)) + "\"",
                     evaluation_bounds(), h.buckets, h.sum, h.count);
  }
  out << "# HELP ei_jobs_finished_total Jobs that reached a final status.\n"
      << "# TYPE ei_jobs_finished_total counter\n";
  for (const auto& [status, n] : jobs_finished_) {
    out << "ei_jobs_finished_total{status=\"" << esc(status) << "\"} " << n << "\n";
  }
  return out.str();
}

}  // namespace ei::server
