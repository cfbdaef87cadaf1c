#include "server/http/listen_address.h"

#include <gtest/gtest.h>

#include "server/http/log.h"

namespace ei::server {
namespace {

TEST(ListenAddressTest, AcceptsIpLiterals) {
  struct Case {
    const char* text;
    const char* host;
    std::uint16_t port;
    bool v6;
  };
  const Case cases[] = {
      {"127.0.0.1:8080", "127.0.0.1", 8080, false}, {"0.0.0.0:0", "0.0.0.0", 0, false},
      {"10.1.2.3:65535", "10.1.2.3", 65535, false}, {"[::1]:8080", "::1", 8080, true},
      {"[::]:0", "::", 0, true},                    {"[2001:db8::7]:443", "2001:db8::7", 443, true},
  };
  for (const auto& c : cases) {
    auto r = parse_listen_address(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().to_string();
    EXPECT_EQ(r->host, c.host);
    EXPECT_EQ(r->port, c.port);
    EXPECT_EQ(r->ipv6, c.v6);
    EXPECT_EQ(r->to_string(), c.text);
  }
}

TEST(ListenAddressTest, RejectsEverythingElse) {
  const char* bad[] = {"",
                       "127.0.0.1",
                       "127.0.0.1:",
                       ":8080",
                       "localhost:8080",
                       "example.com:80",
                       "127.0.0.1:65536",
                       "127.0.0.1:99999",
                       "127.0.0.1:-1",
                       "127.0.0.1:+80",
                       "127.0.0.1:80a",
                       "127.0.0.1:123456",
                       "::1:8080",
                       "[::1]",
                       "[::1]8080",
                       "[::1:8080",
                       "[127.0.0.1]:80",
                       "[]:80",
                       "256.0.0.1:80",
                       "1.2.3:80",
                       "127.0.0.1 :80",
                       " 127.0.0.1:80"};
  for (const char* b : bad) {
    auto r = parse_listen_address(b);
    EXPECT_FALSE(r.ok()) << "accepted \"" << b << "\"";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::INVALID_ARGUMENT);
      EXPECT_NE(r.status().detail().find("HOST:PORT"), std::string::npos);
    }
  }
}

TEST(LogTest, JsonStringEscaping) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x01\x7f\xff\xc3\xa9", 11));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\u007f\xEF\xBF\xBD\xC3\xA9\"");
}

TEST(LogTest, RecordShape) {
  LogRecord r(LogLevel::kError, "e");
  r.str("k", "v").num("n", -3).unum("u", 7).real("x", 1.5).boolean("b", true);
  const std::string t = r.text();
  EXPECT_EQ(t.rfind("{\"ts\":\"", 0), 0u);
  EXPECT_NE(t.find("\"level\":\"error\",\"event\":\"e\",\"k\":\"v\",\"n\":-3,\"u\":7,\"x\":1.500,\"b\":true}"),
            std::string::npos)
      << t;
}

}  // namespace
}  // namespace ei::server
