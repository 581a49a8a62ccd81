#include "jobs/job_supervisor.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <set>
#include <utility>

namespace phodex::jobs {

namespace {
// Run wakes at least this often to look at its stop token (a CancelToken
// cannot notify).
constexpr std::chrono::milliseconds kMaxWait{50};
}  // namespace

// One claimed job. `state` moves kQueued -> kRunning on the executor's
// thread, or kQueued -> kSkipped on the supervising thread (Stop): a
// compare-and-swap, so a job is either run or given back, never both.
struct JobSupervisor::Task {
  enum class State { kQueued, kRunning, kDone, kSkipped };
  catalog::Job job;
  size_t pool = 0;
  CancelSource cancel;
  std::atomic<State> state{State::kQueued};

  catalog::JobLease lease() const { return {job.id, job.lease_token}; }
};

struct JobSupervisor::Pool {
  PoolOptions options;
  size_t index = 0;
  std::string owner;  // "<owner>/<kind>"
  std::unique_ptr<Executor> executor;
  // Submitted to the executor, handler not finished (the executor's
  // threads decrement it).
  std::atomic<int> unfinished{0};
  // Supervising thread only.
  int64_t next_claim_mono = 0;
  int64_t next_renew_mono = 0;
};

struct JobSupervisor::Finished {
  std::shared_ptr<Task> task;
  Status result;
  StopRequested stop = StopRequested::kNo;
  // When the handler returned: the outcome's age for the flush and the
  // start of a retry's backoff.
  int64_t at_mono = 0;
  int64_t at_unix_ns = 0;
};

Result<std::unique_ptr<JobSupervisor>> JobSupervisor::Create(
    catalog::JobQueue& queue, os::Clock& clock, SupervisorOptions options,
    std::vector<PoolOptions> pools) {
  std::set<std::string> kinds;
  for (const PoolOptions& p : pools) {
    if (p.kind.empty() || p.handler == nullptr || p.max_parallel < 1 ||
        p.claim_batch < 1 || p.lease.count() <= 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "pool '" + p.kind +
                           "': needs a kind, a handler, max_parallel and "
                           "claim_batch of at least 1 and a lease",
                       "start job supervisor");
    }
    if (!kinds.insert(p.kind).second) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "two pools for kind '" + p.kind + "'",
                       "start job supervisor");
    }
  }
  std::unique_ptr<JobSupervisor> s(
      new JobSupervisor(queue, clock, std::move(options)));
  const int64_t now = clock.MonotonicNs();
  for (PoolOptions& p : pools) {
    auto pool = std::make_unique<Pool>();
    pool->index = s->pools_.size();
    pool->owner = s->options_.owner + "/" + p.kind;
    pool->executor = s->options_.executor
                         ? s->options_.executor(p)
                         : std::make_unique<ThreadExecutor>(p.max_parallel);
    pool->next_claim_mono = now;
    pool->next_renew_mono = now + p.lease.count() / 3;
    pool->options = std::move(p);
    s->pools_.push_back(std::move(pool));
  }
  s->next_reclaim_mono_ = now;  // a dead owner's jobs come back at once
  s->next_age_mono_ = now + s->options_.age_interval.count();
  return s;
}

JobSupervisor::JobSupervisor(catalog::JobQueue& queue, os::Clock& clock,
                             SupervisorOptions options)
    : queue_(queue), clock_(clock), options_(std::move(options)) {
  rng_.seed(options_.seed != 0 ? options_.seed : std::random_device{}());
}

JobSupervisor::~JobSupervisor() {
  // Errors are dropped: the caller that cares called Stop and saw them.
  if (!stopped_) (void)Stop();
  // Joins the threads before the state their tasks touch goes.
  for (auto& pool : pools_) pool->executor.reset();
}

void JobSupervisor::Wake() {
  {
    util::MutexLock lock(mu_);
    wake_ = true;
    poke_ = true;
  }
  cv_.NotifyAll();
}

SupervisorStats JobSupervisor::stats() const {
  util::MutexLock lock(mu_);
  return stats_;
}

void JobSupervisor::Count(int64_t SupervisorStats::*field, int64_t n) {
  util::MutexLock lock(mu_);
  stats_.*field += n;
}

Status JobSupervisor::RunOnce() {
  if (stopped_) return {};
  const int64_t now = clock_.MonotonicNs();
  bool poked = false;
  {
    util::MutexLock lock(mu_);
    poked = poke_;
    poke_ = false;
    wake_ = false;
  }
  Collect();
  Status first;
  auto keep = [&first](Status s) {
    if (!s && first) first = std::move(s);
  };
  keep(FlushIfDue(now));
  keep(Housekeep(now));
  for (auto& pool : pools_) {
    keep(RenewIfDue(*pool, now));
    keep(Claim(*pool, now, poked));
  }
  return first;
}

Status JobSupervisor::Run(CancelToken stop,
                          const std::function<void(const Error&)>& on_error) {
  while (!stop.cancelled()) {
    Status s = RunOnce();
    if (!s && on_error) on_error(s.error());
    WaitForWork(clock_.MonotonicNs());
  }
  return Stop();
}

Status JobSupervisor::Stop() {
  if (stopped_) return {};
  // From here no queued task starts: each is either running (its CAS won)
  // or skipped and given back.
  for (auto& [id, task] : held_) {
    auto queued = Task::State::kQueued;
    if (task->state.compare_exchange_strong(queued, Task::State::kSkipped)) {
      releases_.push_back(task->lease());
      --pools_[task->pool]->unfinished;
      Count(&SupervisorStats::released, 1);
    } else if (task->state.load() == Task::State::kRunning) {
      task->cancel.Cancel();
    }
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::nanoseconds>(
                            options_.stop_grace);
  {
    util::MutexLock lock(mu_);
    while (AnyRunning() && cv_.WaitUntil(mu_, deadline)) {
    }
  }
  Collect();
  stopped_ = true;
  return Flush();
}

bool JobSupervisor::AnyRunning() const {
  return std::any_of(held_.begin(), held_.end(), [](const auto& entry) {
    return entry.second->state.load() == Task::State::kRunning;
  });
}

void JobSupervisor::Collect() {
  std::vector<Finished> finished;
  {
    util::MutexLock lock(mu_);
    finished.swap(finished_);
  }
  for (const Finished& f : finished) Record(f);
}

void JobSupervisor::Record(const Finished& f) {
  const Task& task = *f.task;
  const Status& result = f.result;
  const AttemptEnd end = ClassifyAttempt(result, f.stop);
  if (end == AttemptEnd::kRelease) {
    releases_.push_back(task.lease());
    Count(&SupervisorStats::released, 1);
    return;
  }
  catalog::JobOutcome outcome;
  outcome.lease = task.lease();
  switch (end) {
    case AttemptEnd::kCompleted:
      outcome.kind = catalog::JobOutcome::Kind::kCompleted;
      Count(&SupervisorStats::completed, 1);
      break;
    case AttemptEnd::kFailed:
      outcome.kind = catalog::JobOutcome::Kind::kFailed;
      outcome.error = result.error().ToString();
      Count(&SupervisorStats::failed, 1);
      break;
    default: {
      outcome.kind = catalog::JobOutcome::Kind::kRetry;
      outcome.error = result.error().ToString();
      const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
      outcome.retry_at_ns =
          f.at_unix_ns +
          BackoffDelay(options_.backoff, std::max(task.job.attempts, 1), u)
              .count();
      Count(&SupervisorStats::retried, 1);
      break;
    }
  }
  oldest_outcome_mono_ = outcomes_.empty()
                            ? f.at_mono
                            : std::min(oldest_outcome_mono_, f.at_mono);
  outcomes_.push_back(std::move(outcome));
}

Status JobSupervisor::FlushIfDue(int64_t now_mono) {
  const bool due =
      !releases_.empty() ||
      std::ssize(outcomes_) >= options_.flush_outcomes ||
      (!outcomes_.empty() &&
       now_mono - oldest_outcome_mono_ >= options_.flush_interval.count());
  return due ? Flush() : Status{};
}

Status JobSupervisor::Flush() {
  const int64_t now = clock_.NowUnixNs();
  Status first;
  if (!outcomes_.empty() && options_.before_flush) {
    // The handlers' results first: a job counts as done only once what it
    // did is in the catalog.
    if (Status written = options_.before_flush(); !written) return written;
  }
  if (!outcomes_.empty()) {
    auto counted = queue_.FinishJobs(outcomes_, now);
    if (counted) {
      Count(&SupervisorStats::flushes, 1);
      Count(&SupervisorStats::not_counted,
            std::ssize(outcomes_) - *counted);
      for (const catalog::JobOutcome& o : outcomes_) held_.erase(o.lease.id.value);
      outcomes_.clear();
    } else {
      first = std::unexpected(counted.error());  // kept for the next flush
    }
  }
  if (!releases_.empty()) {
    auto released = queue_.ReleaseJobs(releases_, now);
    if (released) {
      for (const catalog::JobLease& l : releases_) held_.erase(l.id.value);
      releases_.clear();
    } else if (first) {
      first = std::unexpected(released.error());
    }
  }
  return first;
}

Status JobSupervisor::Housekeep(int64_t now_mono) {
  const int64_t now = clock_.NowUnixNs();
  Status first;
  if (now_mono >= next_reclaim_mono_) {
    next_reclaim_mono_ = now_mono + options_.reclaim_interval.count();
    auto n = queue_.ReclaimExpiredLeases(
        now, now + options_.backoff.initial.count());
    if (n) {
      Count(&SupervisorStats::reclaimed, *n);
    } else {
      first = std::unexpected(n.error());
    }
  }
  if (now_mono >= next_age_mono_) {
    next_age_mono_ = now_mono + options_.age_interval.count();
    catalog::AgeRequest req;
    req.waiting_since_ns = now - options_.age_after.count();
    req.step = options_.age_step;
    req.floor = options_.age_floor;
    auto n = queue_.AgeJobs(req);
    if (n) {
      Count(&SupervisorStats::aged, *n);
    } else if (first) {
      first = std::unexpected(n.error());
    }
  }
  return first;
}

Status JobSupervisor::RenewIfDue(Pool& pool, int64_t now_mono) {
  if (now_mono < pool.next_renew_mono) return {};
  const int64_t lease_ns = pool.options.lease.count();
  pool.next_renew_mono = now_mono + lease_ns / 3;
  std::vector<catalog::JobLease> leases;
  for (const auto& [id, task] : held_) {
    if (task->pool == pool.index) leases.push_back(task->lease());
  }
  if (leases.empty()) return {};
  PHODEX_ASSIGN_OR_RETURN(
      const int64_t renewed,
      queue_.RenewLeases(leases, clock_.NowUnixNs() + lease_ns));
  Count(&SupervisorStats::renewals, 1);
  // A lease lost was taken back (this process stalled past it): what its
  // handler reports will not count, and someone else may run the job.
  Count(&SupervisorStats::leases_lost, std::ssize(leases) - renewed);
  return {};
}

Status JobSupervisor::Claim(Pool& pool, int64_t now_mono, bool poked) {
  if (!poked && now_mono < pool.next_claim_mono) return {};
  const int unfinished = pool.unfinished.load();
  // Claim when the threads may soon run out of work, enough to fill them
  // and a batch more.
  if (unfinished > pool.options.max_parallel) return {};
  const int want =
      pool.options.max_parallel + pool.options.claim_batch - unfinished;
  catalog::ClaimRequest req;
  req.kind = pool.options.kind;
  req.max_jobs = want;
  req.owner = pool.owner;
  req.now_ns = clock_.NowUnixNs();
  req.lease_ns = pool.options.lease.count();
  pool.next_claim_mono = now_mono + options_.idle_poll.count();
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Job> jobs,
                          queue_.ClaimJobs(req));
  // A full batch: there may be more, claim again as soon as there is room.
  if (std::ssize(jobs) >= want) pool.next_claim_mono = now_mono;
  if (jobs.empty()) return {};
  Count(&SupervisorStats::claims, 1);
  Count(&SupervisorStats::claimed, std::ssize(jobs));
  for (catalog::Job& job : jobs) {
    auto task = std::make_shared<Task>();
    task->pool = pool.index;
    task->job = std::move(job);
    held_[task->job.id.value] = task;
    ++pool.unfinished;
    pool.executor->Submit([this, &pool, task] { RunTask(pool, task); });
  }
  return {};
}

void JobSupervisor::RunTask(Pool& pool, const std::shared_ptr<Task>& task) {
  auto queued = Task::State::kQueued;
  if (!task->state.compare_exchange_strong(queued, Task::State::kRunning)) {
    return;  // skipped by Stop, which gave it back
  }
  Status result;
  try {
    result = pool.options.handler->Run(task->job, task->cancel.token());
  } catch (const std::exception& e) {
    result = MakeError(ErrorCode::kInternal,
                       std::string("handler threw: ") + e.what(),
                       pool.options.kind);
  } catch (...) {
    result = MakeError(ErrorCode::kInternal, "handler threw",
                       pool.options.kind);
  }
  const StopRequested stop =
      task->cancel.cancelled() ? StopRequested::kYes : StopRequested::kNo;
  const int64_t at_mono = clock_.MonotonicNs();
  const int64_t at_unix_ns = clock_.NowUnixNs();
  bool notify = false;
  {
    util::MutexLock lock(mu_);
    finished_.push_back({task, std::move(result), stop, at_mono, at_unix_ns});
    task->state.store(Task::State::kDone);
    // Wake Run when the pool has room to claim again, a flush is full, or
    // Stop waits for this handler.
    const int left = --pool.unfinished;
    notify = left <= pool.options.max_parallel ||
             std::ssize(finished_) >= options_.flush_outcomes ||
             stop == StopRequested::kYes;
    if (notify) wake_ = true;
  }
  if (notify) cv_.NotifyAll();
}

int64_t JobSupervisor::NextDueMono(int64_t now_mono) const {
  int64_t next = std::min(next_reclaim_mono_, next_age_mono_);
  if (!outcomes_.empty()) {
    next = std::min(next,
                    oldest_outcome_mono_ + options_.flush_interval.count());
  }
  if (!releases_.empty()) next = now_mono;
  for (const auto& pool : pools_) {
    if (!held_.empty()) next = std::min(next, pool->next_renew_mono);
    if (pool->unfinished.load() <= pool->options.max_parallel) {
      next = std::min(next, pool->next_claim_mono);
    }
  }
  return next;
}

void JobSupervisor::WaitForWork(int64_t now_mono) {
  const auto wait = std::clamp(
      std::chrono::nanoseconds(NextDueMono(now_mono) - now_mono),
      std::chrono::nanoseconds(0),
      std::chrono::nanoseconds(kMaxWait));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  util::MutexLock lock(mu_);
  while (!wake_ && cv_.WaitUntil(mu_, deadline)) {
  }
}

}  // namespace phodex::jobs
