#pragma once
// The job queue's protocol on the worker side (docs/serve.md, "The job
// queue"): one JobSupervisor runs a worker pool per kind of job against a
// catalog::JobQueue (catalog/job_queue.h) and keeps every rule of the
// queue that is not the catalog's:
//
//   - claims in batches (one ClaimJobs statement per batch), only when a
//     pool has room: at most max_parallel handlers of a kind run at once
//     (decoders are memory-hungry, metadata is cheap), and at most
//     claim_batch more wait, claimed, for a free thread;
//   - renews the leases of everything it holds (waiting, running, finished
//     but not yet recorded) from the supervising thread, never from a
//     handler's, every third of the pool's lease;
//   - buffers outcomes and records them with one FinishJobs per flush:
//     when the oldest has waited flush_interval (~200 ms) or flush_outcomes
//     are buffered, never a commit per job;
//   - classifies each attempt (jobs/retry_backoff.h): content faults fail
//     at once with their reason, passing failures retry with backoff and
//     jitter, a handler stopped by Stop gives its job back;
//   - takes back expired leases (ReclaimExpiredLeases: a dead or hung
//     worker, here or in another process) and ages old waiting jobs
//     (AgeJobs), so background work never starves;
//   - Stop: stops claiming, cancels the handlers, gives back the jobs
//     claimed but not started (ReleaseJobs), waits up to stop_grace for
//     the running ones and records what finished.
//
// Two ways to drive it (STYLE rule 13): RunOnce does one turn at the
// clock's time (tests step it on testing::FakeClock with an executor that
// runs tasks when the test says); Run loops RunOnce on the calling thread
// until its token is cancelled, sleeping (in real time) until the next
// thing is due or a handler finishes.
//
// Threads: every catalog call happens on the supervising thread, the one
// that calls RunOnce, Run and Stop (Create and the destructor too). The
// JobQueue is borrowed and thread-compatible: give the supervisor a
// catalog connection of its own (app/ opens one), or call nothing else on
// it meanwhile. Handlers run on the pools' executors and never see the
// queue. Wake and stats are thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/job_queue.h"
#include "core/error.h"
#include "jobs/cancel_token.h"
#include "jobs/executor.h"
#include "jobs/retry_backoff.h"
#include "os/clock.h"
#include "util/mutex.h"

namespace phodex::jobs {

// Does the work of one job.
class JobHandler {
 public:
  virtual ~JobHandler() = default;
  // Runs `job` (payload, file, attempts: the row as claimed). Called on an
  // executor thread, up to the pool's max_parallel at once, so it must be
  // thread-safe to that degree. It should return kCancelled soon after
  // `cancel` is set (the supervisor is stopping). Its Status decides the
  // outcome (jobs/retry_backoff.h); an exception it lets escape counts as
  // a passing failure (kInternal) and the job is retried.
  virtual Status Run(const catalog::Job& job, CancelToken cancel) = 0;
};

// Does nothing and succeeds: the queue's own overhead (bench/queue_bench).
class NoopHandler final : public JobHandler {
 public:
  Status Run(const catalog::Job&, CancelToken) override { return {}; }
};

// One pool: the jobs of one kind.
struct PoolOptions {
  std::string kind;
  JobHandler* handler = nullptr;  // borrowed; outlives the supervisor
  // Handlers of this kind running at once (the executor's threads).
  int max_parallel = 1;
  // Jobs claimed per ClaimJobs; up to this many wait, claimed, for a
  // thread. Larger: fewer statements; smaller: fewer jobs a dying process
  // holds until their leases expire.
  int claim_batch = 8;
  // How long a claim holds a job without renewal; renewed every third of
  // it. What a crash costs: the jobs wait this long to be taken back.
  std::chrono::nanoseconds lease = std::chrono::minutes(1);
};

struct SupervisorOptions {
  // Who claims, as `phodex jobs` shows it ("host:pid"); each pool claims
  // as "<owner>/<kind>".
  std::string owner;
  // Outcomes are recorded when the oldest buffered one is this old, or
  // when this many are buffered, whichever comes first.
  std::chrono::nanoseconds flush_interval = std::chrono::milliseconds(200);
  int flush_outcomes = 512;
  // How soon a pool whose last claim came back short claims again (a
  // Wake() makes it claim at once: a job queued by this process).
  std::chrono::nanoseconds idle_poll = std::chrono::milliseconds(500);
  // Taking back expired leases: at the first turn, then this often.
  std::chrono::nanoseconds reclaim_interval = std::chrono::seconds(10);
  // Aging: every age_interval, jobs waiting longer than age_after move up
  // by age_step, not above age_floor (catalog::AgeRequest).
  std::chrono::nanoseconds age_interval = std::chrono::minutes(1);
  std::chrono::nanoseconds age_after = std::chrono::minutes(10);
  int age_step = 10;
  int age_floor = catalog::JobPriority::kWatch + 1;
  BackoffOptions backoff;
  // How long Stop waits for running handlers to honour their cancel.
  std::chrono::nanoseconds stop_grace = std::chrono::seconds(1);
  // Makes each pool's executor; unset: a ThreadExecutor of max_parallel
  // threads. Tests pass executors they run by hand.
  std::function<std::unique_ptr<Executor>(const PoolOptions&)> executor;
  // Called on the supervising thread before each FinishJobs: the handlers'
  // buffered results (thumbnail facts, hashes) are written here, on the
  // supervisor's connection, in one batch, so a job is recorded done only
  // after its results are (a crash between the two redoes the job, which
  // then finds its work done). An error keeps the outcomes buffered for
  // the next flush. May be empty.
  std::function<Status()> before_flush;
  // Jitter's seed; 0: a random one (so processes do not retry in step).
  uint64_t seed = 0;
};

// Counts since Create, for logs, the bench and tests.
struct SupervisorStats {
  int64_t claims = 0;   // ClaimJobs calls that returned jobs
  int64_t claimed = 0;  // jobs they returned
  int64_t completed = 0;
  int64_t failed = 0;   // given up at once (content faults)
  int64_t retried = 0;  // recorded for a retry
  int64_t released = 0;
  int64_t flushes = 0;  // FinishJobs calls
  int64_t not_counted = 0;  // outcomes FinishJobs ignored (lease lost)
  int64_t renewals = 0;     // RenewLeases calls
  int64_t leases_lost = 0;  // leases a renewal found taken back
  int64_t reclaimed = 0;    // expired leases taken back
  int64_t aged = 0;         // jobs moved up by aging
};

class JobSupervisor {
 public:
  // `queue` and `clock` are borrowed and outlive the supervisor.
  // REQUIRES: pools of distinct, non-empty kinds, each with a handler,
  // max_parallel >= 1, claim_batch >= 1, lease > 0.
  static Result<std::unique_ptr<JobSupervisor>> Create(
      catalog::JobQueue& queue, os::Clock& clock, SupervisorOptions options,
      std::vector<PoolOptions> pools);
  // Stops first if Stop was not called (errors are dropped then: call Stop
  // to see them), then waits for the executors' threads: a handler that
  // never returns blocks it.
  ~JobSupervisor();
  JobSupervisor(const JobSupervisor&) = delete;
  JobSupervisor& operator=(const JobSupervisor&) = delete;

  // One turn at the clock's time: records finished handlers' outcomes,
  // flushes when due, takes back expired leases and ages jobs when due,
  // renews leases when due, claims for pools with room and hands the jobs
  // to their executors. A catalog error does not stop the turn: the rest
  // is done, the outcomes stay buffered for the next flush, and the first
  // error is returned. After Stop, does nothing.
  Status RunOnce();
  // RunOnce until `stop` is cancelled, then Stop. `on_error` (may be
  // empty) hears each turn's error; the loop goes on (a busy catalog is
  // passing). Returns Stop's status.
  Status Run(CancelToken stop,
             const std::function<void(const Error&)>& on_error = {});
  // Stops claiming, cancels running handlers, releases the jobs claimed
  // but not started, waits up to stop_grace for the running handlers,
  // records every outcome it has (one FinishJobs, one ReleaseJobs) and
  // returns. Jobs whose handlers are still running keep their leases,
  // which expire and are taken back (their attempt counted). Idempotent.
  Status Stop();

  // Makes the next turn claim for every pool at once, and wakes Run.
  // Thread-safe.
  void Wake();
  SupervisorStats stats() const;

 private:
  struct Task;
  struct Pool;
  struct Finished;
  JobSupervisor(catalog::JobQueue& queue, os::Clock& clock,
                SupervisorOptions options);

  void Collect();
  void Record(const Finished& finished);
  Status FlushIfDue(int64_t now_mono);
  Status Flush();
  Status Housekeep(int64_t now_mono);
  Status RenewIfDue(Pool& pool, int64_t now_mono);
  Status Claim(Pool& pool, int64_t now_mono, bool poked);
  void RunTask(Pool& pool, const std::shared_ptr<Task>& task);
  bool AnyRunning() const;
  int64_t NextDueMono(int64_t now_mono) const;
  void WaitForWork(int64_t now_mono);
  void Count(int64_t SupervisorStats::*field, int64_t n);

  catalog::JobQueue& queue_;
  os::Clock& clock_;
  SupervisorOptions options_;
  std::mt19937_64 rng_;
  bool stopped_ = false;

  // Supervising thread only.
  std::vector<std::unique_ptr<Pool>> pools_;
  // Every job held (claimed, not yet recorded or released), by id.
  std::unordered_map<int64_t, std::shared_ptr<Task>> held_;
  std::vector<catalog::JobOutcome> outcomes_;  // to record (FinishJobs)
  std::vector<catalog::JobLease> releases_;    // to give back (ReleaseJobs)
  int64_t oldest_outcome_mono_ = 0;
  int64_t next_reclaim_mono_ = 0;
  int64_t next_age_mono_ = 0;

  mutable util::Mutex mu_;
  util::CondVar cv_;
  bool wake_ GUARDED_BY(mu_) = false;  // Run: take a turn now
  bool poke_ GUARDED_BY(mu_) = false;  // Wake(): claim at once
  std::vector<Finished> finished_ GUARDED_BY(mu_);
  SupervisorStats stats_ GUARDED_BY(mu_);
};

}  // namespace phodex::jobs
