#include "server/http/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace ei::server {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

std::mutex& sink_mutex() {
  static std::mutex mu;
  return mu;
}

std::function<void(std::string_view)>& sink() {
  static std::function<void(std::string_view)> s;
  return s;
}

void write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) return;  // logging never fails the caller
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t min = 0;
  std::uint32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1Fu;
    min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0Fu;
    min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

std::string_view log_level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

bool parse_log_level(std::string_view text, LogLevel& out) noexcept {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == log_level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void set_log_level(LogLevel level) noexcept { g_level.store(static_cast<int>(level)); }
LogLevel log_level() noexcept { return static_cast<LogLevel>(g_level.load()); }
bool log_enabled(LogLevel level) noexcept { return static_cast<int>(level) >= g_level.load(); }

void set_log_sink(std::function<void(std::string_view)> s) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  sink() = std::move(s);
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(text, i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      } else {
        out.append(text.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

std::string utc_timestamp_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

LogRecord::LogRecord(LogLevel level, std::string_view event) : level_(level) {
  if (!log_enabled(level_)) return;
  line_.reserve(256);
  line_ += "{\"ts\":\"";
  line_ += utc_timestamp_now();
  line_ += "\",\"level\":\"";
  line_ += log_level_name(level_);
  line_ += "\",\"event\":";
  append_json_string(line_, event);
}

void LogRecord::key(std::string_view k) {
  line_.push_back(',');
  append_json_string(line_, k);
  line_.push_back(':');
}

LogRecord& LogRecord::str(std::string_view k, std::string_view value) {
  if (line_.empty()) return *this;
  key(k);
  append_json_string(line_, value);
  return *this;
}

LogRecord& LogRecord::num(std::string_view k, std::int64_t value) {
  if (line_.empty()) return *this;
  key(k);
  line_ += std::to_string(value);
  return *this;
}

LogRecord& LogRecord::unum(std::string_view k, std::uint64_t value) {
  if (line_.empty()) return *this;
  key(k);
  line_ += std::to_string(value);
  return *this;
}

LogRecord& LogRecord::real(std::string_view k, double value) {
  if (line_.empty()) return *this;
  key(k);
  if (!std::isfinite(value)) {
    line_ += "null";
    return *this;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  line_ += buf;
  return *this;
}

LogRecord& LogRecord::boolean(std::string_view k, bool value) {
  if (line_.empty()) return *this;
  key(k);
  line_ += value ? "true" : "false";
  return *this;
}

void write_log_line(std::string_view line) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  if (sink()) {
    sink()(line);
    return;
  }
  std::string out;
  out.reserve(line.size() + 1);
  out.append(line);
  out.push_back('\n');
  write_all(STDERR_FILENO, out.data(), out.size());
}

void LogRecord::emit() {
  if (line_.empty()) return;
  line_.push_back('}');
  write_log_line(line_);
  line_.clear();
}

}  // namespace ei::server
