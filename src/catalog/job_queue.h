#pragma once
// The persistent job queue: per-file work (metadata and quick hash,
// pixels, full hashes, later analysis) as rows of the catalog's `jobs`
// table (docs/catalog.md), claimed in batches by worker pools of one or
// several processes, later of several machines against one PostgreSQL
// catalog. Part of catalog::Catalog (catalog.h); the protocol around it
// (leases renewed by a supervising thread, completions flushed in batches,
// backoff, aging) is jobs/ (docs/serve.md, "The job queue").
//
// The rules every backend keeps (tests/catalog/job_queue_contract_test.cc):
//   - A job's unique key is (kind, file, version): enqueuing a key the
//     table already holds, in any state, adds nothing. Jobs without a file
//     are never deduplicated.
//   - ClaimJobs is one statement (UPDATE … WHERE id IN (SELECT … ORDER BY
//     priority, run_at, id LIMIT n) RETURNING …; FOR UPDATE SKIP LOCKED on
//     PostgreSQL) over an index in exactly that order, so two claimers
//     never get the same job and a claim never scans the table.
//   - Every claim gets a fresh lease token. FinishJobs and RenewLeases only
//     count for a job that is still running under that token: a worker
//     whose lease expired and was taken back cannot complete the job that
//     someone else now holds.
//   - Smaller priority runs first (JobPriority below).
//
// Thread-compatible, like Catalog. Several processes may use one catalog's
// queue at once.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/types.h"

namespace phodex::catalog {

using JobId = Id<struct JobTag>;

enum class JobState {
  kAvailable,  // waiting for run_at, then for a worker
  kRunning,    // claimed; the lease says by whom and until when
  kRetryable,  // failed an attempt that may succeed later (I/O, a crash)
  kCompleted,
  kFailed,     // gave up: the reason is in last_error
  kCancelled,
};
// "available", "running", ... as stored and as `phodex jobs` prints.
std::string_view JobStateName(JobState state);
std::optional<JobState> ParseJobState(std::string_view name);

// Who is waiting for the work decides its priority; smaller runs first.
// Jobs waiting long move up by aging (JobQueue::AgeJobs), so background
// work never starves.
struct JobPriority {
  static constexpr int kInteractive = 0;   // a person waits (a rating, a
                                           // thumbnail the gallery needs)
  static constexpr int kWatch = 100;       // new files from the watcher
  static constexpr int kReconcile = 200;   // what a reconciliation found
  static constexpr int kBackground = 300;  // full hashes, old thumbnails
  static constexpr int kAnalysis = 400;    // faces, text (later issues)
};

// Work to queue.
struct JobSpec {
  std::string kind;  // "metadata", "pixels", "full_hash", "noop", ...
  int priority = JobPriority::kBackground;
  // The file it is about, and the version of the file's content it is
  // for (what the enqueuer uses to tell one state of a file from the next,
  // e.g. the scan generation that saw it change). With `kind` the unique
  // key.
  std::optional<FileId> file;
  int64_t version = 0;
  std::string payload;  // opaque to the queue (the handler's JSON)
  int max_attempts = 5;
  int64_t run_at_ns = 0;  // not before (Unix ns); 0 = at once
};

// A row of the queue.
struct Job {
  JobId id;
  std::string kind;
  int priority = 0;
  JobState state = JobState::kAvailable;
  int attempts = 0;  // claims so far, this one included
  int max_attempts = 0;
  int64_t run_at_ns = 0;
  std::optional<FileId> file;
  int64_t version = 0;
  std::string payload;
  std::string last_error;
  int64_t created_ns = 0;
  int64_t updated_ns = 0;
  // While running: who holds it, the claim's token, and until when.
  std::string lease_owner;
  int64_t lease_token = 0;
  int64_t lease_expires_ns = 0;
};

struct EnqueueResult {
  int64_t added = 0;
  int64_t already_queued = 0;  // their key was in the table
  // Each spec's job, in the order given: the new job's id, or 0 when its
  // key was already in the table (that job is not looked up).
  std::vector<JobId> ids;
};

struct ClaimRequest {
  std::string kind;  // one pool claims its own kind
  int max_jobs = 1;
  std::string owner;  // "host:pid/pool", shown by `phodex jobs`
  int64_t now_ns = 0;
  int64_t lease_ns = 0;  // the lease ends at now_ns + lease_ns
};

// A claim's proof of ownership.
struct JobLease {
  JobId id;
  int64_t token = 0;
};

// How one attempt ended.
struct JobOutcome {
  enum class Kind {
    kCompleted,
    // Try again at retry_at_ns (an I/O error, a worker that died); failed
    // instead once attempts reach max_attempts.
    kRetry,
    // Give up now (a corrupt or unsupported file): not retried until the
    // file changes (a new version is a new job).
    kFailed,
  };
  JobLease lease;
  Kind kind = Kind::kCompleted;
  std::string error;        // kRetry, kFailed: why
  int64_t retry_at_ns = 0;  // kRetry
};

// Which jobs a listing, retry or cancel means; unset fields match all.
struct JobFilter {
  std::optional<std::string> kind;
  std::optional<JobState> state;
  std::optional<std::vector<JobId>> ids;
  std::optional<JobId> after;    // cursor: ids greater than this
  std::optional<int64_t> limit;  // REQUIRES: >= 0
};

struct JobCount {
  std::string kind;
  JobState state = JobState::kAvailable;
  int64_t count = 0;
};

struct AgeRequest {
  int64_t waiting_since_ns = 0;  // jobs created before this move up
  int step = 10;                 // by this much
  int floor = JobPriority::kWatch + 1;  // but never above this
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Queues `specs` in one transaction; keys already present are skipped.
  virtual Result<EnqueueResult> EnqueueJobs(const std::vector<JobSpec>& specs,
                                            int64_t now_ns) = 0;

  // Claims up to max_jobs jobs of `req.kind` that are available or
  // retryable and due (run_at <= now), in (priority, run_at, id) order,
  // unless the kind is paused: each becomes running under a new lease
  // token, its attempts counted. One statement.
  virtual Result<std::vector<Job>> ClaimJobs(const ClaimRequest& req) = 0;

  // Extends the leases still held (running, same token) to `expires_ns`;
  // returns how many were.
  virtual Result<int64_t> RenewLeases(const std::vector<JobLease>& leases,
                                      int64_t expires_ns) = 0;

  // Records outcomes in one transaction; one whose lease is no longer held
  // is ignored. Returns how many counted.
  virtual Result<int64_t> FinishJobs(const std::vector<JobOutcome>& outcomes,
                                     int64_t now_ns) = 0;

  // Gives back jobs claimed but not started (a pool stopping): those still
  // held become available again at once, this claim's attempt uncounted.
  // Returns how many.
  virtual Result<int64_t> ReleaseJobs(const std::vector<JobLease>& leases,
                                      int64_t now_ns) = 0;

  // Takes back running jobs whose lease expired before `now_ns` (their
  // worker died or hung): retryable at `retry_at_ns` with last_error
  // saying so, or failed when their attempts are spent. Returns how many.
  virtual Result<int64_t> ReclaimExpiredLeases(int64_t now_ns,
                                               int64_t retry_at_ns) = 0;

  // Moves waiting jobs (available, retryable) created before
  // `req.waiting_since_ns` up by `req.step`, not above `req.floor`.
  // Returns how many moved.
  virtual Result<int64_t> AgeJobs(const AgeRequest& req) = 0;

  // Counts per kind and state, of every kind present. Reads the whole
  // table (completed jobs included): for one-shot commands (`phodex
  // jobs`), not for a loop.
  virtual Result<std::vector<JobCount>> CountJobs() = 0;
  // Counts per kind of the jobs waiting or running (available, retryable,
  // running), as CountJobs orders them, without reading the finished ones:
  // over the partial indexes of waiting and of running jobs, so its cost
  // grows with the queue's depth, not with the history a long-running
  // service piles up (what `phodex status` shows of the service, read
  // every second).
  virtual Result<std::vector<JobCount>> CountActiveJobs() = 0;
  // Jobs matching `filter`, by id.
  virtual Result<std::vector<Job>> ListJobs(const JobFilter& filter) = 0;
  // Failed or cancelled jobs matching `filter` become available again with
  // their attempts reset. Returns how many.
  virtual Result<int64_t> RetryJobs(const JobFilter& filter,
                                    int64_t now_ns) = 0;
  // Waiting jobs (available, retryable) matching `filter` are cancelled;
  // running ones finish. Returns how many.
  virtual Result<int64_t> CancelJobs(const JobFilter& filter,
                                     int64_t now_ns) = 0;

  // Pausing a kind stops its claims (what runs finishes); persistent, so
  // every process and a restart see it.
  enum class Pause { kPaused, kResumed };
  virtual Status SetKindPaused(std::string_view kind, Pause pause) = 0;
  virtual Result<std::vector<std::string>> PausedKinds() = 0;

  // Deletes completed and cancelled jobs that ended before `before_ns`.
  // Returns how many.
  virtual Result<int64_t> PruneJobs(int64_t before_ns) = 0;
  // Moves the waiting (available or retryable) jobs of `kind` for `file`
  // up to `priority` (never down): a person now waits for them (a
  // thumbnail the gallery shows). Returns how many moved.
  virtual Result<int64_t> PrioritizeFileJob(std::string_view kind, FileId file,
                                            int priority) = 0;
};

}  // namespace phodex::catalog
