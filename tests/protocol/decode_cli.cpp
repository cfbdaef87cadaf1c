// Test helper for test_schema_agreement.py: reads JSON lines {"schema": "schemas/…", "body": "<text>"}
// from stdin and prints, per line, ACCEPT or the problem code the typed decoder returns.
#include <iostream>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "protocol/json.h"
#include "protocol/messages.h"

namespace {

template <typename T>
std::string verdict(const ei::protocol::Decoded<T>& d) {
  if (const auto* p = std::get_if<ei::protocol::Problem>(&d)) return std::string(ei::protocol::code_name(p->code));
  return "ACCEPT";
}

}  // namespace

int main() {
  using ei::protocol::decode_context_request;
  using ei::protocol::decode_infer_request;
  using ei::protocol::decode_plain_request;
  std::string line;
  while (std::getline(std::cin, line)) {
    const auto request = nlohmann::json::parse(line);
    const std::string schema = request.at("schema");
    auto parsed = ei::protocol::parse_json(request.at("body").get<std::string>());
    if (std::holds_alternative<ei::protocol::JsonError>(parsed)) {
      std::cout << "MALFORMED_JSON\n";
      continue;
    }
    auto dom = std::get<nlohmann::json>(std::move(parsed));
    if (schema == "schemas/infer-request.json") {
      std::cout << verdict(decode_infer_request(std::move(dom), "op")) << "\n";
    } else if (schema == "schemas/plain-request.json") {
      std::cout << verdict(decode_plain_request(std::move(dom), true, "op")) << "\n";
    } else if (schema == "schemas/plain-request-single.json") {
      std::cout << verdict(decode_plain_request(std::move(dom), false, "op")) << "\n";
    } else if (schema == "schemas/context-request.json") {
      std::cout << verdict(decode_context_request(std::move(dom), "op")) << "\n";
    } else {
      std::cout << "UNKNOWN_SCHEMA\n";
    }
  }
  return 0;
}
