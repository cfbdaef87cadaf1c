// Structured JSON-lines logs of the application: one record per line, {"ts", "level", "event",
// fields...}. Records carry only what callers put in them: never payloads, keys, or Authorization
// values (docs/api.md I5). The sink is process-wide (stderr by default) and replaceable (tests,
// or the transport routing records into its own logger with set_app_log_sink).
//
// Thread-safety: every function may be called from any thread (the sink is called under a mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ei::server {

enum class AppLogLevel : std::uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Replaces the sink (each line without its newline). An empty function restores stderr.
void set_app_log_sink(std::function<void(std::string_view line)> sink);
// Records below this level are dropped (default kInfo).
void set_app_log_level(AppLogLevel level);

class AppLog {
 public:
  AppLog(AppLogLevel level, std::string_view event);
  AppLog& str(std::string_view key, std::string_view value);
  AppLog& num(std::string_view key, std::int64_t value);
  AppLog& real(std::string_view key, double value);
  AppLog& boolean(std::string_view key, bool value);
  void emit();

 private:
  void key(std::string_view k);
  bool enabled_;
  std::string line_;
};

}  // namespace ei::server
