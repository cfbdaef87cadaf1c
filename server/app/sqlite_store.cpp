// Persistence in SQLite (store = "sqlite:PATH"): WAL journal, synchronous=FULL, so an accepted job
// survives a crash (kill -9) and a restart. Tables: jobs (metadata, result, problem; tombstones
// keep forget_ms), job_inputs (decoded input bytes of queued/running jobs, for re-runs),
// key_blobs (evaluation keys by content hash = context id; shared by contexts and pinned by jobs),
// contexts (metadata; tombstones keep forget_ms).
//
// Thread-safety: State calls it under its own mutex; the connection is also opened FULLMUTEX.
#include <sqlite3.h>

#include <memory>
#include <string>

#include "protocol/problem.h"
#include "server/app/state.h"

namespace ei::server {
namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs(
  job_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, request_id TEXT NOT NULL, model_id TEXT NOT NULL,
  version TEXT NOT NULL, layout TEXT NOT NULL, batch_size INTEGER NOT NULL, context_id TEXT,
  encoding TEXT NOT NULL, compression TEXT NOT NULL, status TEXT NOT NULL, created_ms INTEGER NOT NULL,
  started_ms INTEGER NOT NULL, finished_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
  result_payload TEXT, evaluation_ms REAL NOT NULL, result_bytes INTEGER NOT NULL, problem TEXT,
  idempotency_key TEXT, body_sha256 TEXT NOT NULL, forget_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS job_inputs(job_id TEXT NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY(job_id, idx));
CREATE TABLE IF NOT EXISTS key_blobs(hash TEXT PRIMARY KEY, relin BLOB, galois BLOB);
CREATE TABLE IF NOT EXISTS contexts(tenant TEXT NOT NULL, context_id TEXT NOT NULL, model_id TEXT NOT NULL,
  version TEXT NOT NULL, ttl_seconds INTEGER NOT NULL, created_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL, forget_ms INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(tenant, context_id));
INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');
)SQL";

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  [[nodiscard]] bool ok() const { return rc_ == SQLITE_OK && stmt_ != nullptr; }
  Stmt& text(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& opt_text(int i, const std::optional<std::string>& v) {
    if (v) return text(i, *v);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  Stmt& i64(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& real(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Stmt& blob(int i, const std::vector<std::uint8_t>& v) {
    sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  std::string col_text(int i) {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p),
                                                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
  }
  bool col_null(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::int64_t col_i64(int i) { return sqlite3_column_int64(stmt_, i); }
  double col_real(int i) { return sqlite3_column_double(stmt_, i); }
  std::vector<std::uint8_t> col_blob(int i) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, i));
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i));
    return p == nullptr ? std::vector<std::uint8_t>() : std::vector<std::uint8_t>(p, p + n);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

JobStatus parse_status(const std::string& s) {
  if (s == "running") return JobStatus::kRunning;
  if (s == "completed") return JobStatus::kCompleted;
  if (s == "failed") return JobStatus::kFailed;
  return JobStatus::kQueued;
}

std::string problem_text(const protocol::Problem& p) {
  nlohmann::json j;
  j["code"] = std::string(protocol::code_name(p.code));
  j["detail"] = p.detail;
  if (p.pointer) j["pointer"] = *p.pointer;
  if (!p.expected.is_null()) j["expected"] = nlohmann::json::parse(p.expected.dump());
  if (!p.got.is_null()) j["got"] = nlohmann::json::parse(p.got.dump());
  return j.dump();
}

std::optional<protocol::Problem> parse_problem(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto code = protocol::code_from_name(j.value("code", ""));
  protocol::Problem p(code.value_or(protocol::ErrorCode::INTERNAL), j.value("detail", ""));
  if (j.contains("pointer")) p.pointer = j["pointer"].get<std::string>();
  if (j.contains("expected")) p.expected = ojson::parse(j["expected"].dump());
  if (j.contains("got")) p.got = ojson::parse(j["got"].dump());
  return p;
}

class SqlitePersistence final : public Persistence {
 public:
  explicit SqlitePersistence(sqlite3* db) : db_(db) {}
  ~SqlitePersistence() override { sqlite3_close_v2(db_); }

  Status exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : "unknown error";
      sqlite3_free(err);
      return Status(Code::INTERNAL, "sqlite: " + msg);
    }
    return Status::Ok();
  }

  Status done(Stmt& s, const char* what) {
    if (!s.ok()) return Status(Code::INTERNAL, std::string("sqlite prepare failed: ") + what + ": " + sqlite3_errmsg(db_));
    const int rc = s.step();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
      return Status(Code::INTERNAL, std::string("sqlite step failed: ") + what + ": " + sqlite3_errmsg(db_));
    }
    return Status::Ok();
  }

  Status save_job(const Job& j, std::int64_t forget_ms) override {
    Stmt s(db_, "INSERT OR REPLACE INTO jobs(job_id, tenant, request_id, model_id, version, layout, batch_size, "
                "context_id, encoding, compression, status, created_ms, started_ms, finished_ms, expires_ms, "
                "result_payload, evaluation_ms, result_bytes, problem, idempotency_key, body_sha256, forget_ms) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.text(1, j.job_id).text(2, j.tenant).text(3, j.request_id).text(4, j.model_id).text(5, j.version).text(6, j.layout);
    s.i64(7, static_cast<std::int64_t>(j.batch_size)).opt_text(8, j.context_id);
    s.text(9, std::string(protocol::encoding_name(j.encoding))).text(10, std::string(ser::compression_name(j.compression)));
    s.text(11, job_status_name(j.status)).i64(12, j.created_ms).i64(13, j.started_ms).i64(14, j.finished_ms);
    s.i64(15, j.expires_ms).text(16, j.result_payload).real(17, j.evaluation_ms);
    s.i64(18, static_cast<std::int64_t>(j.result_bytes));
    s.text(19, j.problem ? problem_text(*j.problem) : std::string());
    s.opt_text(20, j.idempotency_key).text(21, j.body_sha256).i64(22, forget_ms);
    return done(s, "save_job");
  }

  Status save_job_inputs(const std::string& job_id, const std::vector<std::vector<std::uint8_t>>& inputs) override {
    EI_RETURN_IF_ERROR(exec("BEGIN"));
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      Stmt s(db_, "INSERT OR REPLACE INTO job_inputs(job_id, idx, bytes) VALUES(?,?,?)");
      s.text(1, job_id).i64(2, static_cast<std::int64_t>(i)).blob(3, inputs[i]);
      Status st = done(s, "save_job_inputs");
      if (!st.ok()) {
        (void)exec("ROLLBACK");
        return st;
      }
    }
    return exec("COMMIT");
  }

  Status delete_job_inputs(const std::string& job_id) override {
    Stmt s(db_, "DELETE FROM job_inputs WHERE job_id = ?");
    s.text(1, job_id);
    return done(s, "delete_job_inputs");
  }

  Status delete_job(const std::string& job_id) override {
    EI_RETURN_IF_ERROR(delete_job_inputs(job_id));
    Stmt s(db_, "DELETE FROM jobs WHERE job_id = ?");
    s.text(1, job_id);
    return done(s, "delete_job");
  }

  Status save_key_blob(const std::string& hash, const std::vector<std::uint8_t>& relin,
                       const std::vector<std::uint8_t>& galois) override {
    Stmt s(db_, "INSERT OR IGNORE INTO key_blobs(hash, relin, galois) VALUES(?,?,?)");
    s.text(1, hash).blob(2, relin).blob(3, galois);
    return done(s, "save_key_blob");
  }

  Status save_context(const ContextRecord& c, std::int64_t forget_ms) override {
    Stmt s(db_, "INSERT OR REPLACE INTO contexts(tenant, context_id, model_id, version, ttl_seconds, created_ms, "
                "last_used_ms, expires_ms, forget_ms) VALUES(?,?,?,?,?,?,?,?,?)");
    s.text(1, c.tenant).text(2, c.context_id).text(3, c.model_id).text(4, c.version).i64(5, c.ttl_seconds);
    s.i64(6, c.created_ms).i64(7, c.last_used_ms).i64(8, c.expires_ms).i64(9, forget_ms);
    return done(s, "save_context");
  }

  Status delete_context(const std::string& tenant, const std::string& context_id) override {
    Stmt s(db_, "DELETE FROM contexts WHERE tenant = ? AND context_id = ?");
    s.text(1, tenant).text(2, context_id);
    return done(s, "delete_context");
  }

  Status collect_key_blobs() override {
    return exec("DELETE FROM key_blobs WHERE hash NOT IN (SELECT context_id FROM contexts WHERE forget_ms = 0) "
                "AND hash NOT IN (SELECT context_id FROM jobs WHERE context_id IS NOT NULL AND status IN "
                "('queued', 'running'))");
  }

  Result<Snapshot> load() override {
    Snapshot snap;
    {
      Stmt s(db_, "SELECT job_id, tenant, request_id, model_id, version, layout, batch_size, context_id, encoding, "
                  "compression, status, created_ms, started_ms, finished_ms, expires_ms, result_payload, "
                  "evaluation_ms, result_bytes, problem, idempotency_key, body_sha256, forget_ms FROM jobs");
      if (!s.ok()) return Status(Code::INTERNAL, std::string("sqlite: ") + sqlite3_errmsg(db_));
      while (s.step() == SQLITE_ROW) {
        Job j;
        j.job_id = s.col_text(0);
        j.tenant = s.col_text(1);
        j.request_id = s.col_text(2);
        j.model_id = s.col_text(3);
        j.version = s.col_text(4);
        j.layout = s.col_text(5);
        j.batch_size = static_cast<std::uint64_t>(s.col_i64(6));
        if (!s.col_null(7)) j.context_id = s.col_text(7);
        j.encoding = protocol::parse_encoding(s.col_text(8)).value_or(protocol::Encoding::hex);
        auto comp = ser::parse_compression(s.col_text(9));
        j.compression = comp.ok() ? comp.value() : ser::Compression::none;
        j.status = parse_status(s.col_text(10));
        j.created_ms = s.col_i64(11);
        j.started_ms = s.col_i64(12);
        j.finished_ms = s.col_i64(13);
        j.expires_ms = s.col_i64(14);
        j.result_payload = s.col_text(15);
        j.evaluation_ms = s.col_real(16);
        j.result_bytes = static_cast<std::uint64_t>(s.col_i64(17));
        j.problem = parse_problem(s.col_text(18));
        if (!s.col_null(19)) j.idempotency_key = s.col_text(19);
        j.body_sha256 = s.col_text(20);
        const std::int64_t forget = s.col_i64(21);
        snap.jobs.emplace_back(std::move(j), forget);
      }
    }
    {
      Stmt s(db_, "SELECT job_id, idx, bytes FROM job_inputs ORDER BY job_id, idx");
      if (!s.ok()) return Status(Code::INTERNAL, std::string("sqlite: ") + sqlite3_errmsg(db_));
      while (s.step() == SQLITE_ROW) snap.job_inputs[s.col_text(0)].push_back(s.col_blob(2));
    }
    {
      Stmt s(db_, "SELECT tenant, context_id, model_id, version, ttl_seconds, created_ms, last_used_ms, expires_ms, "
                  "forget_ms FROM contexts");
      if (!s.ok()) return Status(Code::INTERNAL, std::string("sqlite: ") + sqlite3_errmsg(db_));
      while (s.step() == SQLITE_ROW) {
        ContextRecord c;
        c.tenant = s.col_text(0);
        c.context_id = s.col_text(1);
        c.model_id = s.col_text(2);
        c.version = s.col_text(3);
        c.ttl_seconds = s.col_i64(4);
        c.created_ms = s.col_i64(5);
        c.last_used_ms = s.col_i64(6);
        c.expires_ms = s.col_i64(7);
        snap.contexts.emplace_back(std::move(c), s.col_i64(8));
      }
    }
    {
      Stmt s(db_, "SELECT hash, relin, galois FROM key_blobs");
      if (!s.ok()) return Status(Code::INTERNAL, std::string("sqlite: ") + sqlite3_errmsg(db_));
      while (s.step() == SQLITE_ROW) snap.key_blobs[s.col_text(0)] = {s.col_blob(1), s.col_blob(2)};
    }
    return snap;
  }

  Status flush() override {
    // WAL checkpoint so the main database file holds everything (best effort).
    return exec("PRAGMA wal_checkpoint(PASSIVE)");
  }

 private:
  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<Persistence>> open_persistence(const std::string& store) {
  if (store == "memory") return std::unique_ptr<Persistence>();
  if (store.rfind("sqlite:", 0) != 0 || store.size() <= 7) {
    return Status(Code::INVALID_ARGUMENT, "store: must be \"memory\" or \"sqlite:PATH\"");
  }
  const std::string path = store.substr(7);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Status(Code::INVALID_ARGUMENT, "store: cannot open SQLite database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  auto p = std::make_unique<SqlitePersistence>(db);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=OFF"}) {
    Status st = p->exec(pragma);
    if (!st.ok()) return Status(Code::INVALID_ARGUMENT, "store: " + path + ": " + st.detail());
  }
  Status st = p->exec(kSchema);
  if (!st.ok()) return Status(Code::INVALID_ARGUMENT, "store: " + path + ": " + st.detail());
  return std::unique_ptr<Persistence>(std::move(p));
}

}  // namespace ei::server
