// The SQLite store (store = "sqlite:PATH", docs/api.md §12.4): completed results, queued and
// running jobs, contexts and tombstones survive a restart; queued/running jobs are re-run.
#include <cstdio>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "protocol/encoding.h"
#include "test_util.h"

namespace ei::server::test {
namespace {

using protocol::ErrorCode;

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/ei_sqlite_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    config_ = test_config();
    config_.store = "sqlite:" + dir_ + "/state.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  Config config_;
};

TEST_F(SqliteTest, CompletedJobsAndIdempotencySurviveRestart) {
  const Model* m = shared_registry()->find("logistic_v1", "1.0.0");
  Client client(*m);
  const auto samples = random_samples(4, 8, 7);
  const std::string body = client.feature_columns_body(samples);
  nlohmann::json before;
  {
    auto app = make_app(config_);
    auto resp = app->handle(post("/infer", body, {{"Idempotency-Key", "persist-me"}}));
    ASSERT_EQ(resp.status, 200) << resp.body.substr(0, 300);
    before = body_of(resp);
  }
  auto app = make_app(config_);
  const std::string id = before["job_id"];
  auto after = app->handle(get("/jobs/" + id));
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(body_of(after), before);
  auto replay = app->handle(post("/infer", body, {{"Idempotency-Key", "persist-me"}}));
  EXPECT_EQ(body_of(replay)["job_id"], id);
  EXPECT_EQ(header_of(replay, "Idempotent-Replayed"), "true");
  EXPECT_EQ(app->handle(del("/v1/jobs/" + id)).status, 204);
  auto third = make_app(config_);
  ASSERT_TRUE(third);
  app.reset();
  expect_problem(third->handle(get("/jobs/" + id)), ErrorCode::UNKNOWN_JOB);
}

TEST_F(SqliteTest, AcceptedJobsAreReRunAfterRestart) {
  const Model* m = shared_registry()->find("logistic_v1", "1.0.0");
  Client client(*m);
  const auto samples = random_samples(3, 8, 8);
  std::string queued_id;
  std::string running_id;
  {
    auto app = make_app(config_);
    app->state().pause_workers(true);
    auto r1 = app->handle(post("/v1/infer", client.feature_columns_body(samples), {{"Prefer", "respond-async"}}));
    auto r2 = app->handle(post("/v1/infer", client.feature_columns_body(samples), {{"Prefer", "respond-async"}}));
    ASSERT_EQ(r1.status, 202);
    queued_id = body_of(r1)["job_id"];
    running_id = body_of(r2)["job_id"];
    // The process dies without draining (the destructor only stops the threads).
  }
  {
    // Pretend the second job was running when the process died.
    auto store = open_persistence(config_.store);
    ASSERT_TRUE(store.ok());
    auto snap = store.value()->load();
    ASSERT_TRUE(snap.ok());
    for (auto& [job, forget] : snap.value().jobs) {
      if (job.job_id == running_id) {
        job.status = JobStatus::kRunning;
        job.started_ms = now_unix_ms();
        ASSERT_TRUE(store.value()->save_job(job, forget).ok());
      }
    }
  }
  auto app = make_app(config_);
  for (const std::string& id : {queued_id, running_id}) {
    auto final = app->state().wait(id, std::chrono::steady_clock::now() + std::chrono::seconds(60));
    ASSERT_TRUE(final.second) << id;
    ASSERT_EQ(final.first["status"], "completed");
    auto slots = client.decrypt_payload(final.first["result"]["payload"], "hex");
    for (std::size_t j = 0; j < samples.size(); ++j) EXPECT_NEAR(slots[j], plain_reference(*m, samples[j]), 1e-5);
  }
}

TEST_F(SqliteTest, ContextsAndTombstonesSurviveRestart) {
  config_.job_ttl_seconds = 1;
  const Model* m = shared_registry()->find("logistic_v1", "1.0.0");
  Client client(*m);
  auto galois = ser::save(client.galois_keys(m->layout("packed_rows")->plan.galois_elements),
                          ser::SaveOptions{ser::Compression::none, ser::SeedMode::kIfAvailable});
  ASSERT_TRUE(galois.ok());
  nlohmann::json ctx = {{"model_id", "logistic_v1"},
                        {"version", "1.0.0"},
                        {"galois_keys", {{"encoding", "base64"}, {"payload", protocol::encode_base64(galois.value())}}}};
  std::string context_id;
  std::string job_id;
  {
    auto app = make_app(config_);
    auto created = app->handle(post("/v1/contexts", ctx.dump(), {{"X-Tenant-ID", "acme"}}));
    ASSERT_EQ(created.status, 201);
    context_id = body_of(created)["context_id"];
    auto done = app->handle(post("/v1/infer", client.feature_columns_body(random_samples(1, 8, 1)), {{"X-Tenant-ID", "acme"}}));
    ASSERT_EQ(done.status, 200);
    job_id = body_of(done)["job_id"];
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    expect_problem(app->handle(get("/v1/jobs/" + job_id, {{"X-Tenant-ID", "acme"}})), ErrorCode::JOB_EXPIRED);
  }
  auto app = make_app(config_);
  expect_problem(app->handle(get("/v1/jobs/" + job_id, {{"X-Tenant-ID", "acme"}})), ErrorCode::JOB_EXPIRED);
  auto got = app->handle(get("/v1/contexts/" + context_id, {{"X-Tenant-ID", "acme"}}));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(body_of(got)["galois_elements"], (nlohmann::json{3, 9, 81}));
  const auto samples = random_samples(4, 8, 3);
  auto resp = app->handle(post("/v1/infer", client.packed_rows_body(samples, context_id), {{"X-Tenant-ID", "acme"}}));
  ASSERT_EQ(resp.status, 200) << resp.body.substr(0, 300);
  auto slots = client.decrypt_payload(body_of(resp)["result"]["payload"], "base64");
  for (std::size_t j = 0; j < samples.size(); ++j) EXPECT_NEAR(slots[8 * j], plain_reference(*m, samples[j]), 1e-5);
}

TEST_F(SqliteTest, BadStorePathStopsStartUp) {
  Config c = test_config();
  c.store = "sqlite:/nonexistent-dir/sub/state.db";
  auto app = App::create(c, shared_registry());
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.status().detail().find("store"), std::string::npos);
}

}  // namespace
}  // namespace ei::server::test
