// ServerSettings: everything ei-server is configured with, loaded from defaults, then a TOML file
// (--config FILE), then command-line flags (each layer overrides the one before). The application
// settings are server/app/config.h's Config (its field names are the TOML keys); the transport
// settings are the [http] table (HttpServerOptions); `log_level` is top-level.
// docs/server.md lists every key and flag with its default.
//
// TOML rules: unknown keys and tables are errors (typos never pass silently); types are checked
// (integers where integers are expected; seconds in [http] may be fractional); relative paths in
// the file (models_dir, api_keys_file, store = "sqlite:PATH") are resolved against the file's
// directory, relative paths in flags against the working directory.
//
// Thread-safety: values; the functions are pure apart from reading the named file.
// Ownership: values.
// Errors: every failure is INVALID_ARGUMENT whose detail starts with where the bad value came
//   from — "FILE:LINE: key: ..." for the TOML file, "--flag: ..." for a flag — and names the
//   field. parse_command_line turns them into an exit code 2 with the message.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "engine/status.h"
#include "server/app/config.h"
#include "server/http/http_server.h"
#include "server/http/log.h"

namespace ei::server {

struct ServerSettings {
  Config app;
  HttpServerOptions http;
  LogLevel log_level = LogLevel::kInfo;
  std::string config_file;  // absolute path of --config, empty if none
  // Where each non-default field came from, by TOML key ("limits.max_body_bytes",
  // "http.max_connections"): "FILE:LINE" or "--flag". Used to name the source of a field that
  // fails validation.
  std::map<std::string, std::string> origins;
};

// Applies a TOML document to `settings`. `source` names it in messages (the file path);
// `base_dir` resolves relative paths (empty: leave them as written).
[[nodiscard]] Status apply_toml(std::string_view toml_text, const std::string& source,
                                const std::string& base_dir, ServerSettings& settings);

// Reads FILE and applies it (base_dir = the file's directory).
[[nodiscard]] Status apply_toml_file(const std::string& path, ServerSettings& settings);

// validate_config(settings.app) and the [http] ranges, with the detail prefixed by the origin of
// the offending field ("--workers: configuration: workers must be in [1, 256]").
[[nodiscard]] Status validate_settings(const ServerSettings& settings);

// The outcome of parsing argv: run with `settings`, or exit with `exit_code` after printing
// `out` (stdout: --help, --version) or `err` (stderr: errors).
struct CommandLine {
  bool run = false;
  int exit_code = 0;
  std::string out;
  std::string err;
  ServerSettings settings;
};

// Exit codes of ei-server.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;  // bind failure, unclean shutdown
inline constexpr int kExitUsage = 2;         // bad flags, configuration or model files

// Parses flags, loads --config, applies flags over it, validates. Never exits the process.
[[nodiscard]] CommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace ei::server
