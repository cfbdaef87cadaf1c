// Evaluation-key contexts (docs/api.md §10) and the packed_rows layout (§7.2) with real keys.
#include <sodium.h>

#include <cmath>
#include <thread>

#include "protocol/encoding.h"
#include "test_util.h"

namespace ei::server::test {
namespace {

using protocol::ErrorCode;

std::vector<std::uint8_t> keys_bytes(const rlwe::KSwitchKeys& k, ser::Compression c = ser::Compression::zstd) {
  auto bytes = ser::save(k, ser::SaveOptions{c, ser::SeedMode::kIfAvailable});
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  return bytes.value();
}

std::string context_body(const std::string& model_id, const std::string& version, const std::vector<std::uint8_t>* relin,
                         const std::vector<std::uint8_t>* galois, std::optional<int> ttl = std::nullopt) {
  nlohmann::json j = {{"model_id", model_id}, {"version", version}};
  if (relin) j["relin_keys"] = {{"encoding", "base64"}, {"payload", protocol::encode_base64(*relin)}};
  if (galois) j["galois_keys"] = {{"encoding", "hex"}, {"payload", protocol::encode_hex(*galois)}};
  if (ttl) j["ttl_seconds"] = *ttl;
  return j.dump();
}

// docs/api.md §10.2, computed independently.
std::string expected_context_id(const std::string& m, const std::string& v, const std::vector<std::uint8_t>& r,
                                const std::vector<std::uint8_t>& g) {
  std::string buf = "ei-context-v1";
  buf += '\0';
  buf += m;
  buf += '\0';
  buf += v;
  buf += '\0';
  auto u64 = [&](std::uint64_t x) {
    for (int i = 0; i < 8; ++i) buf += static_cast<char>((x >> (8 * i)) & 0xff);
  };
  u64(r.size());
  buf.append(r.begin(), r.end());
  u64(g.size());
  buf.append(g.begin(), g.end());
  return ApiKeys::sha256_hex(buf);
}

class ContextsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = shared_registry()->find("logistic_v1", "1.0.0");
    client_ = new Client(*model_);
    galois_ = new std::vector<std::uint8_t>(keys_bytes(client_->galois_keys(model_->layout("packed_rows")->plan.galois_elements)));
  }
  static void TearDownTestSuite() {
    delete client_;
    delete galois_;
  }
  static const Model* model_;
  static Client* client_;
  static std::vector<std::uint8_t>* galois_;
};
const Model* ContextsTest::model_ = nullptr;
Client* ContextsTest::client_ = nullptr;
std::vector<std::uint8_t>* ContextsTest::galois_ = nullptr;

TEST_F(ContextsTest, RegisterReuseAndPackedRowsInference) {
  auto app = make_app();
  const Headers acme = {{"X-Tenant-ID", "acme"}};
  auto created = app->handle(post("/v1/contexts", context_body("logistic_v1", "1.0.0", nullptr, galois_), acme));
  ASSERT_EQ(created.status, 201) << created.body.substr(0, 400);
  auto c = body_of(created);
  const std::string id = c["context_id"];
  EXPECT_EQ(id, expected_context_id("logistic_v1", "1.0.0", {}, *galois_));
  EXPECT_EQ(header_of(created, "Location"), "/v1/contexts/" + id);
  EXPECT_EQ(c["relinearization"], false);
  EXPECT_EQ(c["galois_elements"], (nlohmann::json{3, 9, 81}));
  EXPECT_EQ(c["bytes"], galois_->size());
  EXPECT_EQ(c["ttl_seconds"], 3600);
  EXPECT_FALSE(c.contains("last_used_at"));
  // Re-registering the same bytes: 200, same id, budget not charged twice.
  auto again = app->handle(post("/v1/contexts", context_body("logistic_v1", "1.0.0", nullptr, galois_, 120), acme));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(header_of(again, "Content-Location"), "/v1/contexts/" + id);
  EXPECT_EQ(body_of(again)["ttl_seconds"], 120);
  EXPECT_EQ(app->state().context_bytes("acme"), galois_->size());
  // Tenant-scoped.
  EXPECT_EQ(app->handle(get("/v1/contexts/" + id, acme)).status, 200);
  expect_problem(app->handle(get("/v1/contexts/" + id)), ErrorCode::UNKNOWN_CONTEXT);
  expect_problem(app->handle(del("/v1/contexts/" + id, {{"X-Tenant-ID", "globex"}})), ErrorCode::UNKNOWN_CONTEXT);
  expect_problem(app->handle(get("/v1/contexts/xyz", acme)), ErrorCode::UNKNOWN_CONTEXT);
  // Another tenant's context id in a request is unknown too.
  auto samples = random_samples(16, 8, 99);
  auto foreign = app->handle(post("/v1/infer", client_->packed_rows_body(samples, id)));
  expect_problem(foreign, ErrorCode::UNKNOWN_CONTEXT);
  // packed_rows: 16 samples in one ciphertext, outputs at slots j·8.
  auto resp = app->handle(post("/v1/infer", client_->packed_rows_body(samples, id), acme));
  ASSERT_EQ(resp.status, 200) << resp.body.substr(0, 400);
  auto job = body_of(resp);
  EXPECT_EQ(job["layout"], "packed_rows");
  EXPECT_EQ(job["context_id"], id);
  EXPECT_EQ(job["result"]["encoding"], "base64");
  EXPECT_EQ(job["result"]["output_mapping"], (nlohmann::json{{"offset", 0}, {"sample_stride", 8}, {"count", 16}}));
  auto slots = client_->decrypt_payload(job["result"]["payload"], "base64");
  double worst = 0;
  for (std::size_t j = 0; j < samples.size(); ++j) {
    const double want = plain_reference(*model_, samples[j]);
    worst = std::max(worst, std::fabs(slots[8 * j] - want));
    EXPECT_NEAR(slots[8 * j], want, 1e-5) << j;
  }
  std::cout << "packed_rows max abs error (symmetric, batch 16): " << worst << "\n";
  // The sliding TTL restarted and last_used_at is set.
  auto after = body_of(app->handle(get("/v1/contexts/" + id, acme)));
  EXPECT_TRUE(after.contains("last_used_at"));
  // Batch above the layout's limit.
  auto big = nlohmann::json::parse(client_->packed_rows_body(samples, id));
  big["batch_size"] = 17;
  expect_problem(app->handle(post("/v1/infer", big.dump(), acme)), ErrorCode::BATCH_TOO_LARGE);
  // Delete: 204, then unknown; a job accepted before keeps its keys.
  app->state().pause_workers(true);
  auto pending = app->handle(post("/v1/infer", client_->packed_rows_body(samples, id), {{"X-Tenant-ID", "acme"}, {"Prefer", "respond-async"}}));
  ASSERT_EQ(pending.status, 202);
  auto d = app->handle(del("/v1/contexts/" + id, acme));
  EXPECT_EQ(d.status, 204);
  expect_problem(app->handle(get("/v1/contexts/" + id, acme)), ErrorCode::UNKNOWN_CONTEXT);
  EXPECT_EQ(app->state().context_bytes("acme"), 0U);
  app->state().pause_workers(false);
  auto finished = app->state().wait(body_of(pending)["job_id"], std::chrono::steady_clock::now() + std::chrono::seconds(30));
  EXPECT_EQ(finished.first["status"], "completed");
}

TEST_F(ContextsTest, KeyErrors) {
  auto app = make_app();
  // Missing Galois element 81.
  auto partial = keys_bytes(client_->galois_keys({3, 9}));
  auto created = app->handle(post("/v1/contexts", context_body("logistic_v1", "1.0.0", nullptr, &partial)));
  ASSERT_EQ(created.status, 201);
  const std::string id = body_of(created)["context_id"];
  auto p = expect_problem(app->handle(post("/v1/infer", client_->packed_rows_body(random_samples(2, 8, 1), id))),
                          ErrorCode::EVALUATION_KEYS_REQUIRED);
  EXPECT_NE(p["detail"].get<std::string>().find("81"), std::string::npos) << p["detail"];
  // A context of another version of the model.
  auto other = app->handle(post("/v1/contexts", context_body("logistic_v1", "0.9.0", nullptr, galois_)));
  ASSERT_EQ(other.status, 201);
  p = expect_problem(app->handle(post("/v1/infer", client_->packed_rows_body(random_samples(2, 8, 1), body_of(other)["context_id"]))),
                     ErrorCode::CONTEXT_MISMATCH);
  EXPECT_EQ(p["pointer"], "/context_id");
  // Structural garbage, bad encodings, other parameters.
  std::vector<std::uint8_t> garbage(64, 0x5e);
  p = expect_problem(app->handle(post("/v1/contexts", context_body("logistic_v1", "1.0.0", &garbage, nullptr))),
                     ErrorCode::KEY_MALFORMED);
  EXPECT_EQ(p["pointer"], "/relin_keys/payload");
  expect_problem(app->handle(post("/v1/contexts", read_file(kSourceDir + "/docs/api/examples/error-key-malformed.request.json"))),
                 ErrorCode::KEY_MALFORMED);
  p = expect_problem(app->handle(post("/v1/contexts", R"({"model_id": "logistic_v1", "version": "1.0.0", "galois_keys": {"encoding": "base64", "payload": "A==="}})")),
                     ErrorCode::BAD_ENCODING);
  EXPECT_EQ(p["pointer"], "/galois_keys/payload");
  const int bits[] = {60, 40, 40, 60};
  auto parms = rlwe::make_ckks_parameters(8192, bits);
  auto ctx = rlwe::Context::create(parms.value());
  rlwe::KeyGenerator kg(ctx.value());
  auto foreign = keys_bytes(kg.create_galois_keys(std::vector<std::uint64_t>{3}).value());
  expect_problem(app->handle(post("/v1/contexts", context_body("logistic_v1", "1.0.0", nullptr, &foreign))),
                 ErrorCode::PARAMS_MISMATCH);
  expect_problem(app->handle(post("/v1/contexts", R"({"model_id": "logistic_v1", "version": "1.0.0"})")), ErrorCode::SCHEMA_VIOLATION);
  expect_problem(app->handle(post("/v1/contexts", context_body("nope", "1.0.0", nullptr, galois_))), ErrorCode::UNKNOWN_MODEL);
  // context_id with a bad syntax in a body is a schema violation.
  auto body = nlohmann::json::parse(client_->packed_rows_body(random_samples(1, 8, 1), "ABC"));
  expect_problem(app->handle(post("/v1/infer", body.dump())), ErrorCode::SCHEMA_VIOLATION);
}

TEST_F(ContextsTest, BudgetAndExpiry) {
  Config c = test_config();
  c.contexts.budget_bytes = galois_->size() + 10;
  c.contexts.min_ttl_seconds = 1;
  c.contexts.tombstone_seconds = 1;
  auto app = make_app(c);
  // Everything slow (key generation, encryption) happens before the 1-second TTLs start.
  const auto partial = keys_bytes(client_->galois_keys({3}));
  const std::string big_body = context_body("logistic_v1", "1.0.0", nullptr, galois_);
  const std::string big_short_ttl = context_body("logistic_v1", "1.0.0", nullptr, galois_, 1);
  const std::string partial_body = context_body("logistic_v1", "1.0.0", nullptr, &partial);
  auto first = app->handle(post("/v1/contexts", big_body));
  ASSERT_EQ(first.status, 201);
  const std::string id = body_of(first)["context_id"];
  const std::string infer_body = client_->packed_rows_body(random_samples(1, 8, 1), id);
  auto over = app->handle(post("/v1/contexts", partial_body));
  auto p = expect_problem(over, ErrorCode::CONTEXT_BUDGET_EXCEEDED);
  EXPECT_EQ(p["expected"], c.contexts.budget_bytes);
  EXPECT_EQ(p["got"], galois_->size() + partial.size());
  // Another tenant has its own budget.
  EXPECT_EQ(app->handle(post("/v1/contexts", partial_body, {{"X-Tenant-ID", "t2"}})).status, 201);
  // Re-registering restarts the TTL with the new ttl_seconds (1 s, the configured minimum here).
  ASSERT_EQ(app->handle(post("/v1/contexts", big_short_ttl)).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  expect_problem(app->handle(get("/v1/contexts/" + id)), ErrorCode::CONTEXT_EXPIRED);
  p = expect_problem(app->handle(post("/v1/infer", infer_body)), ErrorCode::CONTEXT_EXPIRED);
  EXPECT_EQ(p["pointer"], "/context_id");
  // The expired context freed its budget.
  EXPECT_EQ(app->handle(post("/v1/contexts", partial_body)).status, 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  expect_problem(app->handle(get("/v1/contexts/" + id)), ErrorCode::UNKNOWN_CONTEXT);
}

}  // namespace
}  // namespace ei::server::test
