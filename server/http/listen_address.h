// ListenAddress: the `--listen HOST:PORT` value, parsed and validated.
//
// Accepted forms (docs/server.md "--listen"):
//   IPv4 literal  "127.0.0.1:8080", "0.0.0.0:0"
//   IPv6 literal  "[::1]:8080", "[::]:0"  (brackets required, RFC 3986 §3.2.2)
// PORT is 0..65535 in decimal without sign or leading '+'; 0 asks the kernel for an ephemeral port
// (the bound address is then printed on stdout, see HttpServer). Host names (including
// "localhost") are rejected: the server binds exactly what it is told, without DNS.
//
// Thread-safety: values.
// Ownership: owns its strings.
// Errors: parse_listen_address returns INVALID_ARGUMENT with an English detail.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace ei::server {

struct ListenAddress {
  std::string host;  // the IP literal without brackets, e.g. "127.0.0.1" or "::1"
  std::uint16_t port = 0;
  bool ipv6 = false;

  // "127.0.0.1:8080" or "[::1]:8080".
  [[nodiscard]] std::string to_string() const;
};

// REQUIRES: nothing. Returns INVALID_ARGUMENT if `text` is not one of the accepted forms.
[[nodiscard]] Result<ListenAddress> parse_listen_address(std::string_view text);

// Formats an endpoint the way ListenAddress::to_string does ("[v6]:port" for IPv6).
[[nodiscard]] std::string format_host_port(std::string_view ip_literal, std::uint16_t port);

}  // namespace ei::server
