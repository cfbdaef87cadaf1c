// POST /infer/plain and /v1/infer/plain (docs/api.md §6.6): shapes, float64 values, validation.
#include "test_util.h"

namespace ei::server::test {
namespace {

using protocol::ErrorCode;

class PlainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = make_app();
    ASSERT_TRUE(app_);
  }
  std::unique_ptr<App> app_;
};

const std::string kA = R"([0.5, -0.25, 0.1, 0.9, -0.6, 0.3, 0.0, -1.0])";

TEST_F(PlainTest, RootSingleFormIsTheFrozenV10Shape) {
  auto resp = app_->handle(post("/infer/plain", R"({"model_id": "logistic_v1", "version": "1.0.0", "inputs": )" + kA + "}"));
  ASSERT_EQ(resp.status, 200) << resp.body;
  auto j = nlohmann::ordered_json::parse(resp.body);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"model_id", "version", "outputs", "diagnostics"}));
  EXPECT_EQ(j["diagnostics"], (nlohmann::ordered_json{{"mode", "plain"}}));
  ASSERT_EQ(j["outputs"].size(), 1U);
  // 0.5 + 0.197·z with z = w·x + b; the example rounds it to 0.556736.
  EXPECT_NEAR(j["outputs"][0].get<double>(), 0.556736, 5e-7);
  // The v1.0 request plus api_version is accepted; the batch form is not (root is frozen).
  EXPECT_EQ(app_->handle(post("/infer/plain", R"({"api_version": "1.0", "model_id": "logistic_v1", "version": "1.0.0", "inputs": )" + kA + "}")).status, 200);
  expect_problem(app_->handle(post("/infer/plain", R"({"model_id": "logistic_v1", "version": "1.0.0", "inputs": [)" + kA + "]}")),
                 ErrorCode::SCHEMA_VIOLATION);
}

TEST_F(PlainTest, V1SingleAndBatch) {
  auto single = body_of(app_->handle(post("/v1/infer/plain", read_file(kSourceDir + "/docs/api/examples/v1-infer-plain-single.request.json"))));
  EXPECT_EQ(single["api_version"], "1.1.0");
  EXPECT_EQ(single["diagnostics"], (nlohmann::json{{"mode", "plain"}, {"form", "single"}, {"batch_size", 1}}));
  EXPECT_NEAR(single["outputs"][0].get<double>(), 0.556736, 5e-7);
  auto batch = body_of(app_->handle(post("/v1/infer/plain", read_file(kSourceDir + "/docs/api/examples/v1-infer-plain-batch.request.json"))));
  EXPECT_EQ(batch["diagnostics"], (nlohmann::json{{"mode", "plain"}, {"form", "batch"}, {"batch_size", 2}}));
  ASSERT_EQ(batch["outputs"].size(), 2U);
  EXPECT_NEAR(batch["outputs"][0][0].get<double>(), 0.556736, 5e-7);
  EXPECT_NEAR(batch["outputs"][1][0].get<double>(), 0.471829, 5e-7);
}

TEST_F(PlainTest, ValidationOrderAndCodes) {
  const std::string ex = kSourceDir + "/docs/api/examples/";
  auto p = expect_problem(app_->handle(post("/v1/infer/plain", read_file(ex + "error-input-count-mismatch.request.json"))),
                          ErrorCode::INPUT_COUNT_MISMATCH);
  EXPECT_EQ(p["pointer"], "/inputs");
  EXPECT_EQ(p["expected"], 8);
  EXPECT_EQ(p["got"], 3);
  p = expect_problem(app_->handle(post("/v1/infer/plain", read_file(ex + "error-batch-too-large.request.json"))),
                     ErrorCode::BATCH_TOO_LARGE);
  EXPECT_EQ(p["expected"], 16);
  EXPECT_EQ(p["got"], 17);
  // A short row in a batch: pointer to the row, before the batch limit.
  p = expect_problem(app_->handle(post("/v1/infer/plain", R"({"model_id": "logistic_v1", "version": "1.0.0", "inputs": [)" + kA +
                                                             R"(, [1, 2]]})")),
                     ErrorCode::INPUT_COUNT_MISMATCH);
  EXPECT_EQ(p["pointer"], "/inputs/1");
  p = expect_problem(app_->handle(post("/v1/infer/plain", read_file(ex + "error-schema-violation.request.json"))),
                     ErrorCode::SCHEMA_VIOLATION);
  EXPECT_EQ(p["errors"].size(), 2U);
  expect_problem(app_->handle(post("/v1/infer/plain", read_file(ex + "error-malformed-json.request.txt"))), ErrorCode::MALFORMED_JSON);
  p = expect_problem(app_->handle(post("/v1/infer/plain", read_file(ex + "error-malformed-json-duplicate.request.txt"))),
                     ErrorCode::MALFORMED_JSON);
  EXPECT_NE(p["detail"].get<std::string>().find("duplicate member name \"version\""), std::string::npos);
  expect_problem(app_->handle(post("/v1/infer/plain", read_file(ex + "error-unsupported-api-version.request.json"))),
                 ErrorCode::UNSUPPORTED_API_VERSION);
  p = expect_problem(app_->handle(post("/v1/infer/plain", read_file(ex + "error-unknown-model.request.json"))), ErrorCode::UNKNOWN_MODEL);
  EXPECT_EQ(p["pointer"], "/model_id");
  expect_problem(app_->handle(post("/v1/infer/plain", read_file(ex + "error-unsupported-media-type.request.json"),
                                   {{"Content-Type", "text/plain"}})),
                 ErrorCode::UNSUPPORTED_MEDIA_TYPE);
  expect_problem(app_->handle(post("/v1/infer/plain", R"({"model_id": "logistic_v1", "version": "9", "inputs": [1]})")),
                 ErrorCode::UNKNOWN_VERSION);
  // Out-of-range and non-number features are schema violations.
  expect_problem(app_->handle(post("/v1/infer/plain", R"({"model_id": "logistic_v1", "version": "1.0.0", "inputs": [1e13, 0, 0, 0, 0, 0, 0, 0]})")),
                 ErrorCode::SCHEMA_VIOLATION);
}

TEST_F(PlainTest, ReferenceArithmetic) {
  const Model* m = app_->registry().find("logistic_v1", "1.0.0");
  for (const auto& x : random_samples(50, 8, 3, 100.0)) {
    nlohmann::json body = {{"model_id", "logistic_v1"}, {"version", "1.0.0"}, {"inputs", x}};
    auto j = body_of(app_->handle(post("/v1/infer/plain", body.dump())));
    EXPECT_EQ(j["outputs"][0].get<double>(), plain_reference(*m, x));
  }
}

}  // namespace
}  // namespace ei::server::test
