// The server's mutable state: jobs (queue, worker pool, retention, idempotency records) and
// evaluation-key contexts (tenant-scoped, sliding TTL, per-tenant byte budget), kept in memory and
// written through to a Persistence (none for the memory store, SQLite for sqlite:PATH).
//
// Thread-safety: every public method is safe concurrently (one mutex guards the maps; evaluation
//   runs outside it on the worker threads).
// Ownership: State owns its jobs, contexts, worker threads and the Persistence. Jobs share their
//   input ciphertexts and pinned keys (shared_ptr) until they finish.
// Errors: lookups return protocol Problems (UNKNOWN_JOB, JOB_EXPIRED, UNKNOWN_CONTEXT,
//   CONTEXT_EXPIRED, CONTEXT_MISMATCH, QUEUE_FULL, CONTEXT_BUDGET_EXCEEDED).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "engine/rlwe/objects.h"
#include "engine/serialization/serialization.h"
#include "protocol/encoding.h"
#include "protocol/problem.h"
#include "server/app/config.h"
#include "server/app/json_util.h"
#include "server/app/metrics.h"
#include "server/app/model_registry.h"

namespace ei::server {

// Evaluation keys of one context, loaded (validated) once; shared by the context and the jobs
// that use it (jobs pin their keys).
struct LoadedKeys {
  std::optional<rlwe::RelinKeys> relin;
  std::optional<rlwe::GaloisKeys> galois;
  std::vector<std::uint64_t> galois_elements;  // ascending
  std::uint64_t bytes = 0;                     // decoded bytes as sent (len R + len G)
  // Decoded bytes as sent; kept only when the state is persistent (to reload after a restart).
  std::vector<std::uint8_t> relin_bytes;
  std::vector<std::uint8_t> galois_bytes;
};

enum class JobStatus { kQueued, kRunning, kCompleted, kFailed };
[[nodiscard]] const char* job_status_name(JobStatus s) noexcept;

struct Job {
  std::string job_id;
  std::string tenant;
  std::string request_id;  // of the POST that created the job
  std::string model_id;
  std::string version;
  std::string layout;
  std::uint64_t batch_size = 0;
  std::optional<std::string> context_id;
  protocol::Encoding encoding = protocol::Encoding::hex;
  ser::Compression compression = ser::Compression::none;
  JobStatus status = JobStatus::kQueued;
  std::int64_t created_ms = 0;
  std::int64_t started_ms = 0;   // 0 = not started
  std::int64_t finished_ms = 0;  // 0 = not finished
  std::int64_t expires_ms = 0;
  std::string result_payload;  // encoded as `encoding`
  double evaluation_ms = 0.0;
  std::uint64_t result_bytes = 0;
  std::optional<protocol::Problem> problem;
  std::optional<std::string> idempotency_key;
  std::string body_sha256;  // hex, for idempotency
  // Execution inputs (released when the job finishes).
  std::vector<rlwe::Ciphertext> inputs;
  std::shared_ptr<const LoadedKeys> keys;
  bool deleted = false;
};

struct ContextRecord {
  std::string tenant;
  std::string context_id;
  std::string model_id;
  std::string version;
  std::int64_t ttl_seconds = 0;
  std::int64_t created_ms = 0;
  std::int64_t last_used_ms = 0;  // 0 = never used
  std::int64_t expires_ms = 0;
  std::shared_ptr<const LoadedKeys> keys;
};

// Write-through persistence of the state. The memory store has none.
class Persistence {
 public:
  virtual ~Persistence() = default;
  struct Snapshot {
    std::vector<std::pair<Job, std::int64_t>> jobs;  // job (no inputs/keys), tombstone forget_ms (0: live)
    std::map<std::string, std::vector<std::vector<std::uint8_t>>> job_inputs;  // queued/running jobs
    std::vector<std::pair<ContextRecord, std::int64_t>> contexts;  // (keys unset), forget_ms (0: live)
    std::map<std::string, std::pair<std::vector<std::uint8_t>, std::vector<std::uint8_t>>> key_blobs;  // hash → (R, G)
  };
  virtual Status save_job(const Job& job, std::int64_t forget_ms) = 0;
  virtual Status save_job_inputs(const std::string& job_id, const std::vector<std::vector<std::uint8_t>>& inputs) = 0;
  virtual Status delete_job_inputs(const std::string& job_id) = 0;
  virtual Status delete_job(const std::string& job_id) = 0;
  virtual Status save_key_blob(const std::string& hash, const std::vector<std::uint8_t>& relin,
                               const std::vector<std::uint8_t>& galois) = 0;
  virtual Status save_context(const ContextRecord& ctx, std::int64_t forget_ms) = 0;
  virtual Status delete_context(const std::string& tenant, const std::string& context_id) = 0;
  virtual Status collect_key_blobs() = 0;
  virtual Result<Snapshot> load() = 0;
  virtual Status flush() = 0;
};

// Opens the persistence a `store` setting names: nullptr for "memory", SQLite for "sqlite:PATH".
// Errors: INVALID_ARGUMENT (unknown store, cannot open the database).
[[nodiscard]] Result<std::unique_ptr<Persistence>> open_persistence(const std::string& store);

class State {
 public:
  State(const Config& config, std::shared_ptr<const ModelRegistry> registry, Metrics& metrics,
        std::unique_ptr<Persistence> persistence);
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Loads the persisted jobs and contexts (re-queues queued/running jobs), starts the workers.
  // Errors: the persistence's load errors.
  [[nodiscard]] Status start();
  // Stops the workers (running evaluations finish first). Idempotent.
  void stop();

  [[nodiscard]] bool persistent() const noexcept { return persistence_ != nullptr; }

  // ---- idempotency (docs/api.md §13.1) ----
  // Serializes requests with the same (tenant, key): the guard holds the key until destroyed.
  class KeyGuard {
   public:
    KeyGuard(State* s, std::string k) : s_(s), k_(std::move(k)) {}
    KeyGuard(KeyGuard&& o) noexcept : s_(o.s_), k_(std::move(o.k_)) { o.s_ = nullptr; }
    KeyGuard(const KeyGuard&) = delete;
    KeyGuard& operator=(const KeyGuard&) = delete;
    KeyGuard& operator=(KeyGuard&&) = delete;
    ~KeyGuard();

   private:
    State* s_;
    std::string k_;
  };
  [[nodiscard]] KeyGuard lock_idempotency_key(const std::string& tenant, const std::string& key);

  struct IdempotencyHit {
    std::string job_id;
    bool same_body = false;
  };
  // The live job recorded for (tenant, key), if any. A job that failed with a retryable problem
  // releases its key here (the request is then processed as new).
  [[nodiscard]] std::optional<IdempotencyHit> find_idempotent(const std::string& tenant, const std::string& key,
                                                              const std::string& body_sha256);

  // ---- jobs ----
  // Enqueues a validated job atomically with its idempotency record and the context touch.
  // Returns the job's body as of enqueueing (status queued), or QUEUE_FULL.
  // `raw_inputs` (decoded bytes) are persisted for re-runs when the state is persistent.
  [[nodiscard]] std::variant<ojson, protocol::Problem> submit(std::shared_ptr<Job> job,
                                                              const std::vector<std::vector<std::uint8_t>>& raw_inputs);
  // Waits until the job is final or `deadline` passes; returns (body, final). A job deleted or
  // expired meanwhile returns the last body seen.
  [[nodiscard]] std::pair<ojson, bool> wait(const std::string& job_id, std::chrono::steady_clock::time_point deadline);
  // GET: the body, or UNKNOWN_JOB / JOB_EXPIRED.
  [[nodiscard]] std::variant<ojson, protocol::Problem> get_job(const std::string& tenant, const std::string& job_id);
  // DELETE: nullopt on success, or UNKNOWN_JOB / JOB_EXPIRED.
  [[nodiscard]] std::optional<protocol::Problem> delete_job(const std::string& tenant, const std::string& job_id);

  [[nodiscard]] std::size_t queue_depth() const;
  [[nodiscard]] std::size_t running() const;

  // ---- contexts ----
  struct ContextUse {
    std::string context_id;
    std::shared_ptr<const LoadedKeys> keys;
  };
  // Step 5(d): the tenant's live context registered for (model_id, version), or UNKNOWN_CONTEXT,
  // CONTEXT_EXPIRED, CONTEXT_MISMATCH (pointer /context_id).
  [[nodiscard]] std::variant<ContextUse, protocol::Problem> resolve_context(const std::string& tenant,
                                                                           const std::string& context_id,
                                                                           const std::string& model_id,
                                                                           const std::string& version);
  struct RegisterResult {
    ojson body;
    bool created = false;
  };
  // Registers (201) or re-registers (200, TTL restarted, budget not charged again), or
  // CONTEXT_BUDGET_EXCEEDED. `ttl_seconds` is already clamped.
  [[nodiscard]] std::variant<RegisterResult, protocol::Problem> register_context(
      const std::string& tenant, const std::string& context_id, const std::string& model_id,
      const std::string& version, std::int64_t ttl_seconds, std::shared_ptr<const LoadedKeys> keys);
  [[nodiscard]] std::variant<ojson, protocol::Problem> get_context(const std::string& tenant,
                                                                  const std::string& context_id);
  [[nodiscard]] std::optional<protocol::Problem> delete_context(const std::string& tenant,
                                                                const std::string& context_id);
  [[nodiscard]] std::uint64_t context_bytes(const std::string& tenant) const;

  // ---- lifecycle ----
  // SIGTERM: refuse new work (the App checks draining()), let queued and running jobs finish for
  // at most `bound`; with the memory store fail what is left with SHUTTING_DOWN; flush.
  void drain(std::chrono::milliseconds bound);
  [[nodiscard]] bool draining() const noexcept { return draining_.load(); }
  // Applies retention and tombstones now (also done lazily on every access).
  void sweep();

  // Test hooks: pause/resume the workers (jobs stay queued while paused).
  void pause_workers(bool paused);

 private:
  friend class KeyGuard;
  ojson job_json_locked(const Job& job) const;
  ojson context_json_locked(const ContextRecord& ctx) const;
  void sweep_locked(std::int64_t now_ms);
  void finish_locked(Job& job, JobStatus status, std::int64_t now_ms);
  void release_idempotency_locked(const Job& job);
  void persist_job_locked(const Job& job, std::int64_t forget_ms = 0);
  void worker_loop();
  void run_job(const std::shared_ptr<Job>& job);
  [[nodiscard]] Status restore();

  Config config_;
  std::shared_ptr<const ModelRegistry> registry_;
  Metrics& metrics_;
  std::unique_ptr<Persistence> persistence_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // workers: queue not empty / stop / unpause
  std::condition_variable state_cv_;  // waiters: a job changed status
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::string> queue_;
  std::size_t running_ = 0;
  struct Tombstone {
    std::string tenant;
    std::int64_t expired_ms = 0;
    std::int64_t forget_ms = 0;
  };
  std::map<std::string, Tombstone> job_tombstones_;
  std::map<std::string, std::string> idempotency_;  // tenant '\n' key → job_id
  std::set<std::string> idempotency_inflight_;
  std::condition_variable idem_cv_;
  std::map<std::pair<std::string, std::string>, ContextRecord> contexts_;  // (tenant, id)
  std::map<std::pair<std::string, std::string>, Tombstone> context_tombstones_;
  std::int64_t last_sweep_ms_ = 0;
  std::int64_t next_sweep_ms_ = 0;  // no deadline falls before this (see sweep_locked)

  std::vector<std::thread> workers_;
  bool stop_ = false;
  bool paused_ = false;
  std::atomic<bool> draining_{false};
  bool started_ = false;
};

}  // namespace ei::server
