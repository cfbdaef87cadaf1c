// The published v1.0 client flow (published-v1.0.md "How the published client behaves") against
// the App in-process, with real encryption: context from /models, public-key encryption, one hex
// ciphertext per feature, POST /infer, GET /jobs/{id}, decrypt the first batch_size slots. Max abs
// error vs float64 <= 1e-5 and agreement with /infer/plain, for batches of 1 and 16.
#include <chrono>
#include <cmath>
#include <random>
#include <regex>

#include "test_util.h"

namespace ei::server::test {
namespace {

class InferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = make_app();
    ASSERT_TRUE(app_);
    model_ = app_->registry().find("logistic_v1", "1.0.0");
    ASSERT_NE(model_, nullptr);
  }
  std::unique_ptr<App> app_;
  const Model* model_ = nullptr;
};

// What the published client checks on a job body (v1_0/job.json) plus our job.json basics.
void expect_v10_completed_job(const nlohmann::json& j, std::size_t batch) {
  ASSERT_EQ(j.value("status", ""), "completed") << j.dump().substr(0, 500);
  EXPECT_TRUE(std::regex_match(j.value("job_id", ""), std::regex("^[0-9a-f]{32}$")));
  EXPECT_EQ(j["api_version"], "1.1.0");
  EXPECT_EQ(j["layout"], "feature_columns");
  EXPECT_EQ(j["batch_size"], batch);
  for (const char* k : {"created_at", "started_at", "finished_at", "expires_at"}) {
    EXPECT_TRUE(std::regex_match(j.value(k, ""), std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"))) << k;
  }
  const auto& r = j["result"];
  EXPECT_EQ(r["model_id"], "logistic_v1");
  EXPECT_EQ(r["version"], "1.0.0");
  EXPECT_EQ(r["encoding"], "hex");
  EXPECT_EQ(r["compression"], "none");
  EXPECT_EQ(r["layout"], "feature_columns");
  EXPECT_TRUE(std::regex_match(r.value("payload", "").substr(0, 64), std::regex("^[0-9a-f]+$")));
  EXPECT_EQ(r["payload"].get<std::string>().size() % 2, 0U);
  EXPECT_EQ(r["output_mapping"], (nlohmann::json{{"offset", 0}, {"sample_stride", 1}, {"count", batch}}));
  EXPECT_EQ(r["diagnostics"]["requested_batch_size"], batch);
  EXPECT_EQ(r["diagnostics"]["processed_batch_size"], batch);
  EXPECT_EQ(r["diagnostics"]["batch_truncated"], false);
  EXPECT_EQ(r["diagnostics"]["result_bytes"], r["payload"].get<std::string>().size() / 2);
  EXPECT_FALSE(j.contains("error"));
  EXPECT_FALSE(j.contains("problem"));
}

TEST_F(InferTest, PublishedV10ClientFlowBatches1And16) {
  // 1. GET /models (closed v1.0 document), first entry with the model id.
  auto models = app_->handle(get("/models"));
  ASSERT_EQ(models.status, 200);
  auto entry = body_of(models)["models"][0];
  ASSERT_EQ(entry["model_id"], "logistic_v1");
  EXPECT_EQ(entry["encryption_parameters"]["scale"], 1073741824);
  // 2.-3. Context from those values (the registry's context is SEAL's for them), public key.
  Client client(*model_);
  double worst = 0.0;
  for (std::size_t batch : {std::size_t{1}, std::size_t{16}}) {
    const auto samples = random_samples(batch, 8, 1000 + batch);
    // 4. POST /infer with the unmodified v1.0 body.
    const std::string request_body = client.feature_columns_body(samples);
    const auto t0 = std::chrono::steady_clock::now();
    auto resp = app_->handle(post("/infer", request_body));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "POST /infer, batch " << batch << ", " << request_body.size() << " request bytes: " << ms
              << " ms (parse, validate, load, evaluate, serialize)\n";
    ASSERT_EQ(resp.status, 200) << resp.body.substr(0, 500);
    EXPECT_EQ(header_of(resp, "API-Version"), "1.1.0");
    auto job = body_of(resp);
    expect_v10_completed_job(job, batch);
    const std::string id = job["job_id"];
    EXPECT_EQ(header_of(resp, "Content-Location"), "/jobs/" + id);
    // 5. Poll GET /jobs/{id}: the same body (both surfaces).
    auto polled = app_->handle(get("/jobs/" + id));
    ASSERT_EQ(polled.status, 200);
    EXPECT_EQ(body_of(polled), job);
    EXPECT_EQ(body_of(app_->handle(get("/v1/jobs/" + id))), job);
    // 6. Decrypt, read the first batch_size slots.
    auto slots = client.decrypt_payload(job["result"]["payload"], "hex");
    ASSERT_GE(slots.size(), batch);
    for (std::size_t j = 0; j < batch; ++j) {
      const double want = plain_reference(*model_, samples[j]);
      worst = std::max(worst, std::fabs(slots[j] - want));
      EXPECT_NEAR(slots[j], want, 1e-5) << "batch " << batch << " sample " << j;
      // Agreement with the plain path (root /infer/plain, the v1.0 single-sample form).
      nlohmann::json plain = {{"model_id", "logistic_v1"}, {"version", "1.0.0"}, {"inputs", samples[j]}};
      auto pr = app_->handle(post("/infer/plain", plain.dump()));
      ASSERT_EQ(pr.status, 200) << pr.body;
      auto pj = body_of(pr);
      EXPECT_NEAR(pj["outputs"][0].get<double>(), want, 1e-12);
      EXPECT_NEAR(slots[j], pj["outputs"][0].get<double>(), 1e-5);
    }
  }
  std::cout << "max abs error (public-key encryption, batches 1 and 16): " << worst << "\n";
}

TEST_F(InferTest, V1SurfaceBase64SymmetricCompressedResults) {
  Client client(*model_);
  const auto samples = random_samples(5, 8, 77);
  for (const char* compression : {"zlib", "zstd", "none"}) {
    const std::string body =
        client.feature_columns_body(samples, "base64", {{"result_compression", compression}, {"api_version", "1.1"}}, true);
    auto resp = app_->handle(post("/v1/infer", body, {{"Prefer", "wait=30"}}));
    ASSERT_EQ(resp.status, 200) << resp.body.substr(0, 400);
    EXPECT_EQ(header_of(resp, "Preference-Applied"), "wait=30");
    auto job = body_of(resp);
    EXPECT_EQ(header_of(resp, "Content-Location"), "/v1/jobs/" + job["job_id"].get<std::string>());
    EXPECT_EQ(job["result"]["encoding"], "base64");
    EXPECT_EQ(job["result"]["compression"], compression);
    auto slots = client.decrypt_payload(job["result"]["payload"], "base64");
    for (std::size_t j = 0; j < samples.size(); ++j) {
      EXPECT_NEAR(slots[j], plain_reference(*model_, samples[j]), 1e-5);
    }
  }
}

TEST_F(InferTest, UpperCaseHexIsAccepted) {
  Client client(*model_);
  const auto samples = random_samples(2, 8, 5);
  auto body = nlohmann::json::parse(client.feature_columns_body(samples));
  for (auto& in : body["inputs"]) {
    std::string p = in["payload"];
    for (char& ch : p) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    in["payload"] = p;
  }
  auto resp = app_->handle(post("/infer", body.dump()));
  ASSERT_EQ(resp.status, 200) << resp.body.substr(0, 300);
  EXPECT_EQ(body_of(resp)["result"]["encoding"], "hex");
}

TEST_F(InferTest, QuadraticModelWithRelinearizationKeys) {
  const Model* q = app_->registry().find("quadratic_demo", "1.0.0");
  ASSERT_NE(q, nullptr);
  Client client(*q);
  const auto samples = random_samples(10, 4, 9);
  // Without keys: EVALUATION_KEYS_REQUIRED.
  auto resp = app_->handle(post("/v1/infer", client.feature_columns_body(samples)));
  auto p = expect_problem(resp, protocol::ErrorCode::EVALUATION_KEYS_REQUIRED);
  EXPECT_EQ(p["pointer"], "/context_id");
  // Register relinearization keys, then evaluate.
  auto rk = ser::save(client.relin_keys(), ser::SaveOptions{ser::Compression::zstd, ser::SeedMode::kIfAvailable});
  ASSERT_TRUE(rk.ok());
  nlohmann::json ctx = {{"model_id", "quadratic_demo"},
                        {"version", "1.0.0"},
                        {"relin_keys", {{"encoding", "base64"}, {"payload", protocol::encode_base64(rk.value())}}}};
  auto created = app_->handle(post("/v1/contexts", ctx.dump()));
  ASSERT_EQ(created.status, 201) << created.body;
  auto cj = body_of(created);
  EXPECT_EQ(cj["relinearization"], true);
  resp = app_->handle(post("/v1/infer", client.feature_columns_body(samples, "hex", {{"context_id", cj["context_id"]}})));
  ASSERT_EQ(resp.status, 200) << resp.body.substr(0, 400);
  auto slots = client.decrypt_payload(body_of(resp)["result"]["payload"], "hex");
  double worst = 0;
  for (std::size_t j = 0; j < samples.size(); ++j) {
    worst = std::max(worst, std::fabs(slots[j] - plain_reference(*q, samples[j])));
  }
  EXPECT_LT(worst, 1e-5);
}

}  // namespace
}  // namespace ei::server::test

namespace ei::server::test {
namespace {

// docs/api.md §17: the suite re-measures each layout's precision (max |decrypted − float64| over
// `samples` inputs uniform in the card's input_domain, public-key and symmetric encryption) and
// fails if it exceeds the card's max_abs_error. All samples go through one evaluation (every slot
// of the ciphertexts), with the server's own evaluation plan.
TEST(Precision, MeasuredErrorWithinTheCard) {
  auto reg = bundled_registry();
  const Model* m = reg->find("logistic_v1", "1.0.0");
  ASSERT_NE(m, nullptr);
  Client client(*m);
  for (const auto& layout : m->layouts) {
    const auto& prec = layout.precision;
    const std::size_t samples = prec["samples"].get<std::size_t>();
    const double lo = prec["input_domain"]["min"].get<double>();
    const double hi = prec["input_domain"]["max"].get<double>();
    const double bound = prec["max_abs_error"].get<double>();
    const std::size_t slots = m->poly_modulus_degree / 2;
    const std::size_t s = layout.plan.stride;
    ASSERT_LE(samples * s, slots);
    std::mt19937_64 rng(2025);
    std::uniform_real_distribution<double> dist(lo, hi);
    std::vector<std::vector<double>> x(samples, std::vector<double>(m->input_dimension));
    for (auto& row : x) {
      for (auto& v : row) v = dist(rng);
    }
    for (bool symmetric : {false, true}) {
      std::vector<rlwe::Ciphertext> inputs;
      if (layout.plan.kind == LayoutKind::kFeatureColumns) {
        inputs = client.feature_columns_cts(x, symmetric);
      } else {
        std::vector<double> packed(samples * s, 0.0);
        for (std::size_t j = 0; j < samples; ++j) {
          for (std::size_t i = 0; i < m->input_dimension; ++i) packed[j * s + i] = x[j][i];
        }
        inputs.push_back(client.encrypt(packed, layout.plan.input_parms_id, layout.plan.input_scale, symmetric));
      }
      std::optional<rlwe::GaloisKeys> galois;
      if (!layout.plan.galois_elements.empty()) galois = client.galois_keys(layout.plan.galois_elements);
      auto out = m->runtime->evaluate(layout.plan, inputs, samples, nullptr, galois ? &*galois : nullptr);
      ASSERT_TRUE(out.ok()) << out.status().to_string();
      EXPECT_EQ(out.value().parms_id, layout.plan.output_parms_id);
      const auto y = client.decrypt(out.value());
      double worst = 0.0;
      for (std::size_t j = 0; j < samples; ++j) {
        worst = std::max(worst, std::fabs(y[j * s] - plain_reference(*m, x[j])));
      }
      std::cout << layout.name << (symmetric ? " symmetric" : " public-key") << ": max abs error " << worst
                << " over " << samples << " samples (" << -std::log2(worst) << " bits; card " << bound << ")\n";
      EXPECT_LE(worst, bound) << layout.name;
    }
  }
}

}  // namespace
}  // namespace ei::server::test
