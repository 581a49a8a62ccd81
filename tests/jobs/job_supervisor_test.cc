// The job supervisor over a real SQLite catalog in a temporary folder.
// Most tests step it with RunOnce on a FakeClock and run the handlers by
// hand (ManualExecutor), so nothing races; the parallel-limit and Stop
// tests use real threads with bounded waits.

#include "jobs/job_supervisor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/temp_dir.h"
#include "util/mutex.h"

namespace phodex::jobs {
namespace {

using catalog::Job;
using catalog::JobState;
using namespace std::chrono_literals;

// Forwards to a real queue and counts the calls that matter here.
class CountingQueue final : public catalog::JobQueue {
 public:
  explicit CountingQueue(catalog::JobQueue& q) : q_(q) {}
  int finish_calls = 0;
  std::vector<size_t> finish_sizes;
  int claim_calls = 0;

  Result<catalog::EnqueueResult> EnqueueJobs(
      const std::vector<catalog::JobSpec>& s, int64_t now) override {
    return q_.EnqueueJobs(s, now);
  }
  Result<std::vector<Job>> ClaimJobs(const catalog::ClaimRequest& r) override {
    ++claim_calls;
    return q_.ClaimJobs(r);
  }
  Result<int64_t> RenewLeases(const std::vector<catalog::JobLease>& l,
                              int64_t e) override {
    return q_.RenewLeases(l, e);
  }
  Result<int64_t> FinishJobs(const std::vector<catalog::JobOutcome>& o,
                             int64_t now) override {
    ++finish_calls;
    finish_sizes.push_back(o.size());
    return q_.FinishJobs(o, now);
  }
  Result<int64_t> ReleaseJobs(const std::vector<catalog::JobLease>& l,
                              int64_t now) override {
    return q_.ReleaseJobs(l, now);
  }
  Result<int64_t> ReclaimExpiredLeases(int64_t now, int64_t at) override {
    return q_.ReclaimExpiredLeases(now, at);
  }
  Result<int64_t> AgeJobs(const catalog::AgeRequest& r) override {
    return q_.AgeJobs(r);
  }
  Result<std::vector<catalog::JobCount>> CountJobs() override {
    return q_.CountJobs();
  }
  Result<std::vector<catalog::JobCount>> CountActiveJobs() override {
    return q_.CountActiveJobs();
  }
  Result<std::vector<Job>> ListJobs(const catalog::JobFilter& f) override {
    return q_.ListJobs(f);
  }
  Result<int64_t> RetryJobs(const catalog::JobFilter& f, int64_t n) override {
    return q_.RetryJobs(f, n);
  }
  Result<int64_t> CancelJobs(const catalog::JobFilter& f,
                             int64_t n) override {
    return q_.CancelJobs(f, n);
  }
  Status SetKindPaused(std::string_view k, Pause p) override {
    return q_.SetKindPaused(k, p);
  }
  Result<std::vector<std::string>> PausedKinds() override {
    return q_.PausedKinds();
  }
  Result<int64_t> PruneJobs(int64_t before) override {
    return q_.PruneJobs(before);
  }
  Result<int64_t> PrioritizeFileJob(std::string_view k, FileId f,
                                    int p) override {
    return q_.PrioritizeFileJob(k, f, p);
  }

 private:
  catalog::JobQueue& q_;
};

// Keeps the tasks until the test runs them, on its own thread.
class ManualExecutor final : public Executor {
 public:
  void Submit(std::function<void()> task) override {
    tasks_.push_back(std::move(task));
  }
  size_t queued() const { return tasks_.size(); }
  // Runs the first `n` tasks (all by default), in order.
  void Run(size_t n = SIZE_MAX) {
    while (n-- > 0 && !tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.erase(tasks_.begin());
      task();
    }
  }
  std::function<void()> Take() {
    auto task = std::move(tasks_.front());
    tasks_.erase(tasks_.begin());
    return task;
  }

 private:
  std::vector<std::function<void()>> tasks_;
};

// A handler whose answer the test decides per job (by payload); records
// what it ran.
class ScriptedHandler final : public JobHandler {
 public:
  std::function<Status(const Job&, CancelToken)> answer = [](const Job&,
                                                             CancelToken) {
    return Status{};
  };
  Status Run(const Job& job, CancelToken cancel) override {
    {
      util::MutexLock lock(mu_);
      ran_.push_back(job.payload);
    }
    return answer(job, cancel);
  }
  std::vector<std::string> ran() {
    util::MutexLock lock(mu_);
    return ran_;
  }

 private:
  util::Mutex mu_;
  std::vector<std::string> ran_ GUARDED_BY(mu_);
};

class JobSupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = catalog::OpenSqliteCatalog(dir_ / "catalog.db", {});
    ASSERT_TRUE(c) << c.error().ToString();
    catalog_ = std::move(*c);
    counting_ = std::make_unique<CountingQueue>(*catalog_);
  }

  // Queues `n` jobs of `kind`, payloads "<kind>-<i>".
  void Enqueue(const std::string& kind, int n,
               int priority = catalog::JobPriority::kBackground) {
    std::vector<catalog::JobSpec> specs;
    for (int i = 0; i < n; ++i) {
      catalog::JobSpec s;
      s.kind = kind;
      s.priority = priority;
      s.payload = kind + "-" + std::to_string(i);
      specs.push_back(std::move(s));
    }
    ASSERT_TRUE(catalog_->EnqueueJobs(specs, clock_.NowUnixNs()));
  }

  SupervisorOptions Options() {
    SupervisorOptions o;
    o.owner = "test:1";
    o.backoff.jitter = 0;
    o.seed = 1;
    o.executor = [this](const PoolOptions& p) {
      auto e = std::make_unique<ManualExecutor>();
      executors_[p.kind] = e.get();
      return e;
    };
    return o;
  }
  PoolOptions Pool(const std::string& kind, int max_parallel, int batch) {
    PoolOptions p;
    p.kind = kind;
    p.handler = &handler_;
    p.max_parallel = max_parallel;
    p.claim_batch = batch;
    p.lease = 30s;
    return p;
  }
  std::unique_ptr<JobSupervisor> Start(SupervisorOptions o,
                                       std::vector<PoolOptions> pools) {
    auto s = JobSupervisor::Create(*counting_, clock_, std::move(o),
                                   std::move(pools));
    EXPECT_TRUE(s) << s.error().ToString();
    return s ? std::move(*s) : nullptr;
  }
  void Turn(JobSupervisor& s) {
    Status st = s.RunOnce();
    ASSERT_TRUE(st) << st.error().ToString();
  }
  // Runs the handlers of what `kind`'s pool holds, then a turn once their
  // outcomes are due for the flush.
  void RunAndRecord(JobSupervisor& s, const std::string& kind) {
    executors_[kind]->Run();
    clock_.Advance(200ms);
    Turn(s);
  }
  // One job of `kind` through a pool of one, its first attempt recorded.
  std::unique_ptr<JobSupervisor> FirstAttempt(const std::string& kind,
                                              SupervisorOptions o) {
    Enqueue(kind, 1);
    auto s = Start(std::move(o), {Pool(kind, 1, 1)});
    if (s) {
      Turn(*s);
      RunAndRecord(*s, kind);
    }
    return s;
  }

  std::vector<Job> Jobs(std::optional<JobState> state = std::nullopt) {
    catalog::JobFilter f;
    f.state = state;
    auto jobs = catalog_->ListJobs(f);
    EXPECT_TRUE(jobs) << jobs.error().ToString();
    return jobs ? *jobs : std::vector<Job>{};
  }
  size_t CountIn(JobState state) { return Jobs(state).size(); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<CountingQueue> counting_;
  ScriptedHandler handler_;
  std::map<std::string, ManualExecutor*> executors_;
};

TEST_F(JobSupervisorTest, CompletionsAreFlushedInBatches) {
  Enqueue("noop", 10);
  auto s = Start(Options(), {Pool("noop", 4, 4)});
  ASSERT_TRUE(s);
  Turn(*s);  // claims room for 4 running + 4 waiting, in one statement
  EXPECT_EQ(counting_->claim_calls, 1);
  ASSERT_EQ(executors_["noop"]->queued(), 8u);
  EXPECT_EQ(CountIn(JobState::kRunning), 8u);
  executors_["noop"]->Run();
  Turn(*s);  // outcomes buffered, not yet due; the last 2 jobs claimed
  EXPECT_EQ(counting_->finish_calls, 0);
  EXPECT_EQ(CountIn(JobState::kCompleted), 0u);
  RunAndRecord(*s, "noop");
  EXPECT_EQ(counting_->finish_calls, 1);  // all 10 in one FinishJobs
  EXPECT_EQ(counting_->finish_sizes, std::vector<size_t>{10});
  EXPECT_EQ(CountIn(JobState::kCompleted), 10u);
  EXPECT_EQ(s->stats().completed, 10);
  EXPECT_EQ(s->stats().flushes, 1);
}

TEST_F(JobSupervisorTest, AFullBufferFlushesWithoutWaiting) {
  Enqueue("noop", 6);
  SupervisorOptions o = Options();
  o.flush_outcomes = 3;
  auto s = Start(std::move(o), {Pool("noop", 6, 1)});
  ASSERT_TRUE(s);
  Turn(*s);
  executors_["noop"]->Run();
  Turn(*s);
  EXPECT_EQ(counting_->finish_calls, 1);
  EXPECT_EQ(CountIn(JobState::kCompleted), 6u);
}

TEST_F(JobSupervisorTest, LeaseRenewalKeepsALongJob) {
  Enqueue("decode", 1);
  auto s = Start(Options(), {Pool("decode", 1, 1)});
  ASSERT_TRUE(s);
  Turn(*s);
  ASSERT_EQ(executors_["decode"]->queued(), 1u);
  // Two minutes, four leases: renewed every 10 s, never taken back (the
  // reclaim runs every 10 s too).
  for (int i = 0; i < 24; ++i) {
    clock_.Advance(5s);
    Turn(*s);
  }
  std::vector<Job> running = Jobs(JobState::kRunning);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].lease_owner, "test:1/decode");
  EXPECT_GT(running[0].lease_expires_ns, clock_.NowUnixNs());
  EXPECT_EQ(s->stats().reclaimed, 0);
  EXPECT_EQ(s->stats().leases_lost, 0);
  RunAndRecord(*s, "decode");
  std::vector<Job> done = Jobs(JobState::kCompleted);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].attempts, 1);
}

TEST_F(JobSupervisorTest, AContentFaultFailsAtOnceWithItsReason) {
  handler_.answer = [](const Job&, CancelToken) -> Status {
    return MakeError(ErrorCode::kContentFault, "not a JPEG after all",
                     "read metadata", "/a/b.jpg");
  };
  auto s = FirstAttempt("metadata", Options());
  ASSERT_TRUE(s);
  std::vector<Job> failed = Jobs(JobState::kFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].attempts, 1);
  EXPECT_NE(failed[0].last_error.find("not a JPEG after all"),
            std::string::npos)
      << failed[0].last_error;
  EXPECT_EQ(s->stats().failed, 1);
}

TEST_F(JobSupervisorTest, AnIoErrorRetriesAfterTheBackoffThenSucceeds) {
  int calls = 0;
  handler_.answer = [&calls](const Job&, CancelToken) -> Status {
    if (++calls == 1) return MakeError(ErrorCode::kIo, "read error");
    return {};
  };
  SupervisorOptions o = Options();
  o.backoff.initial = 5s;
  auto s = FirstAttempt("metadata", std::move(o));
  ASSERT_TRUE(s);
  std::vector<Job> waiting = Jobs(JobState::kRetryable);
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_NE(waiting[0].last_error.find("read error"), std::string::npos);
  EXPECT_EQ(waiting[0].run_at_ns, clock_.NowUnixNs() - 200'000'000 + 5e9);
  // Not before its time.
  clock_.Advance(2s);
  Turn(*s);
  EXPECT_EQ(executors_["metadata"]->queued(), 0u);
  clock_.Advance(3s);
  Turn(*s);
  ASSERT_EQ(executors_["metadata"]->queued(), 1u);
  RunAndRecord(*s, "metadata");
  std::vector<Job> done = Jobs(JobState::kCompleted);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].attempts, 2);
  EXPECT_EQ(calls, 2);
}

TEST_F(JobSupervisorTest, AHandlerThatThrowsIsRetried) {
  handler_.answer = [](const Job&, CancelToken) -> Status {
    throw std::runtime_error("boom");
  };
  auto s = FirstAttempt("pixels", Options());
  ASSERT_TRUE(s);
  std::vector<Job> waiting = Jobs(JobState::kRetryable);
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_NE(waiting[0].last_error.find("boom"), std::string::npos);
}

TEST_F(JobSupervisorTest, PrioritiesAreRespectedAcrossClaims) {
  using P = catalog::JobPriority;
  Enqueue("noop", 2, P::kBackground);
  std::vector<catalog::JobSpec> specs;
  for (int prio : {P::kAnalysis, P::kReconcile, P::kWatch}) {
    catalog::JobSpec spec;
    spec.kind = "noop";
    spec.priority = prio;
    spec.payload = "p" + std::to_string(prio);
    specs.push_back(spec);
  }
  ASSERT_TRUE(catalog_->EnqueueJobs(specs, clock_.NowUnixNs()));
  auto s = Start(Options(), {Pool("noop", 1, 1)});
  ASSERT_TRUE(s);
  // One claim of 2, run; then a person waits for something.
  Turn(*s);
  executors_["noop"]->Run();
  catalog::JobSpec urgent;
  urgent.kind = "noop";
  urgent.priority = P::kInteractive;
  urgent.payload = "urgent";
  ASSERT_TRUE(catalog_->EnqueueJobs({urgent}, clock_.NowUnixNs()));
  for (int i = 0; i < 6; ++i) {
    Turn(*s);
    executors_["noop"]->Run();
  }
  EXPECT_EQ(handler_.ran(),
            (std::vector<std::string>{"p100", "p200", "urgent", "noop-0",
                                      "noop-1", "p400"}));
}

TEST_F(JobSupervisorTest, StopReleasesJobsClaimedButNotStarted) {
  Enqueue("noop", 10);
  auto s = Start(Options(), {Pool("noop", 2, 4)});
  ASSERT_TRUE(s);
  Turn(*s);
  ASSERT_EQ(executors_["noop"]->queued(), 6u);
  executors_["noop"]->Run(1);  // one finished, not yet recorded
  ASSERT_TRUE(s->Stop());
  EXPECT_EQ(CountIn(JobState::kCompleted), 1u);
  std::vector<Job> available = Jobs(JobState::kAvailable);
  ASSERT_EQ(available.size(), 9u);
  for (const Job& j : available) EXPECT_EQ(j.attempts, 0) << j.payload;
  EXPECT_EQ(s->stats().released, 5);
  // A task the executor gets to after Stop does nothing.
  executors_["noop"]->Run();
  EXPECT_EQ(handler_.ran().size(), 1u);
  EXPECT_TRUE(s->RunOnce());  // stopped: claims nothing
  EXPECT_EQ(CountIn(JobState::kRunning), 0u);
}

TEST_F(JobSupervisorTest, StopCancelsARunningHandlerAndGivesItsJobBack) {
  Enqueue("decode", 1);
  std::atomic<bool> started{false};
  handler_.answer = [&started](const Job&, CancelToken cancel) -> Status {
    started = true;
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (!cancel.cancelled() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(1ms);
    }
    return MakeError(ErrorCode::kCancelled, "stopped");
  };
  auto s = Start(Options(), {Pool("decode", 1, 1)});
  ASSERT_TRUE(s);
  Turn(*s);
  ASSERT_EQ(executors_["decode"]->queued(), 1u);
  auto task = executors_["decode"]->Take();
  std::thread worker(task);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!started && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(started);
  Status st = s->Stop();
  worker.join();
  ASSERT_TRUE(st) << st.error().ToString();
  std::vector<Job> available = Jobs(JobState::kAvailable);
  ASSERT_EQ(available.size(), 1u);
  EXPECT_EQ(available[0].attempts, 0);
}

TEST_F(JobSupervisorTest, ExpiredLeasesOfADeadOwnerAreTakenBack) {
  Enqueue("metadata", 3);
  catalog::ClaimRequest req;
  req.kind = "metadata";
  req.max_jobs = 3;
  req.owner = "dead:99/metadata";
  req.now_ns = clock_.NowUnixNs();
  req.lease_ns = (30s).count();
  ASSERT_EQ(catalog_->ClaimJobs(req)->size(), 3u);
  clock_.Advance(31s);
  SupervisorOptions o = Options();
  o.backoff.initial = 1s;
  auto s = Start(std::move(o), {Pool("metadata", 4, 4)});
  ASSERT_TRUE(s);
  Turn(*s);  // taken back at once, retryable in 1 s
  EXPECT_EQ(s->stats().reclaimed, 3);
  EXPECT_EQ(CountIn(JobState::kRetryable), 3u);
  clock_.Advance(1s);
  Turn(*s);
  ASSERT_EQ(executors_["metadata"]->queued(), 3u);
  RunAndRecord(*s, "metadata");
  std::vector<Job> done = Jobs(JobState::kCompleted);
  ASSERT_EQ(done.size(), 3u);
  for (const Job& j : done) EXPECT_EQ(j.attempts, 2);
}

TEST_F(JobSupervisorTest, OldWaitingJobsAgeUpward) {
  Enqueue("full_hash", 1, catalog::JobPriority::kBackground);
  SupervisorOptions o = Options();
  o.age_interval = 1min;
  o.age_after = 5min;
  o.age_step = 50;
  auto s = Start(std::move(o), {Pool("metadata", 1, 1)});
  ASSERT_TRUE(s);
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(1min);
    Turn(*s);
  }
  std::vector<Job> jobs = Jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].priority, catalog::JobPriority::kWatch + 1);  // the floor
  EXPECT_GT(s->stats().aged, 0);
}

TEST_F(JobSupervisorTest, EachKindKeepsItsOwnParallelLimit) {
  Enqueue("decode", 12);
  Enqueue("metadata", 24);
  std::map<std::string, int> limit = {{"decode", 1}, {"metadata", 3}};
  util::Mutex mu;
  std::map<std::string, int> active, peak;
  handler_.answer = [&](const Job& job, CancelToken) -> Status {
    {
      util::MutexLock lock(mu);
      peak[job.kind] = std::max(peak[job.kind], ++active[job.kind]);
    }
    std::this_thread::sleep_for(1ms);  // the work
    util::MutexLock lock(mu);
    --active[job.kind];
    return Status{};
  };
  SupervisorOptions o;
  o.owner = "test:1";
  o.flush_interval = 20ms;
  o.idle_poll = 5ms;
  auto s = JobSupervisor::Create(*catalog_, os::SystemClock(), o,
                                 {Pool("decode", 1, 2), Pool("metadata", 3, 2)});
  ASSERT_TRUE(s);
  // Run's thread is the only one that uses the catalog until it stops.
  CancelSource stop;
  std::atomic<int64_t> completed{0};
  std::thread runner([&] {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while ((*s)->stats().completed < 36 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(2ms);
    }
    completed = (*s)->stats().completed;
    stop.Cancel();
  });
  Status st = (*s)->Run(stop.token());
  runner.join();
  ASSERT_TRUE(st) << st.error().ToString();
  EXPECT_EQ(completed, 36);
  EXPECT_EQ(CountIn(JobState::kCompleted), 36u);
  EXPECT_LE(peak["decode"], 1);
  EXPECT_LE(peak["metadata"], 3);
}

TEST_F(JobSupervisorTest, BadPoolsAreRefused) {
  EXPECT_FALSE(JobSupervisor::Create(*catalog_, clock_, Options(),
                                     {Pool("a", 0, 1)}));
  EXPECT_FALSE(JobSupervisor::Create(*catalog_, clock_, Options(),
                                     {Pool("a", 1, 1), Pool("a", 1, 1)}));
  PoolOptions no_handler = Pool("a", 1, 1);
  no_handler.handler = nullptr;
  EXPECT_FALSE(
      JobSupervisor::Create(*catalog_, clock_, Options(), {no_handler}));
}

}  // namespace
}  // namespace phodex::jobs
