// ei-server's configuration: defaults < TOML file < flags, and errors that name the file (with
// line) or the flag, and the field.
#include "server/http/server_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ei::server {
namespace {

namespace fs = std::filesystem;

class ServerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ei-server-config-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  CommandLine parse(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    argv.reserve(args.size() + 1);
    argv.push_back("ei-server");
    for (const auto& a : args) argv.push_back(a.c_str());
    return parse_command_line(static_cast<int>(argv.size()), argv.data());
  }

  std::string dir_;
};

TEST_F(ServerConfigTest, DefaultsWithoutArguments) {
  const CommandLine cl = parse({});
  ASSERT_TRUE(cl.run) << cl.err;
  const Config defaults;
  EXPECT_EQ(cl.settings.app.listen, "127.0.0.1:8080");
  EXPECT_EQ(cl.settings.http.listen, "127.0.0.1:8080");
  EXPECT_EQ(cl.settings.app.workers, defaults.workers);
  EXPECT_EQ(cl.settings.app.limits.max_body_bytes, 67108864u);
  EXPECT_EQ(cl.settings.http.max_header_bytes, 16384u);
  EXPECT_EQ(cl.settings.http.max_header_fields, 100u);
  EXPECT_EQ(cl.settings.http.header_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(cl.settings.http.body_idle_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(cl.settings.http.max_connections, kDefaultMaxConnections);
  EXPECT_TRUE(cl.settings.app.models_dir.empty());
  EXPECT_EQ(cl.settings.app.store, "memory");
  EXPECT_EQ(cl.settings.log_level, LogLevel::kInfo);
}

TEST_F(ServerConfigTest, FileOverridesDefaultsAndFlagsOverrideTheFile) {
  const std::string file = write("server.toml", R"(
listen = "127.0.0.1:9000"
workers = 3
store = "sqlite:data/ei.db"
models_dir = "models"
log_level = "warn"

[limits]
max_body_bytes = 2000000
max_json_depth = 16

[rate_limit]
submit_rate = 2.5
read_burst = 10

[contexts]
budget_bytes = 1000000

[http]
max_connections = 64
header_timeout_seconds = 2.5
idle_timeout_seconds = 5
)");
  CommandLine cl = parse({"--config", file});
  ASSERT_TRUE(cl.run) << cl.err;
  const ServerSettings& s = cl.settings;
  EXPECT_EQ(s.app.listen, "127.0.0.1:9000");
  EXPECT_EQ(s.http.listen, "127.0.0.1:9000");
  EXPECT_EQ(s.app.workers, 3u);
  EXPECT_EQ(s.app.limits.max_body_bytes, 2000000u);
  EXPECT_EQ(s.app.limits.max_json_depth, 16u);
  EXPECT_DOUBLE_EQ(s.app.rate_limit.submit_rate, 2.5);
  EXPECT_DOUBLE_EQ(s.app.rate_limit.read_burst, 10.0);
  EXPECT_EQ(s.app.contexts.budget_bytes, 1000000u);
  EXPECT_EQ(s.http.max_connections, 64u);
  EXPECT_EQ(s.http.header_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(s.http.idle_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(s.log_level, LogLevel::kWarn);
  // Relative paths in the file are relative to the file.
  EXPECT_EQ(s.app.store, "sqlite:" + dir_ + "/data/ei.db");
  EXPECT_EQ(s.app.models_dir, dir_ + "/models");
  EXPECT_EQ(s.config_file, file);

  cl = parse({"--config", file, "--listen", "[::1]:0", "--workers", "5", "--max-connections", "9",
              "--header-timeout", "0.5", "--store", "memory", "--no-rate-limit"});
  ASSERT_TRUE(cl.run) << cl.err;
  EXPECT_EQ(cl.settings.app.listen, "[::1]:0");
  EXPECT_EQ(cl.settings.http.listen, "[::1]:0");
  EXPECT_EQ(cl.settings.app.workers, 5u);
  EXPECT_EQ(cl.settings.http.max_connections, 9u);
  EXPECT_EQ(cl.settings.http.header_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(cl.settings.app.store, "memory");
  EXPECT_FALSE(cl.settings.app.rate_limit.enabled);
  EXPECT_EQ(cl.settings.app.limits.max_body_bytes, 2000000u);  // still from the file
}

TEST_F(ServerConfigTest, UnknownKeyNamesFileLineAndKey) {
  const std::string file = write("bad.toml", "workers = 2\n\n[limits]\nmax_body_byte = 5\n");
  const CommandLine cl = parse({"--config", file});
  EXPECT_FALSE(cl.run);
  EXPECT_EQ(cl.exit_code, kExitUsage);
  EXPECT_NE(cl.err.find(file + ":4: limits.max_body_byte: unknown key"), std::string::npos) << cl.err;
}

TEST_F(ServerConfigTest, UnknownTableIsAnError) {
  const std::string file = write("bad.toml", "[server]\nport = 1\n");
  const CommandLine cl = parse({"--config", file});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find(file + ":1: server: unknown key"), std::string::npos) << cl.err;
}

TEST_F(ServerConfigTest, WrongTypeNamesTheField) {
  const std::string file = write("bad.toml", "workers = \"two\"\n");
  const CommandLine cl = parse({"--config", file});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find(file + ":1: workers: expected an integer, got a string"), std::string::npos)
      << cl.err;
}

TEST_F(ServerConfigTest, NegativeUnsignedIsRejected) {
  const std::string file = write("bad.toml", "[http]\nmax_connections = -1\n");
  const CommandLine cl = parse({"--config", file});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find(file + ":2: http.max_connections: must not be negative"), std::string::npos)
      << cl.err;
}

TEST_F(ServerConfigTest, OutOfRangeValueFromTheFileNamesFileAndField) {
  const std::string file = write("bad.toml", "# comment\n[limits]\nmax_json_depth = 99\n");
  const CommandLine cl = parse({"--config", file});
  EXPECT_FALSE(cl.run);
  EXPECT_EQ(cl.exit_code, kExitUsage);
  EXPECT_NE(cl.err.find(file + ":3: "), std::string::npos) << cl.err;
  EXPECT_NE(cl.err.find("limits.max_json_depth"), std::string::npos) << cl.err;
}

TEST_F(ServerConfigTest, OutOfRangeValueFromAFlagNamesTheFlag) {
  const CommandLine cl = parse({"--workers", "0"});
  EXPECT_FALSE(cl.run);
  EXPECT_EQ(cl.exit_code, kExitUsage);
  EXPECT_NE(cl.err.find("--workers: "), std::string::npos) << cl.err;
  EXPECT_NE(cl.err.find("workers must be in"), std::string::npos) << cl.err;
}

TEST_F(ServerConfigTest, HttpRangesAreChecked) {
  const std::string file = write("bad.toml", "[http]\nmax_header_bytes = 10\n");
  const CommandLine cl = parse({"--config", file});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find(file + ":2: http.max_header_bytes must be in [1024, 1048576]"),
            std::string::npos)
      << cl.err;
  const CommandLine zero = parse({"--idle-timeout", "0"});
  EXPECT_FALSE(zero.run);
  EXPECT_NE(zero.err.find("--idle-timeout: http.idle_timeout_seconds must be > 0"),
            std::string::npos)
      << zero.err;
}

TEST_F(ServerConfigTest, BadListenAddress) {
  CommandLine cl = parse({"--listen", "localhost:8080"});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find("--listen: listen: "), std::string::npos) << cl.err;
  const std::string file = write("bad.toml", "listen = \"127.0.0.1:70000\"\n");
  cl = parse({"--config", file});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find(file + ":1: listen: "), std::string::npos) << cl.err;
}

TEST_F(ServerConfigTest, BadEnumValues) {
  CommandLine cl = parse({"--auth", "password"});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find("--auth"), std::string::npos) << cl.err;
  cl = parse({"--store", "redis:x"});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find("--store: "), std::string::npos) << cl.err;
  EXPECT_NE(cl.err.find("store"), std::string::npos) << cl.err;
  const std::string file = write("bad.toml", "auth = \"basic\"\n");
  cl = parse({"--config", file});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find(file + ":1: auth: must be \"none\" or \"api_key\""), std::string::npos)
      << cl.err;
  cl = parse({"--log-level", "loud"});
  EXPECT_FALSE(cl.run);
}

TEST_F(ServerConfigTest, TomlSyntaxErrorHasLineAndColumn) {
  const std::string file = write("bad.toml", "workers = 2\nlisten = \n");
  const CommandLine cl = parse({"--config", file});
  EXPECT_FALSE(cl.run);
  EXPECT_NE(cl.err.find(file + ":2:"), std::string::npos) << cl.err;
  EXPECT_NE(cl.err.find("TOML syntax error"), std::string::npos) << cl.err;
}

TEST_F(ServerConfigTest, MissingConfigFile) {
  const CommandLine cl = parse({"--config", dir_ + "/nope.toml"});
  EXPECT_FALSE(cl.run);
  EXPECT_EQ(cl.exit_code, kExitUsage);
  EXPECT_NE(cl.err.find(dir_ + "/nope.toml: configuration file not found"), std::string::npos)
      << cl.err;
}

TEST_F(ServerConfigTest, HelpVersionAndUnknownFlags) {
  CommandLine cl = parse({"--help"});
  EXPECT_FALSE(cl.run);
  EXPECT_EQ(cl.exit_code, 0);
  EXPECT_NE(cl.out.find("--listen"), std::string::npos);
  EXPECT_NE(cl.out.find("--max-connections"), std::string::npos);
  cl = parse({"--version"});
  EXPECT_FALSE(cl.run);
  EXPECT_EQ(cl.exit_code, 0);
  EXPECT_NE(cl.out.find("ei-server"), std::string::npos);
  cl = parse({"--no-such-flag"});
  EXPECT_FALSE(cl.run);
  EXPECT_EQ(cl.exit_code, kExitUsage);
  cl = parse({"--workers", "many"});
  EXPECT_FALSE(cl.run);
  EXPECT_EQ(cl.exit_code, kExitUsage);
  cl = parse({"--max-connections", "-5"});
  EXPECT_FALSE(cl.run);
  EXPECT_EQ(cl.exit_code, kExitUsage);
}

}  // namespace
}  // namespace ei::server
