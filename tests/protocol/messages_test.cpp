#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "protocol/json.h"
#include "protocol/messages.h"

namespace ei::protocol {
namespace {

nlohmann::json J(const std::string& text) { return std::get<nlohmann::json>(parse_json(text)); }

template <typename T>
const Problem* problem(const Decoded<T>& d) {
  return std::get_if<Problem>(&d);
}

bool has_error(const Problem* p, const std::string& pointer, const std::string& keyword) {
  if (p == nullptr) return false;
  for (const auto& e : p->errors) {
    if (e.pointer == pointer && e.keyword == keyword) return true;
  }
  return false;
}

const std::string kInfer =
    R"({"model_id": "m", "version": "1", "batch_size": 2, "inputs": [{"encoding": "hex", "payload": "00"}]})";

TEST(InferDecode, AcceptsV10AndV11Members) {
  auto d = decode_infer_request(J(kInfer), "POST /infer");
  ASSERT_EQ(problem(d), nullptr);
  const auto& r = std::get<InferRequest>(d);
  EXPECT_EQ(r.batch_size, 2U);
  EXPECT_EQ(r.inputs.size(), 1U);
  EXPECT_EQ(r.encoding(), Encoding::hex);
  EXPECT_EQ(r.inputs[0].payload, "00");
  auto full = decode_infer_request(
      J(R"({"api_version": "1.1", "model_id": "m", "version": "1", "batch_size": 2.0, "layout": "packed_rows",
            "context_id": ")" + std::string(64, 'a') + R"(", "result_compression": "zstd",
            "inputs": [{"encoding": "base64", "payload": "AA=="}, {"encoding": "base64", "payload": "!"}]})"),
      "POST /v1/infer");
  ASSERT_EQ(problem(full), nullptr);
  const auto& f = std::get<InferRequest>(full);
  EXPECT_EQ(f.layout, "packed_rows");
  EXPECT_EQ(f.result_compression, ser::Compression::zstd);
  EXPECT_EQ(f.batch_size, 2U);
}

TEST(InferDecode, HugeBatchSizeIsSchemaValid) {
  auto d = decode_infer_request(
      J(R"({"model_id": "m", "version": "1", "batch_size": 1e300, "inputs": [{"encoding": "hex", "payload": "00"}]})"),
      "op");
  ASSERT_EQ(problem(d), nullptr);
  EXPECT_EQ(std::get<InferRequest>(d).batch_size, UINT64_MAX);
}

TEST(InferDecode, Violations) {
  struct Case {
    std::string body;
    std::string pointer;
    std::string keyword;
  };
  const std::string in = R"("inputs": [{"encoding": "hex", "payload": "00"}])";
  const Case cases[] = {
      {"[]", "", "type"},
      {R"({"version": "1", "batch_size": 1, )" + in + "}", "", "required"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "extra": 1, )" + in + "}", "/extra", "additionalProperties"},
      {R"({"model_id": "", "version": "1", "batch_size": 1, )" + in + "}", "/model_id", "minLength"},
      {R"({"model_id": ")" + std::string(129, 'm') + R"(", "version": "1", "batch_size": 1, )" + in + "}", "/model_id",
       "maxLength"},
      {R"({"model_id": "m", "version": 1, "batch_size": 1, )" + in + "}", "/version", "type"},
      {R"({"model_id": "m", "version": "1", "batch_size": 0, )" + in + "}", "/batch_size", "minimum"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1.5, )" + in + "}", "/batch_size", "type"},
      {R"({"model_id": "m", "version": "1", "batch_size": "1", )" + in + "}", "/batch_size", "type"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "inputs": []})", "/inputs", "minItems"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "inputs": [{"encoding": "b64", "payload": "00"}]})",
       "/inputs/0/encoding", "enum"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "inputs": [{"encoding": "hex", "payload": ""}]})",
       "/inputs/0/payload", "minLength"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "inputs": [{"encoding": "hex"}]})", "/inputs/0",
       "required"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "inputs": [{"encoding": "hex", "payload": "00", "x": 1}]})",
       "/inputs/0/x", "additionalProperties"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "inputs": [{"encoding": "hex", "payload": "00"},
          {"encoding": "base64", "payload": "AA=="}]})",
       "/inputs", "anyOf"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "layout": "Packed", )" + in + "}", "/layout", "pattern"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "context_id": "ABC", )" + in + "}", "/context_id",
       "pattern"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "result_compression": "gzip", )" + in + "}",
       "/result_compression", "enum"},
      {R"({"model_id": "m", "version": "1", "batch_size": 1, "api_version": "v1", )" + in + "}", "/api_version",
       "pattern"},
  };
  for (const auto& c : cases) {
    auto d = decode_infer_request(J(c.body), "op");
    const Problem* p = problem(d);
    ASSERT_NE(p, nullptr) << c.body;
    EXPECT_EQ(p->code, ErrorCode::SCHEMA_VIOLATION);
    EXPECT_TRUE(has_error(p, c.pointer, c.keyword)) << c.body << " -> " << (p->errors.empty() ? "" : p->errors[0].pointer + " " + p->errors[0].keyword);
  }
}

TEST(InferDecode, TooManyInputsIsSchemaViolation) {
  std::string body = R"({"model_id": "m", "version": "1", "batch_size": 1, "inputs": [)";
  for (int i = 0; i < 4097; ++i) body += std::string(i ? "," : "") + R"({"encoding": "hex", "payload": "00"})";
  body += "]}";
  const auto d = decode_infer_request(J(body), "op");
  EXPECT_TRUE(has_error(problem(d), "/inputs", "maxItems"));
}

TEST(InferDecode, ApiVersionMajor) {
  const std::string tail = R"(, "model_id": "m", "version": "1", "batch_size": 1, "inputs": [{"encoding": "hex", "payload": "00"}]})";
  EXPECT_EQ(problem(decode_infer_request(J(R"({"api_version": "1")" + tail), "op")), nullptr);
  EXPECT_EQ(problem(decode_infer_request(J(R"({"api_version": "1.0.0")" + tail), "op")), nullptr);
  auto d = decode_infer_request(J(R"({"api_version": "2")" + tail), "op");
  ASSERT_NE(problem(d), nullptr);
  EXPECT_EQ(problem(d)->code, ErrorCode::UNSUPPORTED_API_VERSION);
  d = decode_infer_request(J(R"({"api_version": "0.9")" + tail), "op");
  EXPECT_EQ(problem(d)->code, ErrorCode::UNSUPPORTED_API_VERSION);
}

TEST(PlainDecode, SingleAndBatchForms) {
  auto single = decode_plain_request(J(R"({"model_id": "m", "version": "1", "inputs": [1, 2.5, -3]})"), false, "op");
  ASSERT_EQ(problem(single), nullptr);
  EXPECT_FALSE(std::get<PlainRequest>(single).batch_form);
  EXPECT_EQ(std::get<PlainRequest>(single).rows.at(0).size(), 3U);

  auto batch = decode_plain_request(J(R"({"model_id": "m", "version": "1", "inputs": [[1, 2], [3, 4], [5]]})"), true, "op");
  ASSERT_EQ(problem(batch), nullptr);
  EXPECT_TRUE(std::get<PlainRequest>(batch).batch_form);
  EXPECT_EQ(std::get<PlainRequest>(batch).rows.size(), 3U);

  // The batch form at the root is a schema violation.
  auto root = decode_plain_request(J(R"({"model_id": "m", "version": "1", "inputs": [[1, 2]]})"), false, "op");
  EXPECT_TRUE(has_error(problem(root), "/inputs/0", "type"));
}

TEST(PlainDecode, Violations) {
  EXPECT_TRUE(has_error(problem(decode_plain_request(J(R"({"model_id": "m", "version": "1", "inputs": [1e13]})"), true, "op")),
                        "/inputs/0", "maximum"));
  EXPECT_TRUE(has_error(problem(decode_plain_request(J(R"({"model_id": "m", "version": "1", "inputs": [true]})"), true, "op")),
                        "/inputs/0", "type"));
  EXPECT_TRUE(has_error(problem(decode_plain_request(J(R"({"model_id": "m", "version": "1", "inputs": [[1], 2]})"), true, "op")),
                        "/inputs/1", "type"));
  EXPECT_TRUE(has_error(problem(decode_plain_request(J(R"({"model_id": "m", "version": "1", "inputs": [[]]})"), true, "op")),
                        "/inputs/0", "minItems"));
  EXPECT_TRUE(has_error(problem(decode_plain_request(J(R"({"model_id": "m", "version": "1", "inputs": []})"), true, "op")),
                        "/inputs", "minItems"));
  EXPECT_TRUE(has_error(problem(decode_plain_request(J(R"({"model_id": "m", "version": "1", "inputs": [1], "batch_size": 1})"), true, "op")),
                        "/batch_size", "additionalProperties"));
}

TEST(ContextDecode, AcceptsAndRejects) {
  auto ok = decode_context_request(
      J(R"({"model_id": "m", "version": "1", "galois_keys": {"encoding": "base64", "payload": "AA=="}, "ttl_seconds": 60})"), "op");
  ASSERT_EQ(problem(ok), nullptr);
  EXPECT_TRUE(std::get<ContextRequest>(ok).galois_keys.has_value());
  EXPECT_FALSE(std::get<ContextRequest>(ok).relin_keys.has_value());
  EXPECT_EQ(std::get<ContextRequest>(ok).ttl_seconds, 60);
  EXPECT_TRUE(has_error(problem(decode_context_request(J(R"({"model_id": "m", "version": "1"})"), "op")), "", "anyOf"));
  EXPECT_TRUE(has_error(problem(decode_context_request(
                            J(R"({"model_id": "m", "version": "1", "relin_keys": {"encoding": "hex", "payload": "00"}, "ttl_seconds": 0})"), "op")),
                        "/ttl_seconds", "minimum"));
  EXPECT_TRUE(has_error(problem(decode_context_request(
                            J(R"({"model_id": "m", "version": "1", "relin_keys": {"encoding": "hex", "payload": "00"}, "ttl_seconds": 31536001})"), "op")),
                        "/ttl_seconds", "maximum"));
}

}  // namespace
}  // namespace ei::protocol
