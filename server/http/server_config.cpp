#include "server/http/server_config.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <vector>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "server/http/listen_address.h"

namespace ei::server {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::string_view kVersion = "0.1.0";
constexpr double kMaxSeconds = 86400.0;

Status invalid(std::string detail) { return Status(Code::INVALID_ARGUMENT, std::move(detail)); }

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  if (path.empty() || base_dir.empty()) return path;
  const fs::path p(path);
  if (p.is_absolute()) return path;
  return (fs::path(base_dir) / p).lexically_normal().string();
}

std::string resolve_store(const std::string& store, const std::string& base_dir) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (store.rfind(kSqlite, 0) != 0 || store.size() == kSqlite.size()) return store;
  return std::string(kSqlite) + resolve_path(store.substr(kSqlite.size()), base_dir);
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date or time";
  }
}

// One TOML key: where it is, and how to store it.
class TomlReader {
 public:
  TomlReader(const std::string& source, const std::string& base_dir, ServerSettings& s)
      : source_(source), base_dir_(base_dir), s_(s) {}

  Status apply(const toml::table& root);

 private:
  using Setter = std::function<Status(const toml::node&, const std::string& key)>;

  std::string where(const toml::node& n) const {
    return source_ + ":" + std::to_string(n.source().begin.line);
  }
  Status bad(const toml::node& n, const std::string& key, const std::string& what) const {
    return invalid(where(n) + ": " + key + ": " + what);
  }
  void note(const toml::node& n, const std::string& key) { s_.origins[key] = where(n); }

  Status table(const toml::table& t, const std::string& prefix,
               const std::vector<std::pair<std::string_view, Setter>>& keys);

  template <typename T>
  Setter unsigned_into(T& out) {
    return [this, &out](const toml::node& n, const std::string& key) -> Status {
      const auto v = n.value_exact<std::int64_t>();
      if (!n.is_integer() || !v) return bad(n, key, "expected an integer, got " + type_name(n));
      if (*v < 0) return bad(n, key, "must not be negative");
      if (static_cast<std::uint64_t>(*v) > std::numeric_limits<T>::max()) {
        return bad(n, key, "is too large");
      }
      out = static_cast<T>(*v);
      return Status::Ok();
    };
  }
  Setter int_into(std::int64_t& out) {
    return [this, &out](const toml::node& n, const std::string& key) -> Status {
      const auto v = n.value_exact<std::int64_t>();
      if (!n.is_integer() || !v) return bad(n, key, "expected an integer, got " + type_name(n));
      out = *v;
      return Status::Ok();
    };
  }
  Setter number_into(double& out) {
    return [this, &out](const toml::node& n, const std::string& key) -> Status {
      if (n.is_integer()) {
        out = static_cast<double>(*n.value_exact<std::int64_t>());
      } else if (n.is_floating_point()) {
        out = *n.value_exact<double>();
      } else {
        return bad(n, key, "expected a number, got " + type_name(n));
      }
      if (!std::isfinite(out)) return bad(n, key, "must be finite");
      return Status::Ok();
    };
  }
  Setter seconds_into(milliseconds& out) {
    return [this, &out](const toml::node& n, const std::string& key) -> Status {
      double v = 0;
      if (n.is_integer()) {
        v = static_cast<double>(*n.value_exact<std::int64_t>());
      } else if (n.is_floating_point()) {
        v = *n.value_exact<double>();
      } else {
        return bad(n, key, "expected a number of seconds, got " + type_name(n));
      }
      if (!(v > 0) || v > kMaxSeconds) return bad(n, key, "must be > 0 and <= 86400 seconds");
      out = milliseconds(std::max<long long>(1, std::llround(v * 1000.0)));
      return Status::Ok();
    };
  }
  Setter bool_into(bool& out) {
    return [this, &out](const toml::node& n, const std::string& key) -> Status {
      if (!n.is_boolean()) return bad(n, key, "expected true or false, got " + type_name(n));
      out = *n.value_exact<bool>();
      return Status::Ok();
    };
  }
  Setter string_into(std::string& out, bool is_path = false) {
    return [this, &out, is_path](const toml::node& n, const std::string& key) -> Status {
      if (!n.is_string()) return bad(n, key, "expected a string, got " + type_name(n));
      out = *n.value_exact<std::string>();
      if (is_path) out = resolve_path(out, base_dir_);
      return Status::Ok();
    };
  }

  const std::string& source_;
  const std::string& base_dir_;
  ServerSettings& s_;
};

Status TomlReader::table(const toml::table& t, const std::string& prefix,
                         const std::vector<std::pair<std::string_view, Setter>>& keys) {
  for (const auto& [k, node] : t) {
    const std::string name(k.str());
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    const Setter* setter = nullptr;
    for (const auto& [known, fn] : keys) {
      if (known == name) setter = &fn;
    }
    if (setter == nullptr) {
      return bad(node, key, prefix.empty() ? "unknown key" : "unknown key in [" + prefix + "]");
    }
    EI_RETURN_IF_ERROR((*setter)(node, key));
    note(node, key);
  }
  return Status::Ok();
}

Status TomlReader::apply(const toml::table& root) {
  Config& c = s_.app;
  HttpServerOptions& h = s_.http;
  auto sub = [this](std::string_view name,
                    std::vector<std::pair<std::string_view, Setter>> keys) -> Setter {
    return [this, name, keys = std::move(keys)](const toml::node& n, const std::string& key) {
      const toml::table* t = n.as_table();
      if (t == nullptr) return bad(n, key, "expected a table, got " + type_name(n));
      return table(*t, std::string(name), keys);
    };
  };
  const std::vector<std::pair<std::string_view, Setter>> top = {
      {"listen", string_into(c.listen)},
      {"models_dir", string_into(c.models_dir, true)},
      {"workers", unsigned_into(c.workers)},
      {"queue_capacity", unsigned_into(c.queue_capacity)},
      {"auth",
       [this, &c](const toml::node& n, const std::string& key) -> Status {
         if (!n.is_string()) return bad(n, key, "expected \"none\" or \"api_key\", got " + type_name(n));
         const std::string v = *n.value_exact<std::string>();
         if (v == "none") {
           c.auth = AuthMode::kNone;
         } else if (v == "api_key") {
           c.auth = AuthMode::kApiKey;
         } else {
           return bad(n, key, "must be \"none\" or \"api_key\"");
         }
         return Status::Ok();
       }},
      {"api_keys_file", string_into(c.api_keys_file, true)},
      {"store",
       [this, &c](const toml::node& n, const std::string& key) -> Status {
         if (!n.is_string()) return bad(n, key, "expected a string, got " + type_name(n));
         c.store = resolve_store(*n.value_exact<std::string>(), base_dir_);
         return Status::Ok();
       }},
      {"job_ttl_seconds", int_into(c.job_ttl_seconds)},
      {"job_tombstone_seconds", int_into(c.job_tombstone_seconds)},
      {"sync_wait_ms", int_into(c.sync_wait_ms)},
      {"max_wait_seconds", int_into(c.max_wait_seconds)},
      {"drain_seconds", int_into(c.drain_seconds)},
      {"queue_full_retry_after_seconds", int_into(c.queue_full_retry_after_seconds)},
      {"shutting_down_retry_after_seconds", int_into(c.shutting_down_retry_after_seconds)},
      {"log_requests", bool_into(c.log_requests)},
      {"log_level",
       [this](const toml::node& n, const std::string& key) -> Status {
         if (!n.is_string()) return bad(n, key, "expected a string, got " + type_name(n));
         if (!parse_log_level(*n.value_exact<std::string>(), s_.log_level)) {
           return bad(n, key, "must be \"debug\", \"info\", \"warn\" or \"error\"");
         }
         return Status::Ok();
       }},
      {"limits", sub("limits",
                     {{"max_body_bytes", unsigned_into(c.limits.max_body_bytes)},
                      {"max_plain_body_bytes", unsigned_into(c.limits.max_plain_body_bytes)},
                      {"max_json_depth", unsigned_into(c.limits.max_json_depth)},
                      {"max_inputs", unsigned_into(c.limits.max_inputs)}})},
      {"rate_limit", sub("rate_limit",
                         {{"enabled", bool_into(c.rate_limit.enabled)},
                          {"submit_rate", number_into(c.rate_limit.submit_rate)},
                          {"submit_burst", number_into(c.rate_limit.submit_burst)},
                          {"read_rate", number_into(c.rate_limit.read_rate)},
                          {"read_burst", number_into(c.rate_limit.read_burst)}})},
      {"contexts", sub("contexts",
                       {{"default_ttl_seconds", int_into(c.contexts.default_ttl_seconds)},
                        {"min_ttl_seconds", int_into(c.contexts.min_ttl_seconds)},
                        {"max_ttl_seconds", int_into(c.contexts.max_ttl_seconds)},
                        {"tombstone_seconds", int_into(c.contexts.tombstone_seconds)},
                        {"budget_bytes", unsigned_into(c.contexts.budget_bytes)}})},
      {"http", sub("http",
                   {{"io_threads", unsigned_into(h.io_threads)},
                    {"request_threads", unsigned_into(h.request_threads)},
                    {"max_connections", unsigned_into(h.max_connections)},
                    {"max_header_bytes", unsigned_into(h.max_header_bytes)},
                    {"max_header_fields", unsigned_into(h.max_header_fields)},
                    {"header_timeout_seconds", seconds_into(h.header_timeout)},
                    {"body_idle_timeout_seconds", seconds_into(h.body_idle_timeout)},
                    {"body_timeout_seconds", seconds_into(h.body_timeout)},
                    {"idle_timeout_seconds", seconds_into(h.idle_timeout)},
                    {"write_timeout_seconds", seconds_into(h.write_timeout)},
                    {"shutdown_grace_seconds", seconds_into(h.shutdown_grace)},
                    {"linger_seconds", seconds_into(h.linger_timeout)}})},
  };
  EI_RETURN_IF_ERROR(table(root, "", top));
  h.listen = c.listen;
  return Status::Ok();
}

// The TOML key a validation message is about, and where its value came from.
std::string origin_of(const ServerSettings& s, const std::string& field) {
  std::string found;
  for (const auto& [key, origin] : s.origins) {
    if (key == field || key.rfind(field + ".", 0) == 0 ||
        (field == "retry_after" && key.find("retry_after") != std::string::npos)) {
      if (!found.empty()) found += ", ";
      found += origin;
    }
  }
  return found;
}

Status with_origin(const ServerSettings& s, const std::string& field, const std::string& detail) {
  const std::string origin = origin_of(s, field);
  return invalid((origin.empty() ? std::string("default configuration") : origin) + ": " + detail);
}

Status validate_http(const ServerSettings& s) {
  const HttpServerOptions& h = s.http;
  auto range = [&](const char* key, std::size_t v, std::size_t lo, std::size_t hi) -> Status {
    if (v >= lo && v <= hi) return Status::Ok();
    return with_origin(s, key, std::string(key) + " must be in [" + std::to_string(lo) + ", " +
                                   std::to_string(hi) + "]");
  };
  EI_RETURN_IF_ERROR(range("http.io_threads", h.io_threads, 1, kMaxIoThreads));
  EI_RETURN_IF_ERROR(range("http.request_threads", h.request_threads, 1, kMaxRequestThreads));
  EI_RETURN_IF_ERROR(range("http.max_connections", h.max_connections, 1, kMaxMaxConnections));
  EI_RETURN_IF_ERROR(
      range("http.max_header_bytes", h.max_header_bytes, kMinMaxHeaderBytes, kMaxMaxHeaderBytes));
  EI_RETURN_IF_ERROR(range("http.max_header_fields", h.max_header_fields, 1, kMaxMaxHeaderFields));
  const std::pair<const char*, milliseconds> timeouts[] = {
      {"http.header_timeout_seconds", h.header_timeout},
      {"http.body_idle_timeout_seconds", h.body_idle_timeout},
      {"http.body_timeout_seconds", h.body_timeout},
      {"http.idle_timeout_seconds", h.idle_timeout},
      {"http.write_timeout_seconds", h.write_timeout},
      {"http.shutdown_grace_seconds", h.shutdown_grace},
      {"http.linger_seconds", h.linger_timeout}};
  for (const auto& [key, value] : timeouts) {
    if (value < milliseconds(1) || value > kMaxTimeout) {
      return with_origin(s, key, std::string(key) + " must be > 0 and <= 86400 seconds");
    }
  }
  auto listen = parse_listen_address(h.listen);
  if (!listen.ok()) return with_origin(s, "listen", "listen: " + listen.status().detail());
  // The safety net: whatever the transport itself refuses.
  const Status t = validate_options(h);
  if (!t.ok()) return invalid("http: " + t.detail());
  return Status::Ok();
}

}  // namespace

Status apply_toml(std::string_view toml_text, const std::string& source, const std::string& base_dir,
                  ServerSettings& settings) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    return invalid(source + ":" + std::to_string(e.source().begin.line) + ":" +
                   std::to_string(e.source().begin.column) + ": TOML syntax error: " +
                   std::string(e.description()));
  }
  TomlReader reader(source, base_dir, settings);
  return reader.apply(root);
}

Status apply_toml_file(const std::string& path, ServerSettings& settings) {
  std::error_code ec;
  const fs::path abs = fs::absolute(fs::path(path), ec);
  const std::string shown = ec ? path : abs.lexically_normal().string();
  if (!fs::is_regular_file(abs, ec)) {
    return invalid(shown + ": configuration file not found or not a regular file");
  }
  std::ifstream in(abs, std::ios::binary);
  if (!in) return invalid(shown + ": configuration file cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return invalid(shown + ": configuration file cannot be read");
  settings.config_file = shown;
  return apply_toml(text.str(), shown, abs.parent_path().lexically_normal().string(), settings);
}

Status validate_settings(const ServerSettings& settings) {
  const Status app = validate_config(settings.app);
  if (!app.ok()) {
    // validate_config names the field first: "configuration: FIELD rule".
    std::string detail = app.detail();
    constexpr std::string_view kPrefix = "configuration: ";
    if (detail.rfind(kPrefix, 0) == 0) detail.erase(0, kPrefix.size());
    const std::string field = detail.substr(0, detail.find(' '));
    return with_origin(settings, field, detail);
  }
  return validate_http(settings);
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine result;
  ServerSettings& s = result.settings;
  const Config defaults;
  const HttpServerOptions http_defaults;

  CLI::App cli{"ei-server: the Encrypted Inference API reference server (protocol v1.1). Every "
               "flag overrides the same key of --config; docs/server.md lists them all.",
               "ei-server"};
  cli.set_version_flag("--version", "ei-server " + std::string(kVersion) + " (protocol 1.1.0)");

  std::string config_path, listen, models, auth, api_keys, store, log_level;
  std::size_t workers = 0, queue_capacity = 0, max_json_depth = 0, max_inputs = 0;
  std::uint64_t max_body = 0, max_plain_body = 0;
  std::int64_t drain_seconds = 0, max_wait_seconds = 0;
  std::size_t io_threads = 0, request_threads = 0, max_connections = 0, max_header_bytes = 0,
              max_header_fields = 0;
  double header_timeout = 0, body_idle_timeout = 0, body_timeout = 0, idle_timeout = 0,
         write_timeout = 0, shutdown_grace = 0;
  bool no_rate_limit = false;

  struct Flag {
    CLI::Option* opt;
    std::string key;
  };
  std::vector<Flag> flags;
  auto add = [&](const char* name, auto& var, const std::string& help, const std::string& key) {
    CLI::Option* o = cli.add_option(name, var, help);
    flags.push_back({o, key});
    return o;
  };
  add("--config", config_path, "TOML configuration file", "")->type_name("FILE");
  add("--listen", listen, "Address to listen on, IP literal and port (0: ephemeral) [" +
                              defaults.listen + "]", "listen")
      ->type_name("HOST:PORT");
  add("--models", models, "Directory of model files [the bundled models]", "models_dir")
      ->type_name("DIR");
  add("--workers", workers,
      "Evaluation worker threads [" + std::to_string(defaults.workers) + "]", "workers");
  add("--queue-capacity", queue_capacity,
      "Queued jobs before 503 QUEUE_FULL [" + std::to_string(defaults.queue_capacity) + "]",
      "queue_capacity");
  add("--auth", auth, "Authentication mode: none | api_key [none]", "auth")->type_name("MODE");
  add("--api-keys", api_keys, "API keys file (lines: <sha256 hex> <tenant>)", "api_keys_file")
      ->type_name("FILE");
  add("--store", store, "Job and context store: memory | sqlite:PATH [memory]", "store")
      ->type_name("SPEC");
  add("--max-body-bytes", max_body,
      "Body limit of POST /infer and /v1/contexts [" +
          std::to_string(defaults.limits.max_body_bytes) + "]",
      "limits.max_body_bytes");
  add("--max-plain-body-bytes", max_plain_body,
      "Body limit of POST /infer/plain [" + std::to_string(defaults.limits.max_plain_body_bytes) +
          "]",
      "limits.max_plain_body_bytes");
  add("--max-json-depth", max_json_depth,
      "JSON nesting limit [" + std::to_string(defaults.limits.max_json_depth) + "]",
      "limits.max_json_depth");
  add("--max-inputs", max_inputs,
      "Items in inputs [" + std::to_string(defaults.limits.max_inputs) + "]", "limits.max_inputs");
  add("--max-wait-seconds", max_wait_seconds,
      "Cap of Prefer: wait=N [" + std::to_string(defaults.max_wait_seconds) + "]",
      "max_wait_seconds");
  add("--drain-seconds", drain_seconds,
      "Bound for queued and running jobs on SIGTERM [" + std::to_string(defaults.drain_seconds) +
          "]",
      "drain_seconds");
  CLI::Option* no_rl = cli.add_flag("--no-rate-limit", no_rate_limit,
                                    "Disable the per-tenant rate limits");
  flags.push_back({no_rl, "rate_limit.enabled"});
  add("--io-threads", io_threads,
      "Threads doing socket IO [" + std::to_string(http_defaults.io_threads) + "]",
      "http.io_threads");
  add("--request-threads", request_threads,
      "Threads running the application for requests [" +
          std::to_string(http_defaults.request_threads) + "]",
      "http.request_threads");
  add("--max-connections", max_connections,
      "Open connections; more are accepted and closed [" +
          std::to_string(http_defaults.max_connections) + "]",
      "http.max_connections");
  add("--max-header-bytes", max_header_bytes,
      "Request line + headers limit (431) [" + std::to_string(http_defaults.max_header_bytes) + "]",
      "http.max_header_bytes");
  add("--max-header-fields", max_header_fields,
      "Header field count limit (431) [" + std::to_string(http_defaults.max_header_fields) + "]",
      "http.max_header_fields");
  add("--header-timeout", header_timeout, "Seconds to receive the request head (408) [10]",
      "http.header_timeout_seconds")
      ->type_name("SECONDS");
  add("--body-idle-timeout", body_idle_timeout, "Seconds a body may stall (408) [30]",
      "http.body_idle_timeout_seconds")
      ->type_name("SECONDS");
  add("--body-timeout", body_timeout, "Seconds to receive a whole body (408) [300]",
      "http.body_timeout_seconds")
      ->type_name("SECONDS");
  add("--idle-timeout", idle_timeout, "Seconds a keep-alive connection may idle [30]",
      "http.idle_timeout_seconds")
      ->type_name("SECONDS");
  add("--write-timeout", write_timeout, "Seconds to write one response [60]",
      "http.write_timeout_seconds")
      ->type_name("SECONDS");
  add("--shutdown-grace", shutdown_grace,
      "Seconds for in-flight responses after the drain on SIGTERM [10]",
      "http.shutdown_grace_seconds")
      ->type_name("SECONDS");
  add("--log-level", log_level, "debug | info | warn | error [info]", "log_level")
      ->type_name("LEVEL");

  std::ostringstream out, err;
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e, out, err);
    result.out = out.str();
    result.err = err.str();
    result.exit_code = code == 0 ? kExitOk : kExitUsage;
    return result;
  }

  auto fail = [&](const std::string& message) {
    result.err = "ei-server: invalid configuration: " + message + "\n";
    result.exit_code = kExitUsage;
    return std::move(result);
  };

  if (!config_path.empty()) {
    const Status st = apply_toml_file(config_path, s);
    if (!st.ok()) return fail(st.detail());
  }

  // Flags over the file.
  auto given = [&](const char* name) { return cli.get_option(name)->count() > 0; };
  auto seconds = [](double v) {
    if (!(v > 0) || v > kMaxSeconds) return milliseconds(0);  // rejected by validation
    return milliseconds(std::max<long long>(1, std::llround(v * 1000.0)));
  };
  if (given("--listen")) s.app.listen = listen;
  if (given("--models")) s.app.models_dir = models;
  if (given("--workers")) s.app.workers = workers;
  if (given("--queue-capacity")) s.app.queue_capacity = queue_capacity;
  if (given("--auth")) {
    if (auth == "none") {
      s.app.auth = AuthMode::kNone;
    } else if (auth == "api_key") {
      s.app.auth = AuthMode::kApiKey;
    } else {
      return fail("--auth: must be \"none\" or \"api_key\"");
    }
  }
  if (given("--api-keys")) s.app.api_keys_file = api_keys;
  if (given("--store")) s.app.store = store;
  if (given("--max-body-bytes")) s.app.limits.max_body_bytes = max_body;
  if (given("--max-plain-body-bytes")) s.app.limits.max_plain_body_bytes = max_plain_body;
  if (given("--max-json-depth")) s.app.limits.max_json_depth = max_json_depth;
  if (given("--max-inputs")) s.app.limits.max_inputs = max_inputs;
  if (given("--max-wait-seconds")) s.app.max_wait_seconds = max_wait_seconds;
  if (given("--drain-seconds")) s.app.drain_seconds = drain_seconds;
  if (given("--no-rate-limit")) s.app.rate_limit.enabled = false;
  if (given("--io-threads")) s.http.io_threads = io_threads;
  if (given("--request-threads")) s.http.request_threads = request_threads;
  if (given("--max-connections")) s.http.max_connections = max_connections;
  if (given("--max-header-bytes")) s.http.max_header_bytes = max_header_bytes;
  if (given("--max-header-fields")) s.http.max_header_fields = max_header_fields;
  if (given("--header-timeout")) s.http.header_timeout = seconds(header_timeout);
  if (given("--body-idle-timeout")) s.http.body_idle_timeout = seconds(body_idle_timeout);
  if (given("--body-timeout")) s.http.body_timeout = seconds(body_timeout);
  if (given("--idle-timeout")) s.http.idle_timeout = seconds(idle_timeout);
  if (given("--write-timeout")) s.http.write_timeout = seconds(write_timeout);
  if (given("--shutdown-grace")) s.http.shutdown_grace = seconds(shutdown_grace);
  if (given("--log-level") && !parse_log_level(log_level, s.log_level)) {
    return fail("--log-level: must be debug, info, warn or error");
  }
  for (const auto& f : flags) {
    if (!f.key.empty() && f.opt->count() > 0) s.origins[f.key] = f.opt->get_name();
  }
  s.http.listen = s.app.listen;

  const Status st = validate_settings(s);
  if (!st.ok()) return fail(st.detail());
  result.run = true;
  return result;
}

}  // namespace ei::server
