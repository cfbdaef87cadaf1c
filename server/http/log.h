// Structured JSON-lines logging for the transport and the ei-server binary.
//
// One log record is one line of JSON on stderr (`{"ts":…,"level":…,"event":…,…}`), written with a
// single write under a mutex so records from different threads never interleave. Records carry
// only what the caller puts in them: the transport never passes payloads, header values, keys or
// `Authorization` values (docs/api.md I5; docs/server.md "Logging").
//
// Thread-safety: every function may be called from any thread.
// Ownership: LogRecord owns its text; the sink (stderr by default) is process-wide.
// Errors: none; a failed write to the sink is ignored (logging never fails a request).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ei::server {

enum class LogLevel : std::uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug" | "info" | "warn" | "error"
[[nodiscard]] std::string_view log_level_name(LogLevel level) noexcept;
// Parses "debug", "info", "warn", "error"; false if `text` is none of them.
[[nodiscard]] bool parse_log_level(std::string_view text, LogLevel& out) noexcept;

// Records below this level are dropped. Default kInfo.
void set_log_level(LogLevel level) noexcept;
[[nodiscard]] LogLevel log_level() noexcept;
[[nodiscard]] bool log_enabled(LogLevel level) noexcept;

// Replaces the sink (default: write the line plus '\n' to stderr). Tests capture records with it;
// an empty function restores stderr. The sink receives the line without its newline.
void set_log_sink(std::function<void(std::string_view line)> sink);

// Writes one already formatted record (a JSON object without newline) to the sink, under the same
// mutex as LogRecord::emit. ei-server routes the application's records (server/app/app_log.h)
// through it so that both share one sink.
void write_log_line(std::string_view line);

// JSON string escaping (RFC 8259): quotes, backslash, control characters; invalid UTF-8 bytes are
// replaced by U+FFFD so that every record is valid JSON whatever the client sent.
void append_json_string(std::string& out, std::string_view text);

// RFC 3339 UTC with milliseconds, e.g. "2025-06-02T09:14:07.512Z", of the system clock now.
[[nodiscard]] std::string utc_timestamp_now();

// Builds one record: {"ts":…,"level":…,"event":…} plus fields in call order.
//   LogRecord(LogLevel::kInfo, "listening").str("address", a).emit();
class LogRecord {
 public:
  LogRecord(LogLevel level, std::string_view event);
  LogRecord& str(std::string_view key, std::string_view value);
  LogRecord& num(std::string_view key, std::int64_t value);
  LogRecord& unum(std::string_view key, std::uint64_t value);
  LogRecord& real(std::string_view key, double value);  // 3 decimals
  LogRecord& boolean(std::string_view key, bool value);
  // Writes the record if its level is enabled. Call once.
  void emit();
  // The JSON text (without newline); empty if the level is disabled.
  [[nodiscard]] std::string text() const { return line_.empty() ? line_ : line_ + "}"; }

 private:
  void key(std::string_view k);
  LogLevel level_;
  std::string line_;
};

}  // namespace ei::server
