#include "server/app/app_log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "server/app/json_util.h"

namespace ei::server {
namespace {

std::mutex& sink_mutex() {
  static std::mutex mu;
  return mu;
}
std::function<void(std::string_view)>& sink() {
  static std::function<void(std::string_view)> s;
  return s;
}
std::atomic<int>& min_level() {
  static std::atomic<int> level{static_cast<int>(AppLogLevel::kInfo)};
  return level;
}

const char* level_name(AppLogLevel l) {
  switch (l) {
    case AppLogLevel::kDebug: return "debug";
    case AppLogLevel::kInfo: return "info";
    case AppLogLevel::kWarn: return "warn";
    case AppLogLevel::kError: return "error";
  }
  return "info";
}

std::string json_string(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void set_app_log_sink(std::function<void(std::string_view line)> s) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  sink() = std::move(s);
}

void set_app_log_level(AppLogLevel level) { min_level() = static_cast<int>(level); }

AppLog::AppLog(AppLogLevel level, std::string_view event)
    : enabled_(static_cast<int>(level) >= min_level().load()) {
  if (!enabled_) return;
  line_ = "{\"ts\":" + json_string(format_timestamp(now_unix_ms())) + ",\"level\":\"" + level_name(level) +
          "\",\"event\":" + json_string(event);
}

void AppLog::key(std::string_view k) {
  line_ += ',';
  line_ += json_string(k);
  line_ += ':';
}

AppLog& AppLog::str(std::string_view k, std::string_view value) {
  if (!enabled_) return *this;
  key(k);
  line_ += json_string(value);
  return *this;
}

AppLog& AppLog::num(std::string_view k, std::int64_t value) {
  if (!enabled_) return *this;
  key(k);
  line_ += std::to_string(value);
  return *this;
}

AppLog& AppLog::real(std::string_view k, double value) {
  if (!enabled_) return *this;
  key(k);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  line_ += buf;
  return *this;
}

AppLog& AppLog::boolean(std::string_view k, bool value) {
  if (!enabled_) return *this;
  key(k);
  line_ += value ? "true" : "false";
  return *this;
}

void AppLog::emit() {
  if (!enabled_) return;
  line_ += '}';
  std::lock_guard<std::mutex> lock(sink_mutex());
  if (sink()) {
    sink()(line_);
  } else {
    std::string out = line_ + "\n";
    ssize_t ignored = ::write(2, out.data(), out.size());
    (void)ignored;
  }
  enabled_ = false;
}

}  // namespace ei::server
