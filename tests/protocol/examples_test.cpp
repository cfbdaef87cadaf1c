// Every request example of docs/api/examples (index.json) goes through the typed decoders: bodies
// the index marks valid are accepted (unless their expected code is decided after the schema, e.g.
// UNSUPPORTED_API_VERSION), bodies marked invalid are SCHEMA_VIOLATION, and the raw-text
// MALFORMED_JSON examples are rejected by the strict parser.
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/json.h"
#include "protocol/messages.h"

namespace ei::protocol {
namespace {

const std::string kExamples = std::string(EI_SOURCE_DIR) + "/docs/api/examples/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// nullopt = accepted; otherwise the problem code.
std::optional<ErrorCode> run_decoder(const std::string& schema, const std::string& body, Problem* out = nullptr) {
  auto parsed = parse_json(body);
  if (std::holds_alternative<JsonError>(parsed)) return ErrorCode::MALFORMED_JSON;
  auto dom = std::get<nlohmann::json>(std::move(parsed));
  auto code_of = [&](auto decoded) -> std::optional<ErrorCode> {
    if (auto* p = std::get_if<Problem>(&decoded)) {
      if (out != nullptr) *out = *p;
      return p->code;
    }
    return std::nullopt;
  };
  if (schema == "schemas/infer-request.json") return code_of(decode_infer_request(std::move(dom), "POST /v1/infer"));
  if (schema == "schemas/plain-request.json") {
    return code_of(decode_plain_request(std::move(dom), true, "POST /v1/infer/plain"));
  }
  if (schema == "schemas/plain-request-single.json") {
    return code_of(decode_plain_request(std::move(dom), false, "POST /infer/plain"));
  }
  if (schema == "schemas/context-request.json") {
    return code_of(decode_context_request(std::move(dom), "POST /v1/contexts"));
  }
  ADD_FAILURE() << "no decoder for " << schema;
  return ErrorCode::INTERNAL;
}

TEST(Examples, EveryRequestExampleAgreesWithItsSchemaVerdict) {
  const auto index = nlohmann::json::parse(read_file(kExamples + "index.json"));
  int checked = 0;
  for (const auto& ex : index["examples"]) {
    if (!ex.contains("request") || !ex["request"].contains("body")) continue;
    const auto& req = ex["request"];
    const std::string id = ex["id"];
    const std::string body = read_file(kExamples + req["body"].get<std::string>());
    const std::string code = ex.contains("code") && ex["code"].is_string() ? ex["code"].get<std::string>() : "";
    if (!req.contains("schema") || !req["schema"].is_string()) {
      // Raw bodies: the MALFORMED_JSON examples (MALFORMED_HTTP is the transport's).
      if (code == "MALFORMED_JSON") {
        EXPECT_TRUE(std::holds_alternative<JsonError>(parse_json(body))) << id;
        ++checked;
      }
      continue;
    }
    const std::string schema = req["schema"];
    const bool valid = req.value("valid", true);
    const auto result = run_decoder(schema, body);
    if (!valid) {
      EXPECT_EQ(result, ErrorCode::SCHEMA_VIOLATION) << id;
    } else if (code == "UNSUPPORTED_API_VERSION") {
      EXPECT_EQ(result, ErrorCode::UNSUPPORTED_API_VERSION) << id;
    } else {
      EXPECT_EQ(result, std::nullopt) << id << " rejected with "
                                      << (result ? std::string(code_name(*result)) : std::string());
    }
    ++checked;
  }
  EXPECT_GE(checked, 25);
}

TEST(Examples, SchemaViolationExampleReportsPointersAndKeywords) {
  Problem p;
  const auto code = run_decoder("schemas/plain-request.json", read_file(kExamples + "error-schema-violation.request.json"), &p);
  ASSERT_EQ(code, ErrorCode::SCHEMA_VIOLATION);
  bool threshold = false;
  bool type = false;
  for (const auto& e : p.errors) {
    if (e.pointer == "/threshold" && e.keyword == "additionalProperties") threshold = true;
    if (e.pointer == "/inputs/2" && e.keyword == "type") type = true;
  }
  EXPECT_TRUE(threshold);
  EXPECT_TRUE(type);
  EXPECT_EQ(p.detail, "The request does not match the schema of POST /v1/infer/plain: 2 violations.");
}

TEST(Examples, UnsupportedApiVersionExample) {
  Problem p;
  run_decoder("schemas/plain-request.json", read_file(kExamples + "error-unsupported-api-version.request.json"), &p);
  EXPECT_EQ(p.code, ErrorCode::UNSUPPORTED_API_VERSION);
  EXPECT_EQ(p.pointer, "/api_version");
  EXPECT_EQ(p.expected, "1");
  EXPECT_EQ(p.got, "2.0");
}

TEST(Examples, ModelFileExampleIsJson) {
  EXPECT_TRUE(std::holds_alternative<nlohmann::json>(parse_json(read_file(kExamples + "model-file.logistic_v1.json"))));
}

}  // namespace
}  // namespace ei::protocol
