#include "server/app/state.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "protocol/encoding.h"
#include "server/app/app_log.h"

namespace ei::server {
namespace {

using protocol::ErrorCode;
using protocol::Problem;

std::string idem_key(const std::string& tenant, const std::string& key) { return tenant + '\n' + key; }

Problem unknown_job(const std::string& id) {
  return Problem(ErrorCode::UNKNOWN_JOB, "No job " + protocol::safe_snippet(id, 80) + ".");
}

Problem unknown_context(const std::string& id) {
  return Problem(ErrorCode::UNKNOWN_CONTEXT, "No context " + protocol::safe_snippet(id, 80) + ".");
}

}  // namespace

const char* job_status_name(JobStatus s) noexcept {
  switch (s) {
    case JobStatus::kQueued: return "queued";
    case JobStatus::kRunning: return "running";
    case JobStatus::kCompleted: return "completed";
    case JobStatus::kFailed: return "failed";
  }
  return "failed";
}

State::State(const Config& config, std::shared_ptr<const ModelRegistry> registry, Metrics& metrics,
             std::unique_ptr<Persistence> persistence)
    : config_(config), registry_(std::move(registry)), metrics_(metrics), persistence_(std::move(persistence)) {}

State::~State() { stop(); }

State::KeyGuard::~KeyGuard() {
  if (s_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(s_->mu_);
    s_->idempotency_inflight_.erase(k_);
  }
  s_->idem_cv_.notify_all();
}

State::KeyGuard State::lock_idempotency_key(const std::string& tenant, const std::string& key) {
  const std::string k = idem_key(tenant, key);
  std::unique_lock<std::mutex> lock(mu_);
  idem_cv_.wait(lock, [&] { return idempotency_inflight_.count(k) == 0; });
  idempotency_inflight_.insert(k);
  return KeyGuard(this, k);
}

std::optional<State::IdempotencyHit> State::find_idempotent(const std::string& tenant, const std::string& key,
                                                            const std::string& body_sha256) {
  std::lock_guard<std::mutex> lock(mu_);
  sweep_locked(now_unix_ms());
  auto it = idempotency_.find(idem_key(tenant, key));
  if (it == idempotency_.end()) return std::nullopt;
  auto jt = jobs_.find(it->second);
  if (jt == jobs_.end()) {
    idempotency_.erase(it);
    return std::nullopt;
  }
  const Job& job = *jt->second;
  if (job.status == JobStatus::kFailed && job.problem && protocol::entry(job.problem->code).retryable) {
    idempotency_.erase(it);  // a retryable failure releases the key: process as new
    return std::nullopt;
  }
  return IdempotencyHit{job.job_id, job.body_sha256 == body_sha256};
}

// ---------------------------------------------------------------------------------------- JSON

ojson State::job_json_locked(const Job& job) const {
  ojson j;
  j["api_version"] = std::string(protocol::kApiVersion);
  j["job_id"] = job.job_id;
  j["status"] = job_status_name(job.status);
  j["model_id"] = job.model_id;
  j["version"] = job.version;
  j["layout"] = job.layout;
  j["batch_size"] = job.batch_size;
  if (job.context_id) j["context_id"] = *job.context_id;
  j["created_at"] = format_timestamp(job.created_ms);
  if (job.started_ms != 0) j["started_at"] = format_timestamp(job.started_ms);
  if (job.status == JobStatus::kCompleted || job.status == JobStatus::kFailed) {
    j["finished_at"] = format_timestamp(job.finished_ms);
    j["expires_at"] = format_timestamp(job.expires_ms);
  }
  if (job.status == JobStatus::kCompleted) {
    const Model* model = registry_->find(job.model_id, job.version);
    const ModelLayout* layout = model != nullptr ? model->layout(job.layout) : nullptr;
    ojson r;
    r["model_id"] = job.model_id;
    r["version"] = job.version;
    r["payload"] = job.result_payload;
    r["encoding"] = std::string(protocol::encoding_name(job.encoding));
    r["compression"] = std::string(ser::compression_name(job.compression));
    r["layout"] = job.layout;
    ojson om;
    om["offset"] = layout != nullptr ? layout->output_offset : 0;
    om["sample_stride"] = layout != nullptr ? layout->output_sample_stride : 1;
    om["count"] = job.batch_size;
    r["output_mapping"] = om;
    ojson d;
    d["requested_batch_size"] = job.batch_size;
    d["processed_batch_size"] = job.batch_size;
    d["batch_truncated"] = false;
    d["evaluation_ms"] = std::round(job.evaluation_ms * 1000.0) / 1000.0;
    d["result_bytes"] = job.result_bytes;
    r["diagnostics"] = d;
    j["result"] = r;
  }
  if (job.status == JobStatus::kFailed && job.problem) {
    j["error"] = job.problem->detail;
    j["problem"] = protocol::problem_json(*job.problem, job.request_id);
  }
  return j;
}

ojson State::context_json_locked(const ContextRecord& ctx) const {
  ojson j;
  j["api_version"] = std::string(protocol::kApiVersion);
  j["context_id"] = ctx.context_id;
  j["model_id"] = ctx.model_id;
  j["version"] = ctx.version;
  j["relinearization"] = ctx.keys && ctx.keys->relin.has_value();
  j["galois_elements"] = ctx.keys ? ctx.keys->galois_elements : std::vector<std::uint64_t>{};
  j["bytes"] = ctx.keys ? ctx.keys->bytes : 0;
  j["ttl_seconds"] = ctx.ttl_seconds;
  j["created_at"] = format_timestamp(ctx.created_ms);
  if (ctx.last_used_ms != 0) j["last_used_at"] = format_timestamp(ctx.last_used_ms);
  j["expires_at"] = format_timestamp(ctx.expires_ms);
  return j;
}

// ---------------------------------------------------------------------------------------- sweep

void State::sweep() {
  std::lock_guard<std::mutex> lock(mu_);
  next_sweep_ms_ = 0;
  sweep_locked(now_unix_ms());
}

void State::sweep_locked(std::int64_t now) {
  // Nothing can have expired before the earliest deadline seen by the last full sweep (every
  // place that sets a new deadline lowers next_sweep_ms_), so most calls return at once.
  if (now < next_sweep_ms_) return;
  // Jobs: finished and past retention → tombstone; tombstones past their period → forgotten.
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = *it->second;
    const bool final = job.status == JobStatus::kCompleted || job.status == JobStatus::kFailed;
    if (final && job.expires_ms <= now) {
      release_idempotency_locked(job);
      const std::int64_t forget = job.expires_ms + config_.job_tombstone_seconds * 1000;
      job_tombstones_[job.job_id] = Tombstone{job.tenant, job.expires_ms, forget};
      if (persistence_) {
        job.result_payload.clear();
        persist_job_locked(job, forget);
      }
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = job_tombstones_.begin(); it != job_tombstones_.end();) {
    if (it->second.forget_ms <= now) {
      if (persistence_) (void)persistence_->delete_job(it->first);
      it = job_tombstones_.erase(it);
    } else {
      ++it;
    }
  }
  bool freed_keys = false;
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    if (it->second.expires_ms <= now) {
      const std::int64_t forget = it->second.expires_ms + config_.contexts.tombstone_seconds * 1000;
      context_tombstones_[it->first] = Tombstone{it->first.first, it->second.expires_ms, forget};
      if (persistence_) {
        ContextRecord dead = it->second;
        dead.keys.reset();
        (void)persistence_->save_context(dead, forget);
        freed_keys = true;
      }
      it = contexts_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = context_tombstones_.begin(); it != context_tombstones_.end();) {
    if (it->second.forget_ms <= now) {
      if (persistence_) (void)persistence_->delete_context(it->first.first, it->first.second);
      it = context_tombstones_.erase(it);
    } else {
      ++it;
    }
  }
  if (freed_keys && persistence_) (void)persistence_->collect_key_blobs();
  last_sweep_ms_ = now;
  std::int64_t next = std::numeric_limits<std::int64_t>::max();
  for (const auto& [id, job] : jobs_) {
    if (job->status == JobStatus::kCompleted || job->status == JobStatus::kFailed) next = std::min(next, job->expires_ms);
  }
  for (const auto& [id, t] : job_tombstones_) next = std::min(next, t.forget_ms);
  for (const auto& [key, ctx] : contexts_) next = std::min(next, ctx.expires_ms);
  for (const auto& [key, t] : context_tombstones_) next = std::min(next, t.forget_ms);
  next_sweep_ms_ = next;
}

void State::release_idempotency_locked(const Job& job) {
  if (!job.idempotency_key) return;
  auto it = idempotency_.find(idem_key(job.tenant, *job.idempotency_key));
  if (it != idempotency_.end() && it->second == job.job_id) idempotency_.erase(it);
}

void State::persist_job_locked(const Job& job, std::int64_t forget_ms) {
  if (!persistence_) return;
  Status st = persistence_->save_job(job, forget_ms);
  if (!st.ok()) AppLog(AppLogLevel::kError, "store_error").str("operation", "save_job").str("detail", st.detail()).emit();
}

// ---------------------------------------------------------------------------------------- jobs

std::variant<ojson, Problem> State::submit(std::shared_ptr<Job> job,
                                           const std::vector<std::vector<std::uint8_t>>& raw_inputs) {
  std::unique_lock<std::mutex> lock(mu_);
  const std::int64_t now = now_unix_ms();
  sweep_locked(now);
  if (queue_.size() >= config_.queue_capacity) {
    Problem p(ErrorCode::QUEUE_FULL, "The job queue is full (" + std::to_string(config_.queue_capacity) +
                                         " jobs). Retry after " +
                                         std::to_string(config_.queue_full_retry_after_seconds) + " seconds.");
    p.retry_after_seconds = static_cast<int>(config_.queue_full_retry_after_seconds);
    return p;
  }
  job->status = JobStatus::kQueued;
  job->created_ms = now;
  if (job->context_id) {
    auto it = contexts_.find({job->tenant, *job->context_id});
    if (it != contexts_.end()) {
      it->second.last_used_ms = now;
      it->second.expires_ms = std::max(it->second.expires_ms, now + it->second.ttl_seconds * 1000);
      if (persistence_) (void)persistence_->save_context(it->second, 0);
    }
  }
  if (persistence_) {
    if (job->keys && job->context_id) {
      (void)persistence_->save_key_blob(*job->context_id, job->keys->relin_bytes, job->keys->galois_bytes);
    }
    Status st = persistence_->save_job_inputs(job->job_id, raw_inputs);
    if (st.ok()) st = persistence_->save_job(*job, 0);
    if (!st.ok()) {
      AppLog(AppLogLevel::kError, "store_error").str("operation", "submit").str("detail", st.detail()).emit();
      return Problem(ErrorCode::INTERNAL,
                     "The job could not be stored. Quote the request_id when reporting it.");
    }
  }
  jobs_[job->job_id] = job;
  if (job->idempotency_key) idempotency_[idem_key(job->tenant, *job->idempotency_key)] = job->job_id;
  queue_.push_back(job->job_id);
  ojson body = job_json_locked(*job);
  lock.unlock();
  work_cv_.notify_one();
  return body;
}

std::pair<ojson, bool> State::wait(const std::string& job_id, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  std::shared_ptr<Job> job;
  auto final_of = [](const Job& j) { return j.status == JobStatus::kCompleted || j.status == JobStatus::kFailed; };
  while (true) {
    auto it = jobs_.find(job_id);
    if (it != jobs_.end()) job = it->second;
    if (!job) return {ojson::object(), false};
    if (final_of(*job) || it == jobs_.end()) return {job_json_locked(*job), final_of(*job)};
    if (state_cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      return {job_json_locked(*job), final_of(*job)};
    }
  }
}

std::variant<ojson, Problem> State::get_job(const std::string& tenant, const std::string& job_id) {
  std::lock_guard<std::mutex> lock(mu_);
  sweep_locked(now_unix_ms());
  auto it = jobs_.find(job_id);
  if (it != jobs_.end() && it->second->tenant == tenant) return job_json_locked(*it->second);
  auto tt = job_tombstones_.find(job_id);
  if (tt != job_tombstones_.end() && tt->second.tenant == tenant) {
    return Problem(ErrorCode::JOB_EXPIRED, "Job " + job_id + " expired at " + format_timestamp(tt->second.expired_ms) +
                                               "; its result is gone. Submit the request again.");
  }
  return unknown_job(job_id);
}

std::optional<Problem> State::delete_job(const std::string& tenant, const std::string& job_id) {
  std::unique_lock<std::mutex> lock(mu_);
  sweep_locked(now_unix_ms());
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second->tenant != tenant) {
    auto tt = job_tombstones_.find(job_id);
    if (tt != job_tombstones_.end() && tt->second.tenant == tenant) {
      return Problem(ErrorCode::JOB_EXPIRED, "Job " + job_id + " expired at " + format_timestamp(tt->second.expired_ms) +
                                                 "; its result is gone.");
    }
    return unknown_job(job_id);
  }
  std::shared_ptr<Job> job = it->second;
  job->deleted = true;
  release_idempotency_locked(*job);
  queue_.erase(std::remove(queue_.begin(), queue_.end(), job_id), queue_.end());
  jobs_.erase(it);
  if (persistence_) {
    (void)persistence_->delete_job(job_id);
    (void)persistence_->collect_key_blobs();
  }
  lock.unlock();
  state_cv_.notify_all();
  return std::nullopt;
}

std::size_t State::queue_depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

std::size_t State::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void State::finish_locked(Job& job, JobStatus status, std::int64_t now) {
  job.status = status;
  job.finished_ms = now;
  job.expires_ms = now + config_.job_ttl_seconds * 1000;
  next_sweep_ms_ = std::min(next_sweep_ms_, job.expires_ms);
  job.inputs.clear();
  job.inputs.shrink_to_fit();
  job.keys.reset();
  metrics_.record_job_finished(job_status_name(status));
  if (persistence_) {
    persist_job_locked(job);
    (void)persistence_->delete_job_inputs(job.job_id);
  }
}

void State::worker_loop() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || (!paused_ && !queue_.empty()); });
      if (stop_) return;
      const std::string id = queue_.front();
      queue_.pop_front();
      auto it = jobs_.find(id);
      if (it == jobs_.end() || it->second->deleted || it->second->status != JobStatus::kQueued) continue;
      job = it->second;
      job->status = JobStatus::kRunning;
      job->started_ms = now_unix_ms();
      ++running_;
      persist_job_locked(*job);
    }
    state_cv_.notify_all();
    run_job(job);
  }
}

void State::run_job(const std::shared_ptr<Job>& job) {
  const Model* model = registry_->find(job->model_id, job->version);
  const ModelLayout* layout = model != nullptr ? model->layout(job->layout) : nullptr;
  std::optional<Problem> problem;
  std::string payload;
  std::uint64_t result_bytes = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double eval_seconds = 0.0;
  if (layout == nullptr) {
    problem = Problem(ErrorCode::INTERNAL, "The evaluation failed because of a server error. Quote the request_id "
                                           "when reporting it.");
  } else {
    const rlwe::RelinKeys* relin = job->keys && job->keys->relin ? &*job->keys->relin : nullptr;
    const rlwe::GaloisKeys* galois = job->keys && job->keys->galois ? &*job->keys->galois : nullptr;
    Result<rlwe::Ciphertext> result = Status(Code::INTERNAL, "not evaluated");
    try {
      result = model->runtime->evaluate(layout->plan, job->inputs, job->batch_size, relin, galois);
    } catch (const std::exception& e) {
      result = Status(Code::INTERNAL, std::string("exception: ") + e.what());
    }
    eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (result.ok()) {
      auto bytes = ser::save(result.value(), ser::SaveOptions{job->compression, ser::SeedMode::kNever});
      if (bytes.ok()) {
        result_bytes = bytes.value().size();
        payload = protocol::encode(job->encoding, bytes.value());
      } else {
        result = bytes.status();
      }
    }
    if (!result.ok()) {
      AppLog(AppLogLevel::kError, "evaluation_failed")
          .str("request_id", job->request_id)
          .str("job_id", job->job_id)
          .str("engine_code", std::string(ei::code_name(result.status().code())))
          .str("detail", result.status().detail())
          .emit();
      problem = Problem(ErrorCode::INTERNAL, "The evaluation failed because of a server error. Quote the request_id "
                                             "when reporting it.");
    } else {
      metrics_.record_evaluation(job->model_id, job->version, job->layout, eval_seconds);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
    if (!job->deleted && job->status == JobStatus::kRunning) {
      job->evaluation_ms = eval_seconds * 1000.0;
      if (problem) {
        job->problem = std::move(problem);
      } else {
        job->result_payload = std::move(payload);
        job->result_bytes = result_bytes;
      }
      finish_locked(*job, job->problem ? JobStatus::kFailed : JobStatus::kCompleted, now_unix_ms());
    }
  }
  state_cv_.notify_all();
}

// ---------------------------------------------------------------------------------------- contexts

std::variant<State::ContextUse, Problem> State::resolve_context(const std::string& tenant,
                                                                const std::string& context_id,
                                                                const std::string& model_id,
                                                                const std::string& version) {
  std::lock_guard<std::mutex> lock(mu_);
  sweep_locked(now_unix_ms());
  auto it = contexts_.find({tenant, context_id});
  if (it == contexts_.end()) {
    auto tt = context_tombstones_.find({tenant, context_id});
    if (tt != context_tombstones_.end()) {
      Problem p(ErrorCode::CONTEXT_EXPIRED, "Context " + context_id + " expired at " +
                                                format_timestamp(tt->second.expired_ms) + ". Register the keys again.");
      return p.at("/context_id");
    }
    Problem p = unknown_context(context_id);
    return p.at("/context_id");
  }
  const ContextRecord& ctx = it->second;
  if (ctx.model_id != model_id || ctx.version != version) {
    Problem p(ErrorCode::CONTEXT_MISMATCH, "Context " + context_id + " was registered for " + ctx.model_id + " " +
                                               ctx.version + ", not " + protocol::safe_snippet(model_id) + " " +
                                               protocol::safe_snippet(version) + ".");
    return p.at("/context_id");
  }
  return ContextUse{context_id, ctx.keys};
}

std::variant<State::RegisterResult, Problem> State::register_context(const std::string& tenant,
                                                                     const std::string& context_id,
                                                                     const std::string& model_id,
                                                                     const std::string& version,
                                                                     std::int64_t ttl_seconds,
                                                                     std::shared_ptr<const LoadedKeys> keys) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::int64_t now = now_unix_ms();
  sweep_locked(now);
  auto it = contexts_.find({tenant, context_id});
  if (it != contexts_.end()) {
    it->second.ttl_seconds = ttl_seconds;
    it->second.expires_ms = now + ttl_seconds * 1000;
    next_sweep_ms_ = std::min(next_sweep_ms_, it->second.expires_ms);
    if (persistence_) (void)persistence_->save_context(it->second, 0);
    return RegisterResult{context_json_locked(it->second), false};
  }
  std::uint64_t used = 0;
  for (const auto& [key, ctx] : contexts_) {
    if (key.first == tenant && ctx.keys) used += ctx.keys->bytes;
  }
  const std::uint64_t budget = config_.contexts.budget_bytes;
  if (used + keys->bytes > budget) {
    Problem p(ErrorCode::CONTEXT_BUDGET_EXCEEDED,
              "Storing these keys (" + std::to_string(keys->bytes) + " bytes) would exceed the tenant's context budget of " +
                  std::to_string(budget) + " bytes (" + std::to_string(used) +
                  " in use). Delete contexts or wait for them to expire.");
    p.expected_got(budget, used + keys->bytes);
    return p;
  }
  ContextRecord rec;
  rec.tenant = tenant;
  rec.context_id = context_id;
  rec.model_id = model_id;
  rec.version = version;
  rec.ttl_seconds = ttl_seconds;
  rec.created_ms = now;
  rec.expires_ms = now + ttl_seconds * 1000;
  next_sweep_ms_ = std::min(next_sweep_ms_, rec.expires_ms);
  rec.keys = std::move(keys);
  context_tombstones_.erase({tenant, context_id});
  if (persistence_) {
    (void)persistence_->save_key_blob(context_id, rec.keys->relin_bytes, rec.keys->galois_bytes);
    (void)persistence_->save_context(rec, 0);
  }
  auto& stored = contexts_[{tenant, context_id}] = std::move(rec);
  return RegisterResult{context_json_locked(stored), true};
}

std::variant<ojson, Problem> State::get_context(const std::string& tenant, const std::string& context_id) {
  std::lock_guard<std::mutex> lock(mu_);
  sweep_locked(now_unix_ms());
  auto it = contexts_.find({tenant, context_id});
  if (it != contexts_.end()) return context_json_locked(it->second);
  auto tt = context_tombstones_.find({tenant, context_id});
  if (tt != context_tombstones_.end()) {
    return Problem(ErrorCode::CONTEXT_EXPIRED, "Context " + context_id + " expired at " +
                                                   format_timestamp(tt->second.expired_ms) + ". Register the keys again.");
  }
  return unknown_context(context_id);
}

std::optional<Problem> State::delete_context(const std::string& tenant, const std::string& context_id) {
  std::lock_guard<std::mutex> lock(mu_);
  sweep_locked(now_unix_ms());
  auto it = contexts_.find({tenant, context_id});
  if (it == contexts_.end()) {
    auto tt = context_tombstones_.find({tenant, context_id});
    if (tt != context_tombstones_.end()) {
      return Problem(ErrorCode::CONTEXT_EXPIRED, "Context " + context_id + " expired at " +
                                                     format_timestamp(tt->second.expired_ms) + ".");
    }
    return unknown_context(context_id);
  }
  contexts_.erase(it);
  if (persistence_) {
    (void)persistence_->delete_context(tenant, context_id);
    (void)persistence_->collect_key_blobs();
  }
  return std::nullopt;
}

std::uint64_t State::context_bytes(const std::string& tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::uint64_t used = 0;
  for (const auto& [key, ctx] : contexts_) {
    if (key.first == tenant && ctx.keys) used += ctx.keys->bytes;
  }
  return used;
}

// ---------------------------------------------------------------------------------------- lifecycle

Status State::start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return Status::Ok();
    started_ = true;
  }
  if (persistence_) EI_RETURN_IF_ERROR(restore());
  const std::size_t n = std::max<std::size_t>(1, config_.workers);
  for (std::size_t i = 0; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
  return Status::Ok();
}

void State::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  state_cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
  if (persistence_) (void)persistence_->flush();
}

void State::pause_workers(bool paused) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = paused;
  }
  work_cv_.notify_all();
}

void State::drain(std::chrono::milliseconds bound) {
  draining_ = true;
  const auto deadline = std::chrono::steady_clock::now() + bound;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (bound.count() > 0) {
      paused_ = false;
      work_cv_.notify_all();
      state_cv_.wait_until(lock, deadline, [&] { return queue_.empty() && running_ == 0; });
    }
    paused_ = true;  // no job starts after the bound
    if (!persistence_) {
      // Memory store: what is left fails with the retryable SHUTTING_DOWN (and releases its key).
      const std::int64_t now = now_unix_ms();
      for (auto& [id, job] : jobs_) {
        if (job->status == JobStatus::kQueued || job->status == JobStatus::kRunning) {
          Problem p(ErrorCode::SHUTTING_DOWN, "The server shut down before the job finished. Submit it again.");
          job->problem = std::move(p);
          finish_locked(*job, JobStatus::kFailed, now);
          release_idempotency_locked(*job);
        }
      }
      queue_.clear();
    }
    // Persistent store: queued and running jobs stay queued/running in the store and are re-run
    // after the restart.
  }
  state_cv_.notify_all();
  if (persistence_) (void)persistence_->flush();
}

Status State::restore() {
  auto snap = persistence_->load();
  if (!snap.ok()) return snap.status();
  auto& s = snap.value();
  std::lock_guard<std::mutex> lock(mu_);
  const std::int64_t now = now_unix_ms();
  // Contexts first (jobs pin keys from the blobs).
  std::map<std::string, std::shared_ptr<const LoadedKeys>> keys_by_hash;
  auto load_keys = [&](const std::string& hash, const Model& model) -> std::shared_ptr<const LoadedKeys> {
    auto cached = keys_by_hash.find(hash);
    if (cached != keys_by_hash.end()) return cached->second;
    auto blob = s.key_blobs.find(hash);
    if (blob == s.key_blobs.end()) return nullptr;
    auto keys = std::make_shared<LoadedKeys>();
    keys->relin_bytes = blob->second.first;
    keys->galois_bytes = blob->second.second;
    keys->bytes = keys->relin_bytes.size() + keys->galois_bytes.size();
    if (!keys->relin_bytes.empty()) {
      auto r = ser::load_relin_keys(*model.context, keys->relin_bytes);
      if (!r.ok()) return nullptr;
      keys->relin = std::move(r).value();
    }
    if (!keys->galois_bytes.empty()) {
      auto g = ser::load_galois_keys(*model.context, keys->galois_bytes);
      if (!g.ok()) return nullptr;
      keys->galois = std::move(g).value();
      for (std::size_t i = 0; i < keys->galois->keys.size(); ++i) {
        if (!keys->galois->keys[i].empty()) keys->galois_elements.push_back(2 * i + 1);
      }
    }
    keys_by_hash[hash] = keys;
    return keys;
  };
  for (auto& [rec, forget] : s.contexts) {
    if (forget != 0 || rec.expires_ms <= now) {
      const std::int64_t f = forget != 0 ? forget : rec.expires_ms + config_.contexts.tombstone_seconds * 1000;
      if (f > now) context_tombstones_[{rec.tenant, rec.context_id}] = Tombstone{rec.tenant, rec.expires_ms, f};
      continue;
    }
    const Model* model = registry_->find(rec.model_id, rec.version);
    if (model == nullptr) continue;
    rec.keys = load_keys(rec.context_id, *model);
    if (!rec.keys) continue;
    contexts_[{rec.tenant, rec.context_id}] = rec;
  }
  std::vector<std::pair<std::int64_t, std::string>> requeue;
  for (auto& [job, forget] : s.jobs) {
    if (forget != 0) {
      if (forget > now) job_tombstones_[job.job_id] = Tombstone{job.tenant, job.expires_ms, forget};
      continue;
    }
    auto j = std::make_shared<Job>(std::move(job));
    const Model* model = registry_->find(j->model_id, j->version);
    const ModelLayout* layout = model != nullptr ? model->layout(j->layout) : nullptr;
    if (j->status == JobStatus::kQueued || j->status == JobStatus::kRunning) {
      bool ok = layout != nullptr;
      if (ok) {
        auto in = s.job_inputs.find(j->job_id);
        ok = in != s.job_inputs.end() && in->second.size() == layout->input_count;
        if (ok) {
          for (const auto& bytes : in->second) {
            auto ct = ser::load_ciphertext(*model->context, bytes);
            if (!ct.ok()) {
              ok = false;
              break;
            }
            j->inputs.push_back(std::move(ct).value());
          }
        }
        if (ok && j->context_id) {
          j->keys = load_keys(*j->context_id, *model);
          ok = j->keys != nullptr;
        }
      }
      j->status = JobStatus::kQueued;
      j->started_ms = 0;
      if (!ok) {
        j->problem = Problem(ErrorCode::INTERNAL, "The job could not be restored after a restart. Quote the "
                                                  "request_id when reporting it.");
        jobs_[j->job_id] = j;
        finish_locked(*j, JobStatus::kFailed, now);
      } else {
        jobs_[j->job_id] = j;
        requeue.emplace_back(j->created_ms, j->job_id);
        persist_job_locked(*j);
      }
    } else {
      jobs_[j->job_id] = j;
    }
    if (j->idempotency_key && j->status != JobStatus::kFailed) {
      idempotency_[idem_key(j->tenant, *j->idempotency_key)] = j->job_id;
    } else if (j->idempotency_key && j->problem && !protocol::entry(j->problem->code).retryable) {
      idempotency_[idem_key(j->tenant, *j->idempotency_key)] = j->job_id;
    }
  }
  next_sweep_ms_ = 0;
  std::sort(requeue.begin(), requeue.end());
  for (auto& [t, id] : requeue) queue_.push_back(id);
  if (!requeue.empty()) {
    AppLog(AppLogLevel::kInfo, "jobs_restored").num("requeued", static_cast<std::int64_t>(requeue.size())).emit();
  }
  sweep_locked(now);
  return Status::Ok();
}

}  // namespace ei::server
