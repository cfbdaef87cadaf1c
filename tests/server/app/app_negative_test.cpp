// Negative inputs through the whole pipeline (docs/api.md §5): every ciphertext defect gets its
// documented code, checks run in the documented order, and the server stays healthy.
#include <cmath>

#include "engine/ckks/evaluator.h"
#include "protocol/encoding.h"
#include "test_util.h"

namespace ei::server::test {
namespace {

using protocol::ErrorCode;

class NegativeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    app_ = make_app().release();
    model_ = app_->registry().find("logistic_v1", "1.0.0");
    client_ = new Client(*model_);
    samples_ = random_samples(2, 8, 42);
    valid_ = client_->feature_columns_cts(samples_);
  }
  static void TearDownTestSuite() {
    delete client_;
    delete app_;
  }

  // A feature_columns request whose input 0 is replaced by `payload` (hex).
  static std::string body_with_input0(const std::string& payload, const std::string& encoding = "hex") {
    nlohmann::json j = {{"model_id", "logistic_v1"}, {"version", "1.0.0"}, {"batch_size", 2}};
    j["inputs"] = nlohmann::json::array();
    for (std::size_t i = 0; i < valid_.size(); ++i) {
      j["inputs"].push_back({{"encoding", encoding},
                             {"payload", i == 0 ? payload : Client::encode(valid_[i], encoding)}});
    }
    return j.dump();
  }
  static std::string hex_of(const rlwe::Ciphertext& ct) { return Client::encode(ct, "hex"); }
  static nlohmann::json expect_input0(ErrorCode code, const std::string& payload) {
    auto resp = app_->handle(post("/v1/infer", body_with_input0(payload)));
    auto p = expect_problem(resp, code);
    EXPECT_EQ(p.value("pointer", ""), "/inputs/0/payload") << p.dump();
    // Never echo payload bytes.
    if (payload.size() >= 32) {
      EXPECT_EQ(resp.body.find(payload.substr(0, 32)), std::string::npos);
    }
    return p;
  }

  static App* app_;
  static const Model* model_;
  static Client* client_;
  static std::vector<std::vector<double>> samples_;
  static std::vector<rlwe::Ciphertext> valid_;
};
App* NegativeTest::app_ = nullptr;
const Model* NegativeTest::model_ = nullptr;
Client* NegativeTest::client_ = nullptr;
std::vector<std::vector<double>> NegativeTest::samples_;
std::vector<rlwe::Ciphertext> NegativeTest::valid_;

TEST_F(NegativeTest, OtherParametersAreParamsMismatch) {
  const int bits[] = {60, 40, 40, 60};
  auto parms = rlwe::make_ckks_parameters(8192, bits);
  ASSERT_TRUE(parms.ok());
  auto ctx = rlwe::Context::create(parms.value());
  ASSERT_TRUE(ctx.ok());
  rlwe::KeyGenerator kg(ctx.value());
  rlwe::Encryptor enc(ctx.value(), kg.create_public_key());
  ckks::Encoder encoder(ctx.value());
  rlwe::Plaintext pt;
  ASSERT_TRUE(encoder.encode(std::vector<double>{0.5, -0.3}, ctx.value()->first_parms_id(), 1073741824.0, pt).ok());
  rlwe::Ciphertext ct;
  ASSERT_TRUE(enc.encrypt(pt, ct).ok());
  auto p = expect_input0(ErrorCode::PARAMS_MISMATCH, hex_of(ct));
  EXPECT_EQ(p["expected"], rlwe::parms_id_hex(model_->context->first_parms_id()));
  EXPECT_EQ(p["got"], rlwe::parms_id_hex(ctx.value()->first_parms_id()));
}

TEST_F(NegativeTest, LowerLevelIsLevelMismatch) {
  const rlwe::ParmsId lower = model_->context->first_context_data().next()->parms_id();
  auto ct = client_->encrypt({0.5, -0.3}, lower, 1073741824.0);
  auto p = expect_input0(ErrorCode::LEVEL_MISMATCH, hex_of(ct));
  EXPECT_EQ(p["expected"], rlwe::parms_id_hex(model_->context->first_parms_id()));
  EXPECT_EQ(p["got"], rlwe::parms_id_hex(lower));
  // Mod-switched down with the evaluator (what a client doing it by hand sends): the same.
  ckks::Evaluator ev(model_->context);
  rlwe::Ciphertext switched;
  ASSERT_TRUE(ev.mod_switch_to_next(valid_[0], switched).ok());
  expect_input0(ErrorCode::LEVEL_MISMATCH, hex_of(switched));
}

TEST_F(NegativeTest, OtherScalesAreScaleMismatch) {
  for (double scale : {2147483648.0, 536870912.0}) {
    auto ct = client_->encrypt({0.5, -0.3}, model_->context->first_parms_id(), scale);
    auto p = expect_input0(ErrorCode::SCALE_MISMATCH, hex_of(ct));
    EXPECT_EQ(p["expected"], 1073741824);
    EXPECT_EQ(p["got"], static_cast<std::int64_t>(scale));
  }
}

TEST_F(NegativeTest, WrongPolynomialCounts) {
  // Size 0 (an empty SEAL ciphertext): loads, then fails the size check.
  rlwe::Ciphertext empty;
  empty.parms_id = model_->context->first_parms_id();
  empty.poly_modulus_degree = valid_[0].poly_modulus_degree;
  empty.coeff_modulus_size = valid_[0].coeff_modulus_size;
  empty.scale = valid_[0].scale;
  empty.size = 0;
  auto p = expect_input0(ErrorCode::CIPHERTEXT_SIZE_MISMATCH, hex_of(empty));
  EXPECT_EQ(p["expected"], 2);
  EXPECT_EQ(p["got"], 0);
  // Size 3 (an unrelinearized product) at the input level is larger than any valid input
  // (max_input_bytes is derived from size 2), so step 6 rejects it before it is decoded.
  ckks::Evaluator ev(model_->context);
  rlwe::Ciphertext product;
  ASSERT_TRUE(ev.multiply(valid_[0], valid_[1], product).ok());
  ASSERT_EQ(product.size, 3U);
  expect_input0(ErrorCode::INPUT_TOO_LARGE, hex_of(product));
}

TEST_F(NegativeTest, NotNttFormIsNotNttForm) {
  rlwe::Ciphertext ct = valid_[0];
  ct.is_ntt_form = false;
  expect_input0(ErrorCode::NOT_NTT_FORM, hex_of(ct));
}

TEST_F(NegativeTest, TransparentIsTransparentCiphertext) {
  rlwe::Ciphertext ct = valid_[0];
  std::fill(ct.poly(1), ct.poly(1) + ct.poly_words(), 0);
  ct.seed.reset();
  expect_input0(ErrorCode::TRANSPARENT_CIPHERTEXT, hex_of(ct));
}

TEST_F(NegativeTest, StructuralDefectsAreCiphertextMalformed) {
  const std::string good = hex_of(valid_[0]);
  // Truncated.
  expect_input0(ErrorCode::CIPHERTEXT_MALFORMED, good.substr(0, good.size() - 200));
  // Trailing bytes.
  expect_input0(ErrorCode::CIPHERTEXT_MALFORMED, good + "00");
  // One byte; not SEAL at all; bad magic.
  expect_input0(ErrorCode::CIPHERTEXT_MALFORMED, "00");
  expect_input0(ErrorCode::CIPHERTEXT_MALFORMED, protocol::encode_hex(std::vector<std::uint8_t>(32, 0x41)));
  std::string bad_magic = good;
  bad_magic[0] = 'f';
  bad_magic[1] = 'f';
  expect_input0(ErrorCode::CIPHERTEXT_MALFORMED, bad_magic);
  // SEAL 4.4 version bytes.
  std::string v44 = good;
  v44.replace(6, 4, "0404");
  expect_input0(ErrorCode::CIPHERTEXT_MALFORMED, v44);
  // A coefficient not below its modulus.
  rlwe::Ciphertext ct = valid_[0];
  ct.data[5] = model_->context->first_context_data().coeff_modulus()[0].value();
  auto p = expect_input0(ErrorCode::CIPHERTEXT_MALFORMED, hex_of(ct));
  EXPECT_NE(p["detail"].get<std::string>().find("inputs[0]"), std::string::npos);
  // Placeholder payloads of the examples are not SEAL objects either.
  auto resp = app_->handle(post("/v1/infer", read_file(kSourceDir + "/docs/api/examples/error-ciphertext-malformed.request.json")));
  expect_problem(resp, ErrorCode::CIPHERTEXT_MALFORMED);
}

TEST_F(NegativeTest, EncodingErrorsAreBadEncoding) {
  auto p = expect_input0(ErrorCode::BAD_ENCODING, "abc");
  EXPECT_NE(p["detail"].get<std::string>().find("odd length"), std::string::npos);
  expect_input0(ErrorCode::BAD_ENCODING, "zz");
  auto resp = app_->handle(post("/v1/infer", body_with_input0("AB==", "base64")));
  expect_problem(resp, ErrorCode::BAD_ENCODING);
  resp = app_->handle(post("/v1/infer", read_file(kSourceDir + "/docs/api/examples/error-bad-encoding.request.json")));
  expect_problem(resp, ErrorCode::BAD_ENCODING);
}

TEST_F(NegativeTest, InputTooLargeIsDecidedBeforeDecoding) {
  const std::uint64_t max = model_->layout("feature_columns")->max_input_bytes;
  auto p = expect_input0(ErrorCode::INPUT_TOO_LARGE, std::string(2 * max + 2, 'g'));  // not even hex
  EXPECT_EQ(p["expected"], max);
  EXPECT_EQ(p["got"], max + 1);
  // Input 0 has bad hex, input 3 is too large: step 6 (all sizes) precedes step 7 (decoding).
  auto j = nlohmann::json::parse(body_with_input0("zz"));
  j["inputs"][3]["payload"] = std::string(2 * max + 2, 'a');
  auto resp = app_->handle(post("/v1/infer", j.dump()));
  auto q = expect_problem(resp, ErrorCode::INPUT_TOO_LARGE);
  EXPECT_EQ(q["pointer"], "/inputs/3/payload");
}

TEST_F(NegativeTest, RequestConstraints) {
  auto j = nlohmann::json::parse(body_with_input0(hex_of(valid_[0])));
  // (a) layout
  auto k = j;
  k["layout"] = "diagonal";
  auto p = expect_problem(app_->handle(post("/v1/infer", k.dump())), ErrorCode::LAYOUT_UNSUPPORTED);
  EXPECT_EQ(p["pointer"], "/layout");
  // (b) input count
  k = j;
  k["inputs"].erase(7);
  p = expect_problem(app_->handle(post("/v1/infer", k.dump())), ErrorCode::INPUT_COUNT_MISMATCH);
  EXPECT_EQ(p["expected"], 8);
  EXPECT_EQ(p["got"], 7);
  // (c) batch size, any magnitude; (b) precedes (c).
  for (const nlohmann::json& b : {nlohmann::json(17), nlohmann::json(1e300), nlohmann::json(9007199254740993ULL)}) {
    k = j;
    k["batch_size"] = b;
    p = expect_problem(app_->handle(post("/v1/infer", k.dump())), ErrorCode::BATCH_TOO_LARGE);
    EXPECT_EQ(p["expected"], 16);
  }
  k["inputs"].erase(7);
  expect_problem(app_->handle(post("/v1/infer", k.dump())), ErrorCode::INPUT_COUNT_MISMATCH);
  // (d) unknown context; (e) keys required for packed_rows.
  k = j;
  k["context_id"] = std::string(64, 'a');
  p = expect_problem(app_->handle(post("/v1/infer", k.dump())), ErrorCode::UNKNOWN_CONTEXT);
  EXPECT_EQ(p["pointer"], "/context_id");
  auto packed = nlohmann::json::parse(client_->packed_rows_body(samples_, ""));
  p = expect_problem(app_->handle(post("/v1/infer", packed.dump())), ErrorCode::EVALUATION_KEYS_REQUIRED);
  EXPECT_NE(p["detail"].get<std::string>().find("3, 9, 81"), std::string::npos) << p["detail"];
  // Step 4 before step 5.
  k = j;
  k["model_id"] = "logistic_v9";
  k["layout"] = "diagonal";
  p = expect_problem(app_->handle(post("/v1/infer", k.dump())), ErrorCode::UNKNOWN_MODEL);
  EXPECT_EQ(p["pointer"], "/model_id");
  k["model_id"] = "logistic_v1";
  k["version"] = "2.0.0";
  p = expect_problem(app_->handle(post("/v1/infer", k.dump())), ErrorCode::UNKNOWN_VERSION);
  EXPECT_EQ(p["pointer"], "/version");
}

TEST_F(NegativeTest, EarlyStagesOnInfer) {
  expect_problem(app_->handle(post("/infer", "{\"model_id\": ")), ErrorCode::MALFORMED_JSON);
  expect_problem(app_->handle(post("/infer", "")), ErrorCode::MALFORMED_JSON);
  expect_problem(app_->handle(post("/infer", R"({"model_id": "a", "model_id": "b"})")), ErrorCode::MALFORMED_JSON);
  expect_problem(app_->handle(post("/infer", "[]")), ErrorCode::SCHEMA_VIOLATION);
  expect_problem(app_->handle(post("/infer", "{}", {{"Content-Type", "text/plain"}})), ErrorCode::UNSUPPORTED_MEDIA_TYPE);
  expect_problem(app_->handle(post("/infer", "{}", {{"Content-Encoding", "gzip"}})), ErrorCode::UNSUPPORTED_MEDIA_TYPE);
  auto ok_ct = app_->handle(post("/infer", "{}", {{"Content-Type", "Application/JSON; charset=UTF-8"}}));
  expect_problem(ok_ct, ErrorCode::SCHEMA_VIOLATION);
  expect_problem(app_->handle(post("/infer", "{}", {{"Content-Type", "application/json; version=2"}})),
                 ErrorCode::UNSUPPORTED_MEDIA_TYPE);
  auto j = nlohmann::json::parse(body_with_input0(hex_of(valid_[0])));
  j["api_version"] = "2.0";
  auto p = expect_problem(app_->handle(post("/infer", j.dump())), ErrorCode::UNSUPPORTED_API_VERSION);
  EXPECT_EQ(p["pointer"], "/api_version");
  // Nesting deeper than 32.
  expect_problem(app_->handle(post("/infer", std::string(40, '[') + std::string(40, ']'))), ErrorCode::MALFORMED_JSON);
}

TEST_F(NegativeTest, ServerStaysHealthyAfterwards) {
  EXPECT_EQ(app_->handle(get("/health")).status, 200);
  auto resp = app_->handle(post("/infer", client_->feature_columns_body(samples_)));
  ASSERT_EQ(resp.status, 200) << resp.body.substr(0, 300);
  auto slots = client_->decrypt_payload(body_of(resp)["result"]["payload"], "hex");
  EXPECT_NEAR(slots[0], plain_reference(*model_, samples_[0]), 1e-5);
}

}  // namespace
}  // namespace ei::server::test
