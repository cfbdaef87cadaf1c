// ei-server: the Encrypted Inference API reference server.
//
//   ei-server [--config FILE] [--listen HOST:PORT] [--models DIR] [--workers N] [--auth MODE]
//             [--api-keys FILE] [--store memory|sqlite:PATH] [limit flags...]
//
// Start-up: flags over the TOML file over the defaults (server/http/server_config.h); invalid
// configuration or model files stop start-up with a message naming the file and field (exit 2).
// When listening, one JSON line goes to stdout: {"event":"listening","address":"HOST:PORT"}
// (tests read it to find an ephemeral port); logs are JSON lines on stderr.
// SIGTERM / SIGINT: graceful shutdown (HttpServer::shutdown: stop accepting, App::drain, finish
// in-flight responses within the grace bound), exit 0. A second signal during shutdown exits at
// once with status 1. docs/server.md has the details.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "server/app/app.h"
#include "server/app/app_log.h"
#include "server/http/http_server.h"
#include "server/http/log.h"
#include "server/http/server_config.h"

namespace {

using ei::server::LogLevel;
using ei::server::LogRecord;

const char* signal_name(int sig) {
  switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "signal";
  }
}

ei::server::AppLogLevel app_level(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return ei::server::AppLogLevel::kDebug;
    case LogLevel::kInfo: return ei::server::AppLogLevel::kInfo;
    case LogLevel::kWarn: return ei::server::AppLogLevel::kWarn;
    case LogLevel::kError: return ei::server::AppLogLevel::kError;
  }
  return ei::server::AppLogLevel::kInfo;
}

void print(std::FILE* stream, const std::string& text) {
  if (text.empty()) return;
  std::fputs(text.c_str(), stream);
  std::fflush(stream);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ei::server;

  CommandLine cl = parse_command_line(argc, argv);
  print(stdout, cl.out);
  print(stderr, cl.err);
  if (!cl.run) return cl.exit_code;
  const ServerSettings& settings = cl.settings;

  set_log_level(settings.log_level);
  set_app_log_level(app_level(settings.log_level));
  set_app_log_sink([](std::string_view line) { write_log_line(line); });

  // Signals are taken synchronously by sigwait() on this thread; every thread started from here
  // on (App workers, IO and request threads) inherits the blocked mask. SIGPIPE is ignored:
  // a peer that goes away is an error code on the socket, not a process exit.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto created = App::create(settings.app);
  if (!created.ok()) {
    print(stderr, "ei-server: start-up failed: " + created.status().detail() + "\n");
    return kExitUsage;
  }
  std::unique_ptr<App> app = std::move(created).value();

  HttpServerOptions http = settings.http;
  // App writes one "request" record per handled request; the transport adds the exchanges it
  // answered itself (timeouts, malformed HTTP, limits, precheck rejections).
  http.access_log = app->config().log_requests ? AccessLog::kUnhandled : AccessLog::kOff;
  auto server = std::make_unique<HttpServer>(*app, http);
  const ei::Status started = server->start();
  if (!started.ok()) {
    print(stderr, "ei-server: " + started.detail() + "\n");
    return kExitRuntimeError;
  }
  {
    std::string line = "{\"event\":\"listening\",\"address\":";
    append_json_string(line, server->bound_address());
    line += "}\n";
    print(stdout, line);
  }
  if (!settings.config_file.empty()) {
    LogRecord(LogLevel::kInfo, "configuration").str("file", settings.config_file).emit();
  }

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  LogRecord(LogLevel::kInfo, "signal").str("signal", signal_name(sig)).str("action", "shutdown").emit();

  // A second signal while shutting down: give up on the bounds and exit now.
  std::thread second([stop_signals]() mutable {
    int again = 0;
    while (sigwait(&stop_signals, &again) != 0) {
    }
    LogRecord(LogLevel::kWarn, "signal").str("signal", signal_name(again)).str("action", "exit_now").emit();
    std::fflush(stdout);
    std::_Exit(kExitRuntimeError);
  });
  second.detach();

  const bool clean = server->shutdown();
  if (!clean) {
    // Some Application::handle call outlived drain + grace; its thread cannot be stopped, and
    // destroying the server would wait for it. Everything accepted was drained by App::drain.
    LogRecord(LogLevel::kWarn, "exit").str("reason", "handle_still_running").emit();
    std::fflush(stdout);
    std::_Exit(kExitOk);
  }
  server.reset();
  app.reset();
  LogRecord(LogLevel::kInfo, "exit").num("status", kExitOk).emit();
  return kExitOk;
}
