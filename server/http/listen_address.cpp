#include "server/http/listen_address.h"

#include <boost/asio/ip/address.hpp>

namespace ei::server {

std::string format_host_port(std::string_view ip_literal, std::uint16_t port) {
  std::string out;
  const bool v6 = ip_literal.find(':') != std::string_view::npos;
  if (v6) out.push_back('[');
  out.append(ip_literal);
  if (v6) out.push_back(']');
  out.push_back(':');
  out += std::to_string(port);
  return out;
}

std::string ListenAddress::to_string() const { return format_host_port(host, port); }

Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return Status(Code::INVALID_ARGUMENT,
                  "listen address \"" + std::string(text.substr(0, 80)) + "\" is invalid: " +
                      std::string(why) + " (expected HOST:PORT with an IPv4 literal, e.g. " +
                      "127.0.0.1:8080, or a bracketed IPv6 literal, e.g. [::1]:8080)");
  };
  if (text.empty()) return fail("it is empty");
  if (text.size() > 128) return fail("it is too long");

  std::string_view host;
  std::string_view port_text;
  bool ipv6 = false;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']' after the IPv6 literal");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return fail("missing ':PORT'");
    port_text = text.substr(close + 2);
    ipv6 = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("missing ':PORT'");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail("an IPv6 literal must be written in brackets");
    }
  }
  if (host.empty()) return fail("the host is empty");
  if (port_text.empty()) return fail("the port is empty");
  if (port_text.size() > 5) return fail("the port is not in 0..65535");
  std::uint32_t port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return fail("the port is not a decimal number");
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (port > 65535) return fail("the port is not in 0..65535");

  boost::system::error_code ec;
  const std::string host_str(host);
  if (ipv6) {
    const auto a = boost::asio::ip::make_address_v6(host_str, ec);
    if (ec) return fail("the host is not an IPv6 literal");
    (void)a;
  } else {
    const auto a = boost::asio::ip::make_address_v4(host_str, ec);
    if (ec) return fail("the host is not an IPv4 literal (host names are not resolved)");
    // make_address_v4 accepts only dotted-quad here (inet_pton); nothing more to check.
    (void)a;
  }
  ListenAddress out;
  out.host = host_str;
  out.port = static_cast<std::uint16_t>(port);
  out.ipv6 = ipv6;
  return out;
}

}  // namespace ei::server
