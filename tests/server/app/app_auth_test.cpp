// Auth mode api_key, tenancy headers and per-tenant rate limits (docs/api.md §15).
#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "test_util.h"

namespace ei::server::test {
namespace {

using protocol::ErrorCode;

std::string write_keys_file() {
  char path[] = "/tmp/ei_api_keys_XXXXXX";
  const int fd = mkstemp(path);
  close(fd);
  std::ofstream out(path);
  out << "# sha256(key) tenant\n"
      << ApiKeys::sha256_hex("key-of-acme") << " acme\n"
      << "\n"
      << ApiKeys::sha256_hex("key-of-globex") << "   globex\n";
  return path;
}

TEST(ApiKeys, ParseAndAuthenticate) {
  auto keys = ApiKeys::parse(ApiKeys::sha256_hex("k1") + " t1\n" + ApiKeys::sha256_hex("k2") + " t2\n", "keys");
  ASSERT_TRUE(keys.ok()) << keys.status().to_string();
  EXPECT_EQ(keys.value().size(), 2U);
  EXPECT_EQ(keys.value().authenticate("Bearer k1"), "t1");
  EXPECT_EQ(keys.value().authenticate("bearer k2"), "t2");
  EXPECT_EQ(keys.value().authenticate("BEARER k2"), "t2");
  EXPECT_EQ(keys.value().authenticate("Bearer k3"), std::nullopt);
  EXPECT_EQ(keys.value().authenticate("Bearer  k1"), std::nullopt);
  EXPECT_EQ(keys.value().authenticate("Basic k1"), std::nullopt);
  EXPECT_EQ(keys.value().authenticate("Bearer "), std::nullopt);
  EXPECT_EQ(keys.value().authenticate("Bearer k1 x"), std::nullopt);
  auto bad = ApiKeys::parse("nothex tenant\n", "keys");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().detail().find("keys:1"), std::string::npos);
  EXPECT_FALSE(ApiKeys::parse(ApiKeys::sha256_hex("k") + " bad tenant!\n", "keys").ok());
  EXPECT_FALSE(ApiKeys::parse("# only comments\n", "keys").ok());
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_file_ = write_keys_file();
    Config c = test_config();
    c.auth = AuthMode::kApiKey;
    c.api_keys_file = keys_file_;
    app_ = make_app(c);
    ASSERT_TRUE(app_);
  }
  void TearDown() override { std::remove(keys_file_.c_str()); }
  std::string keys_file_;
  std::unique_ptr<App> app_;
};

TEST_F(AuthTest, CredentialsTenantsAndOperationsRoutes) {
  expect_problem(app_->handle(get("/v1/models")), ErrorCode::UNAUTHENTICATED);
  expect_problem(app_->handle(get("/models", {{"Authorization", "Bearer wrong"}})), ErrorCode::UNAUTHENTICATED);
  expect_problem(app_->handle(get("/models", {{"Authorization", "Basic a2V5"}})), ErrorCode::UNAUTHENTICATED);
  EXPECT_EQ(app_->handle(get("/v1/models", {{"Authorization", "Bearer key-of-acme"}})).status, 200);
  EXPECT_EQ(app_->handle(get("/v1/models", {{"Authorization", "Bearer key-of-acme"}, {"X-Tenant-ID", "acme"}})).status, 200);
  auto p = expect_problem(app_->handle(get("/v1/jobs/2f611d42fe6c0d06444dbdeebe2e3b69",
                                           {{"Authorization", "Bearer key-of-acme"}, {"X-Tenant-ID", "globex"}})),
                          ErrorCode::FORBIDDEN);
  EXPECT_EQ(p["detail"], "The API key is not valid for tenant \"globex\".");
  expect_problem(app_->handle(get("/v1/models", {{"Authorization", "Bearer key-of-acme"}, {"X-Tenant-ID", "a b"}})),
                 ErrorCode::INVALID_HEADER);
  // Operations routes never need credentials.
  for (const char* path : {"/health", "/v1/health", "/ready", "/metrics", "/openapi.yaml"}) {
    EXPECT_EQ(app_->handle(get(path)).status, 200) << path;
  }
  // Precheck rejects before the body is read.
  auto pre = app_->precheck(post("/v1/infer", ""));
  ASSERT_TRUE(pre.has_value());
  expect_problem(*pre, ErrorCode::UNAUTHENTICATED);
  // The key never appears in responses.
  auto resp = app_->handle(get("/models", {{"Authorization", "Bearer key-of-acme-but-wrong"}}));
  EXPECT_EQ(resp.body.find("key-of-acme"), std::string::npos);
}

TEST_F(AuthTest, TenantsAreIsolatedByKey) {
  const Model* m = app_->registry().find("logistic_v1", "1.0.0");
  Client client(*m);
  auto resp = app_->handle(post("/v1/infer", client.feature_columns_body(random_samples(1, 8, 1)),
                                {{"Authorization", "Bearer key-of-acme"}}));
  ASSERT_EQ(resp.status, 200) << resp.body.substr(0, 300);
  const std::string id = body_of(resp)["job_id"];
  EXPECT_EQ(app_->handle(get("/v1/jobs/" + id, {{"Authorization", "Bearer key-of-acme"}})).status, 200);
  expect_problem(app_->handle(get("/v1/jobs/" + id, {{"Authorization", "Bearer key-of-globex"}})), ErrorCode::UNKNOWN_JOB);
  expect_problem(app_->handle(del("/v1/jobs/" + id, {{"Authorization", "Bearer key-of-globex"}})), ErrorCode::UNKNOWN_JOB);
  EXPECT_EQ(app_->handle(get("/jobs/" + id, {{"Authorization", "Bearer key-of-acme"}})).status, 200);
}

TEST(RateLimit, SubmitBucketAndPollingAreSeparate) {
  Config c = test_config();
  c.rate_limit.submit_rate = 0.5;
  c.rate_limit.submit_burst = 2;
  c.rate_limit.read_rate = 1000;
  c.rate_limit.read_burst = 1000;
  auto app = make_app(c);
  ASSERT_TRUE(app);
  const std::string body = R"({"model_id": "logistic_v1", "version": "1.0.0", "inputs": [1, 2, 3, 4, 5, 6, 7, 8]})";
  EXPECT_EQ(app->handle(post("/infer/plain", body)).status, 200);
  EXPECT_EQ(app->handle(post("/infer/plain", body)).status, 200);
  auto limited = app->handle(post("/infer/plain", body));
  auto p = expect_problem(limited, ErrorCode::RATE_LIMITED);
  EXPECT_EQ(header_of(limited, "Retry-After"), "2");
  EXPECT_NE(p["detail"].get<std::string>().find("submit"), std::string::npos);
  // The same tenant can still read (polling uses the read bucket) …
  for (int i = 0; i < 50; ++i) expect_problem(app->handle(get("/jobs/" + std::string(32, 'a'))), ErrorCode::UNKNOWN_JOB);
  EXPECT_EQ(app->handle(get("/v1/models")).status, 200);
  // … another tenant has its own buckets, and operations routes are never limited.
  EXPECT_EQ(app->handle(post("/infer/plain", body, {{"X-Tenant-ID", "other"}})).status, 200);
  EXPECT_EQ(app->handle(get("/health")).status, 200);
  // A rejected request consumes no token; precheck only looks.
  EXPECT_TRUE(app->precheck(post("/infer/plain", "")).has_value());
}

TEST(RateLimit, ReadBucket) {
  Config c = test_config();
  c.rate_limit.read_rate = 1;
  c.rate_limit.read_burst = 3;
  auto app = make_app(c);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(app->handle(get("/v1/models")).status, 200);
  auto resp = app->handle(get("/v1/keys"));
  expect_problem(resp, ErrorCode::RATE_LIMITED);
  EXPECT_EQ(header_of(resp, "Retry-After"), "1");
}

TEST(RateLimiterUnit, RefillsAtTheRate) {
  RateLimitConfig rc;
  rc.submit_rate = 2;
  rc.submit_burst = 1;
  RateLimiter rl(rc);
  const auto t0 = RateLimiter::Clock::now();
  EXPECT_EQ(rl.acquire("t", RateClass::kSubmit, true, t0), 0);
  EXPECT_EQ(rl.acquire("t", RateClass::kSubmit, true, t0), 1);
  EXPECT_EQ(rl.acquire("t", RateClass::kSubmit, true, t0 + std::chrono::milliseconds(600)), 0);
  EXPECT_EQ(rl.acquire("t", RateClass::kNone, true, t0), 0);
}

}  // namespace
}  // namespace ei::server::test
