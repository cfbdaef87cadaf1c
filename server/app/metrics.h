// Prometheus metrics of the application (docs/api.md §18), text exposition format 0.0.4.
// Labels never carry tenants or concrete ids (route templates only).
//
// Thread-safety: every method is safe concurrently (one mutex).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace ei::server {

class Metrics {
 public:
  void record_request(const std::string& route, const std::string& method, int status, double seconds,
                      std::uint64_t bytes_in, std::uint64_t bytes_out);
  void record_validation_failure(const std::string& code);
  void record_evaluation(const std::string& model_id, const std::string& version, const std::string& layout,
                         double seconds);
  void record_job_finished(const std::string& status);

  // `gauges` are sampled at render time (e.g. ei_queue_depth).
  [[nodiscard]] std::string render(const std::vector<std::tuple<std::string, std::string, double>>& gauges) const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative at render; per-bucket counts here
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  static void observe(Histogram& h, const std::vector<double>& bounds, double v);

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, std::uint64_t> bytes_in_;
  std::map<std::string, std::uint64_t> bytes_out_;
  std::map<std::string, std::uint64_t> validation_failures_;
  std::map<std::tuple<std::string, std::string, std::string>, Histogram> evaluation_;
  std::map<std::string, std::uint64_t> jobs_finished_;
};

}  // namespace ei::server
