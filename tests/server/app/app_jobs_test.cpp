// Jobs (docs/api.md §11-13): sync wait and Prefer, 202 snapshots, idempotency, deletion, tenant
// isolation, retention and tombstones, the queue bound, and draining.
#include <thread>

#include "test_util.h"

namespace ei::server::test {
namespace {

using protocol::ErrorCode;

class JobsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = shared_registry()->find("logistic_v1", "1.0.0");
    client_ = new Client(*model_);
    body_ = new std::string(client_->feature_columns_body(random_samples(3, 8, 11)));
    other_body_ = new std::string(client_->feature_columns_body(random_samples(3, 8, 12)));
  }
  static void TearDownTestSuite() {
    delete client_;
    delete body_;
    delete other_body_;
  }
  static const Model* model_;
  static Client* client_;
  static std::string* body_;
  static std::string* other_body_;
};
const Model* JobsTest::model_ = nullptr;
Client* JobsTest::client_ = nullptr;
std::string* JobsTest::body_ = nullptr;
std::string* JobsTest::other_body_ = nullptr;

nlohmann::json wait_final(App& app, const std::string& id, Headers h = {}) {
  for (int i = 0; i < 500; ++i) {
    auto j = body_of(app.handle(get("/v1/jobs/" + id, h)));
    if (j.value("status", "") == "completed" || j.value("status", "") == "failed") return j;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "job " << id << " never finished";
  return {};
}

TEST_F(JobsTest, RespondAsyncAndPolling) {
  auto app = make_app();
  app->state().pause_workers(true);
  auto resp = app->handle(post("/v1/infer", *body_, {{"Prefer", "respond-async"}}));
  ASSERT_EQ(resp.status, 202) << resp.body.substr(0, 300);
  auto j = body_of(resp);
  EXPECT_EQ(j["status"], "queued");
  const std::string id = j["job_id"];
  EXPECT_EQ(header_of(resp, "Location"), "/v1/jobs/" + id);
  EXPECT_EQ(header_of(resp, "Retry-After"), "1");
  EXPECT_EQ(header_of(resp, "Preference-Applied"), "respond-async");
  for (const char* k : {"started_at", "finished_at", "expires_at", "result", "error", "problem"}) EXPECT_FALSE(j.contains(k)) << k;
  EXPECT_EQ(body_of(app->handle(get("/jobs/" + id)))["status"], "queued");
  // Root surface: Location on the root.
  auto root = app->handle(post("/infer", *body_, {{"Prefer", "wait=0"}}));
  ASSERT_EQ(root.status, 202);
  EXPECT_EQ(header_of(root, "Preference-Applied"), "wait=0");
  EXPECT_EQ(header_of(root, "Location"), "/jobs/" + body_of(root)["job_id"].get<std::string>());
  // Both wins: respond-async; invalid preferences are ignored.
  auto both = app->handle(post("/v1/infer", *body_, {{"Prefer", "wait=5, respond-async"}}));
  EXPECT_EQ(both.status, 202);
  EXPECT_EQ(header_of(both, "Preference-Applied"), "respond-async");
  app->state().pause_workers(false);
  auto done = wait_final(*app, id);
  EXPECT_EQ(done["status"], "completed");
  EXPECT_TRUE(done.contains("started_at"));
  // Prefer: wait=N waits for a running job to finish.
  auto waited = app->handle(post("/v1/infer", *body_, {{"Prefer", "wait=30, foo=bar, wait=oops"}}));
  EXPECT_EQ(waited.status, 200);
  EXPECT_EQ(header_of(waited, "Preference-Applied"), "wait=30");
}

TEST_F(JobsTest, DefaultSyncWaitTimesOutTo202) {
  Config c = test_config();
  c.sync_wait_ms = 50;
  auto app = make_app(c);
  app->state().pause_workers(true);
  auto resp = app->handle(post("/infer", *body_));
  ASSERT_EQ(resp.status, 202);
  EXPECT_FALSE(header_of(resp, "Preference-Applied").has_value());
  // The v1.0 client accepts any 2xx with a job_id and polls while queued/running.
  EXPECT_EQ(body_of(resp)["status"], "queued");
  // Prefer: wait is capped by max_wait_seconds.
  Config capped = test_config();
  capped.max_wait_seconds = 0;
  capped.sync_wait_ms = 0;
  auto app2 = make_app(capped);
  app2->state().pause_workers(true);
  auto r2 = app2->handle(post("/infer", *body_, {{"Prefer", "wait=100"}}));
  EXPECT_EQ(r2.status, 202);
  EXPECT_EQ(header_of(r2, "Preference-Applied"), "wait=0");
}

TEST_F(JobsTest, IdempotencyKeys) {
  auto app = make_app();
  app->state().pause_workers(true);
  const Headers key = {{"Idempotency-Key", "9b2f6c1e-5d7a-4e1b-8a61-2f0c3d4e5a6b"}, {"Prefer", "respond-async"}};
  auto first = app->handle(post("/v1/infer", *body_, key));
  ASSERT_EQ(first.status, 202);
  const std::string id = body_of(first)["job_id"];
  EXPECT_FALSE(header_of(first, "Idempotent-Replayed").has_value());
  auto replay = app->handle(post("/v1/infer", *body_, key));
  EXPECT_EQ(replay.status, 202);
  EXPECT_EQ(body_of(replay)["job_id"], id);
  EXPECT_EQ(header_of(replay, "Idempotent-Replayed"), "true");
  // Shared by both surfaces.
  EXPECT_EQ(body_of(app->handle(post("/infer", *body_, key)))["job_id"], id);
  auto conflict = app->handle(post("/v1/infer", *other_body_, key));
  auto p = expect_problem(conflict, ErrorCode::IDEMPOTENCY_CONFLICT);
  EXPECT_NE(p["detail"].get<std::string>().find(id), std::string::npos);
  // Another tenant, same key: its own job.
  Headers other = key;
  other["X-Tenant-ID"] = "globex";
  EXPECT_NE(body_of(app->handle(post("/v1/infer", *body_, other)))["job_id"], id);
  // Replays skip validation entirely (even a body that no longer decodes would conflict, not 400).
  app->state().pause_workers(false);
  wait_final(*app, id);
  auto final_replay = app->handle(post("/v1/infer", *body_, {{"Idempotency-Key", "9b2f6c1e-5d7a-4e1b-8a61-2f0c3d4e5a6b"}}));
  EXPECT_EQ(final_replay.status, 200);
  EXPECT_EQ(header_of(final_replay, "Content-Location"), "/v1/jobs/" + id);
  // Deleting the job frees the key.
  EXPECT_EQ(app->handle(del("/v1/jobs/" + id)).status, 204);
  auto fresh = app->handle(post("/v1/infer", *other_body_, {{"Idempotency-Key", "9b2f6c1e-5d7a-4e1b-8a61-2f0c3d4e5a6b"}}));
  EXPECT_EQ(fresh.status, 200);
  EXPECT_NE(body_of(fresh)["job_id"], id);
  // A request that fails validation records nothing.
  auto invalid = app->handle(post("/v1/infer", "{}", {{"Idempotency-Key", "k-invalid"}}));
  expect_problem(invalid, ErrorCode::SCHEMA_VIOLATION);
  EXPECT_EQ(app->handle(post("/v1/infer", *body_, {{"Idempotency-Key", "k-invalid"}})).status, 200);
}

TEST_F(JobsTest, DeleteAndTenantIsolation) {
  auto app = make_app();
  app->state().pause_workers(true);
  auto resp = app->handle(post("/v1/infer", *body_, {{"X-Tenant-ID", "acme"}, {"Prefer", "respond-async"}}));
  const std::string id = body_of(resp)["job_id"];
  // Other tenants (and the default tenant) see nothing.
  expect_problem(app->handle(get("/v1/jobs/" + id)), ErrorCode::UNKNOWN_JOB);
  expect_problem(app->handle(get("/jobs/" + id, {{"X-Tenant-ID", "globex"}})), ErrorCode::UNKNOWN_JOB);
  expect_problem(app->handle(del("/v1/jobs/" + id, {{"X-Tenant-ID", "globex"}})), ErrorCode::UNKNOWN_JOB);
  EXPECT_EQ(app->handle(get("/v1/jobs/" + id, {{"X-Tenant-ID", "acme"}})).status, 200);
  // Deleting a queued job: it never runs; the id is unknown afterwards (no tombstone).
  auto d = app->handle(del("/v1/jobs/" + id, {{"X-Tenant-ID", "acme"}}));
  EXPECT_EQ(d.status, 204);
  EXPECT_TRUE(d.body.empty());
  EXPECT_EQ(header_of(d, "API-Version"), "1.1.0");
  expect_problem(app->handle(get("/v1/jobs/" + id, {{"X-Tenant-ID", "acme"}})), ErrorCode::UNKNOWN_JOB);
  expect_problem(app->handle(del("/v1/jobs/" + id, {{"X-Tenant-ID", "acme"}})), ErrorCode::UNKNOWN_JOB);
  app->state().pause_workers(false);
  EXPECT_EQ(app->state().queue_depth(), 0U);
  // Ids outside the syntax are unknown jobs, never 400.
  expect_problem(app->handle(get("/v1/jobs/not-a-job-id")), ErrorCode::UNKNOWN_JOB);
  expect_problem(app->handle(get("/jobs/" + std::string(32, 'A'))), ErrorCode::UNKNOWN_JOB);
}

TEST_F(JobsTest, RetentionThenTombstoneThenUnknown) {
  Config c = test_config();
  c.job_ttl_seconds = 1;
  c.job_tombstone_seconds = 1;
  auto app = make_app(c);
  auto resp = app->handle(post("/v1/infer", *body_));
  ASSERT_EQ(resp.status, 200);
  auto j = body_of(resp);
  const std::string id = j["job_id"];
  EXPECT_NE(j["expires_at"], j["finished_at"]);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto p = expect_problem(app->handle(get("/v1/jobs/" + id)), ErrorCode::JOB_EXPIRED);
  EXPECT_NE(p["detail"].get<std::string>().find("expired at"), std::string::npos);
  expect_problem(app->handle(get("/jobs/" + id, {{"X-Tenant-ID", "other"}})), ErrorCode::UNKNOWN_JOB);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  expect_problem(app->handle(get("/v1/jobs/" + id)), ErrorCode::UNKNOWN_JOB);
}

TEST_F(JobsTest, QueueFullRecordsNothing) {
  Config c = test_config();
  c.queue_capacity = 1;
  auto app = make_app(c);
  app->state().pause_workers(true);
  EXPECT_EQ(app->handle(post("/v1/infer", *body_, {{"Prefer", "respond-async"}})).status, 202);
  auto full = app->handle(post("/v1/infer", *body_, {{"Idempotency-Key", "retry-me"}, {"Prefer", "respond-async"}}));
  auto p = expect_problem(full, ErrorCode::QUEUE_FULL);
  EXPECT_EQ(header_of(full, "Retry-After"), "2");
  app->state().pause_workers(false);
  for (int i = 0; i < 500 && app->state().queue_depth() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto again = app->handle(post("/v1/infer", *body_, {{"Idempotency-Key", "retry-me"}}));
  EXPECT_EQ(again.status, 200);
  EXPECT_FALSE(header_of(again, "Idempotent-Replayed").has_value());
}

TEST_F(JobsTest, DrainFailsLeftoverJobsWithRetryableShuttingDown) {
  Config c = test_config();
  c.drain_seconds = 0;
  auto app = make_app(c);
  app->state().pause_workers(true);
  auto resp = app->handle(post("/infer", *body_, {{"Prefer", "respond-async"}, {"Idempotency-Key", "drain-key"}}));
  ASSERT_EQ(resp.status, 202);
  const std::string post_request_id = *header_of(resp, "X-Request-ID");
  const std::string id = body_of(resp)["job_id"];
  app->drain();
  auto j = body_of(app->handle(get("/jobs/" + id)));
  ASSERT_EQ(j["status"], "failed");
  EXPECT_EQ(j["error"], j["problem"]["detail"]);
  EXPECT_EQ(j["problem"]["code"], "SHUTTING_DOWN");
  EXPECT_EQ(j["problem"]["status"], 503);
  EXPECT_EQ(j["problem"]["retryable"], true);
  EXPECT_EQ(j["problem"]["request_id"], post_request_id);
  EXPECT_FALSE(j.contains("result"));
  EXPECT_TRUE(j.contains("finished_at"));
  EXPECT_TRUE(j.contains("expires_at"));
  expect_problem(app->handle(get("/ready")), ErrorCode::SHUTTING_DOWN);
  expect_problem(app->handle(post("/infer", *body_)), ErrorCode::SHUTTING_DOWN);
  expect_problem(app->handle(post("/v1/infer/plain", "{}")), ErrorCode::SHUTTING_DOWN);
  expect_problem(app->handle(post("/v1/contexts", "{}")), ErrorCode::SHUTTING_DOWN);
  EXPECT_EQ(app->handle(get("/health")).status, 200);
  EXPECT_EQ(app->handle(get("/v1/models")).status, 200);
}

TEST_F(JobsTest, DrainLetsRunningJobsFinishWithinTheBound) {
  Config c = test_config();
  c.drain_seconds = 30;
  auto app = make_app(c);
  app->state().pause_workers(true);
  auto resp = app->handle(post("/v1/infer", *body_, {{"Prefer", "respond-async"}}));
  const std::string id = body_of(resp)["job_id"];
  app->drain();  // resumes the workers and waits for the queue to empty
  EXPECT_EQ(body_of(app->handle(get("/v1/jobs/" + id)))["status"], "completed");
}

}  // namespace
}  // namespace ei::server::test
