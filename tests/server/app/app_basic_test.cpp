// Routing, stage A, operations endpoints, models, cards and keys of the App (in-process).
#include <filesystem>
#include <regex>

#include "test_util.h"

namespace ei::server::test {
namespace {

using protocol::ErrorCode;

class BasicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = make_app();
    ASSERT_TRUE(app_);
  }
  std::unique_ptr<App> app_;
};

void expect_common_headers(const HttpResponse& resp) {
  EXPECT_EQ(header_of(resp, "API-Version"), "1.1.0");
  auto rid = header_of(resp, "X-Request-ID");
  ASSERT_TRUE(rid.has_value());
  EXPECT_TRUE(std::regex_match(*rid, std::regex("^[A-Za-z0-9_-]{8,128}$")));
}

TEST_F(BasicTest, HealthReadyAndFrozenRootShapes) {
  auto h = app_->handle(get("/health"));
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(body_of(h), (nlohmann::json{{"status", "ok"}}));
  expect_common_headers(h);
  EXPECT_EQ(header_of(h, "Content-Type"), "application/json");
  auto v1 = app_->handle(get("/v1/health"));
  EXPECT_EQ(body_of(v1), (nlohmann::json{{"status", "ok"}, {"api_version", "1.1.0"}}));
  auto ready = app_->handle(get("/ready"));
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(body_of(ready), (nlohmann::json{{"status", "ready"}, {"api_version", "1.1.0"}}));
  // Query strings are ignored.
  EXPECT_EQ(app_->handle(get("/health?x=1")).status, 200);
}

TEST_F(BasicTest, RoutingErrors) {
  for (const char* path : {"/v2/models", "/models/", "//models", "/", "/Models", "/v1/jobs/", "/v1/models/logistic_v1",
                           "/jobs"}) {
    auto p = expect_problem(app_->handle(get(path)), ErrorCode::NOT_FOUND);
    EXPECT_NE(p["detail"].get<std::string>().find("No endpoint"), std::string::npos);
  }
  auto resp = app_->handle(del("/models"));
  expect_problem(resp, ErrorCode::METHOD_NOT_ALLOWED);
  EXPECT_EQ(header_of(resp, "Allow"), "GET");
  resp = app_->handle(del("/jobs/" + std::string(32, 'a')));  // root has no DELETE
  expect_problem(resp, ErrorCode::METHOD_NOT_ALLOWED);
  HttpRequest head = get("/v1/jobs/" + std::string(32, 'a'));
  head.method = "HEAD";
  resp = app_->handle(head);
  expect_problem(resp, ErrorCode::METHOD_NOT_ALLOWED);
  EXPECT_EQ(header_of(resp, "Allow"), "GET, DELETE");
  HttpRequest options = get("/health");
  options.method = "OPTIONS";
  expect_problem(app_->handle(options), ErrorCode::METHOD_NOT_ALLOWED);
  expect_problem(app_->handle(post("/v1/models", "{}")), ErrorCode::METHOD_NOT_ALLOWED);
  // Content on a GET.
  HttpRequest with_body = get("/v1/models");
  with_body.body = "{}";
  expect_problem(app_->handle(with_body), ErrorCode::MALFORMED_HTTP);
}

TEST_F(BasicTest, HeaderChecks) {
  auto p = expect_problem(app_->handle(get("/v1/models", {{"X-Tenant-ID", "acme corp!"}})), ErrorCode::INVALID_HEADER);
  EXPECT_NE(p["detail"].get<std::string>().find("X-Tenant-ID"), std::string::npos);
  EXPECT_FALSE(p.contains("pointer"));
  expect_problem(app_->handle(get("/v1/models", {{"X-Tenant-ID", std::string(65, 'a')}})), ErrorCode::INVALID_HEADER);
  EXPECT_EQ(app_->handle(get("/v1/models", {{"X-Tenant-ID", "acme.co_1-x"}})).status, 200);
  // Operations routes ignore X-Tenant-ID.
  EXPECT_EQ(app_->handle(get("/health", {{"X-Tenant-ID", "acme corp!"}})).status, 200);
  // API-Version header.
  EXPECT_EQ(app_->handle(get("/v1/models", {{"API-Version", "1"}})).status, 200);
  EXPECT_EQ(app_->handle(get("/v1/models", {{"API-Version", "1.0.3"}})).status, 200);
  expect_problem(app_->handle(get("/v1/models", {{"API-Version", "v1"}})), ErrorCode::INVALID_HEADER);
  expect_problem(app_->handle(get("/v1/models", {{"API-Version", "1.2.3.4"}})), ErrorCode::INVALID_HEADER);
  p = expect_problem(app_->handle(get("/health", {{"API-Version", "2.0"}})), ErrorCode::UNSUPPORTED_API_VERSION);
  // Idempotency-Key syntax on POST /infer only.
  expect_problem(app_->handle(post("/infer", "{}", {{"Idempotency-Key", "has space"}})), ErrorCode::INVALID_HEADER);
  expect_problem(app_->handle(post("/infer", "{}", {{"Idempotency-Key", std::string(256, 'k')}})), ErrorCode::INVALID_HEADER);
  expect_problem(app_->handle(post("/v1/infer/plain", "{}", {{"Idempotency-Key", "has space"}})), ErrorCode::SCHEMA_VIOLATION);
}

TEST_F(BasicTest, ModelsCardsAndKeys) {
  auto root = app_->handle(get("/models"));
  ASSERT_EQ(root.status, 200);
  auto rj = body_of(root);
  EXPECT_EQ(rj["api_version"], "1.0.0");
  // Closed v1.0 entries: exactly the nine members in published order.
  std::vector<std::string> keys;
  const auto ordered = nlohmann::ordered_json::parse(root.body);
  for (auto& [k, v] : ordered["models"][0].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"model_id", "version", "description", "he_scheme", "encryption_parameters",
                                            "inference", "parameters", "activation_parameters", "constraints"}));
  auto v1 = body_of(app_->handle(get("/v1/models")));
  EXPECT_EQ(v1["api_version"], "1.1.0");
  ASSERT_EQ(v1["models"].size(), app_->registry().ordered().size());
  auto card = app_->handle(get("/v1/models/logistic_v1/versions/1.0.0"));
  ASSERT_EQ(card.status, 200);
  bool found = false;
  for (const auto& m : v1["models"]) {
    if (m["model_id"] == "logistic_v1" && m["version"] == "1.0.0") {
      EXPECT_EQ(body_of(card), m);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(app_->handle(get("/v1/models/logistic_v1/versions/1.0.0", {{"Authorization", "ignored"}})).status, 200);
  auto p = expect_problem(app_->handle(get("/v1/models/logistic_v1/versions/2.0.0")), ErrorCode::UNKNOWN_VERSION);
  EXPECT_EQ(p["detail"], "Model \"logistic_v1\" has no version \"2.0.0\".");
  expect_problem(app_->handle(get("/v1/models/logistic_v9/versions/1.0.0")), ErrorCode::UNKNOWN_MODEL);
  // Path parameters are percent-decoded once.
  EXPECT_EQ(app_->handle(get("/v1/models/logistic%5Fv1/versions/1.0.0")).status, 200);
  auto k1 = app_->handle(get("/keys"));
  auto k2 = app_->handle(get("/v1/keys"));
  ASSERT_EQ(k1.status, 200);
  EXPECT_EQ(body_of(k1), body_of(k2));
  EXPECT_EQ(body_of(k1)["key_policy"]["server_holds_secret_keys"], false);
}

TEST_F(BasicTest, MetricsAndOpenApi) {
  auto h = get("/health");
  auto hr = app_->handle(h);
  app_->record_exchange(h, hr, 0, hr.body.size(), 0.001);
  auto bad = get("/v1/jobs/" + std::string(32, 'f'));
  auto br = app_->handle(bad);
  app_->record_exchange(bad, br, 0, br.body.size(), 0.002);
  auto m = app_->handle(get("/metrics"));
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(header_of(m, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* want : {"ei_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"} 1",
                           "ei_http_requests_total{route=\"/v1/jobs/{job_id}\",method=\"GET\",status=\"404\"} 1",
                           "ei_http_request_duration_seconds_bucket{route=\"/health\",le=\"+Inf\"} 1", "ei_queue_depth 0",
                           "ei_validation_failures_total{code=\"UNKNOWN_JOB\"} 1", "ei_http_response_bytes_total{route=\"/health\"}",
                           "# TYPE ei_evaluation_duration_seconds histogram"}) {
    EXPECT_NE(m.body.find(want), std::string::npos) << want << "\n" << m.body;
  }
  EXPECT_EQ(m.body.find("tenant"), std::string::npos);
  auto o = app_->handle(get("/openapi.yaml"));
  ASSERT_EQ(o.status, 200);
  EXPECT_EQ(header_of(o, "Content-Type"), "application/yaml");
  EXPECT_EQ(o.body.rfind("openapi:", 0), 0U) << o.body.substr(0, 100);
  EXPECT_NE(o.body.find("v1_0.model-entry:"), std::string::npos);
  // Every $ref is local.
  std::size_t refs = 0;
  for (std::size_t pos = o.body.find("$ref: "); pos != std::string::npos; pos = o.body.find("$ref: ", pos + 1)) {
    ++refs;
    const std::string value = o.body.substr(pos + 6, 3);
    EXPECT_TRUE(value.rfind("'#", 0) == 0 || value.rfind("\"#", 0) == 0 || value.rfind("#", 0) == 0)
        << o.body.substr(pos, 80);
  }
  EXPECT_GT(refs, 50U);
  EXPECT_EQ(o.body, bundled_openapi_yaml());
}

TEST_F(BasicTest, ProblemsNeverEchoSecretsAndLogsCarryRequestIds) {
  clear_captured_logs();
  Config c = test_config();
  c.log_requests = true;
  auto app = make_app(c);
  auto resp = app->handle(post("/v1/infer/plain", R"({"model_id": "logistic_v9", "version": "1.0.0", "inputs": [1]})",
                               {{"Authorization", "Bearer s3cr3t-token"}}));
  auto p = expect_problem(resp, ErrorCode::UNKNOWN_MODEL);
  bool seen = false;
  for (const auto& line : captured_logs()) {
    EXPECT_EQ(line.find("s3cr3t"), std::string::npos);
    auto j = nlohmann::json::parse(line);
    if (j["event"] == "request" && j["request_id"] == p["request_id"]) {
      seen = true;
      EXPECT_EQ(j["code"], "UNKNOWN_MODEL");
      EXPECT_EQ(j["status"], 404);
      EXPECT_EQ(j["route"], "/v1/infer/plain");
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(BasicTest, TransportErrorsAreProblems) {
  auto r = app_->transport_error("PAYLOAD_TOO_LARGE", "The request body is 100000000 bytes; the limit for this route is 67108864 bytes.");
  expect_problem(r, ErrorCode::PAYLOAD_TOO_LARGE);
  expect_problem(app_->transport_error("HEADERS_TOO_LARGE", "The request headers exceed 16384 bytes."), ErrorCode::HEADERS_TOO_LARGE);
  expect_problem(app_->transport_error("REQUEST_TIMEOUT", "stalled"), ErrorCode::REQUEST_TIMEOUT);
  expect_problem(app_->transport_error("MALFORMED_HTTP", "bad"), ErrorCode::MALFORMED_HTTP);
  expect_problem(app_->transport_error("NO_SUCH_THING", "x"), ErrorCode::INTERNAL);
  // Body limits per route (the transport rejects by Content-Length with these).
  EXPECT_EQ(app_->body_limit(post("/infer", "")), 64ULL << 20);
  EXPECT_EQ(app_->body_limit(post("/v1/contexts", "")), 64ULL << 20);
  EXPECT_EQ(app_->body_limit(post("/infer/plain", "")), 1ULL << 20);
  EXPECT_EQ(app_->body_limit(get("/v1/models")), 0U);
  // Precheck answers stage A failures before the body is read.
  EXPECT_FALSE(app_->precheck(post("/infer", "")).has_value());
  auto pre = app_->precheck(get("/nope"));
  ASSERT_TRUE(pre.has_value());
  expect_problem(*pre, ErrorCode::NOT_FOUND);
  pre = app_->precheck(post("/v1/infer/plain", "", {{"Content-Type", "text/plain"}}));
  ASSERT_TRUE(pre.has_value());
  expect_problem(*pre, ErrorCode::UNSUPPORTED_MEDIA_TYPE);
  // An oversized body that reached handle() anyway.
  expect_problem(app_->handle(post("/infer/plain", std::string((1 << 20) + 1, ' '))), ErrorCode::PAYLOAD_TOO_LARGE);
}

TEST_F(BasicTest, CreateFailsOnBadConfiguration) {
  Config c = test_config();
  c.workers = 0;
  auto app = App::create(c, shared_registry());
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.status().detail().find("workers"), std::string::npos);
  c = test_config();
  c.store = "redis:x";
  EXPECT_FALSE(App::create(c, shared_registry()).ok());
  c = test_config();
  c.auth = AuthMode::kApiKey;
  auto no_keys = App::create(c, shared_registry());
  ASSERT_FALSE(no_keys.ok());
  EXPECT_NE(no_keys.status().detail().find("api_keys_file"), std::string::npos);
  c = test_config();
  c.models_dir = "/nonexistent";
  EXPECT_FALSE(App::create(c).ok());
}

TEST_F(BasicTest, BundledModelsWithoutModelsDir) {
  auto app = App::create(test_config());
  ASSERT_TRUE(app.ok()) << app.status().to_string();
  auto models = body_of(app.value()->handle(get("/v1/models")));
  // Every models/*.json of the source tree, embedded at build time.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(kSourceDir + "/models")) {
    if (e.path().extension() == ".json") ++files;
  }
  EXPECT_EQ(models["models"].size(), files);
  bool logistic = false;
  for (const auto& m : models["models"]) logistic = logistic || m["model_id"] == "logistic_v1";
  EXPECT_TRUE(logistic);
}

}  // namespace
}  // namespace ei::server::test
