// The job queue's contract (catalog/job_queue.h): what every backend
// promises. One typed suite, run once per backend: a new backend
// (PostgreSQL) adds its type to `ContractBackends` and must pass every test
// unchanged. Time is whatever the test passes as now_ns: no clock, no
// sleeps. Concurrency (threads, processes) is job_queue_concurrency_test.cc;
// SQLite's own side (the claim's plan, the v9 migration) is
// job_queue_sqlite_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <tuple>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "tests/catalog/contract_backends.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kLease = 1'000;

JobSpec Spec(std::string kind, std::optional<int64_t> file, int priority = 0,
             int64_t run_at = 0) {
  JobSpec s;
  s.kind = std::move(kind);
  if (file) s.file = FileId{*file};
  s.priority = priority;
  s.run_at_ns = run_at;
  return s;
}

std::vector<int64_t> Ids(const std::vector<Job>& jobs) {
  std::vector<int64_t> out;
  for (const Job& j : jobs) out.push_back(j.id.value);
  return out;
}

JobLease LeaseOf(const Job& j) { return {j.id, j.lease_token}; }

JobOutcome Outcome(const Job& j, JobOutcome::Kind kind,
                   std::string error = {}, int64_t retry_at = 0) {
  JobOutcome o;
  o.lease = LeaseOf(j);
  o.kind = kind;
  o.error = std::move(error);
  o.retry_at_ns = retry_at;
  return o;
}

template <typename Backend>
class JobQueueContractTest : public ::testing::Test {
 protected:
  void SetUp() override { Fresh(); }
  // A new, empty catalog in a new folder.
  void Fresh() {
    q_.reset();
    dir_ = std::make_unique<testing::TempDir>();
    auto c = Backend::Open(*dir_, "queue");
    ASSERT_TRUE(c) << c.error().ToString();
    q_ = std::move(*c);
  }

  EnqueueResult Enqueue(const std::vector<JobSpec>& specs, int64_t now = 1) {
    auto r = q_->EnqueueJobs(specs, now);
    EXPECT_TRUE(r) << r.error().ToString();
    return r.value_or(EnqueueResult{});
  }
  // The ids of `n` new jobs of `kind` (files 1..n, priority 0).
  std::vector<int64_t> EnqueueN(const std::string& kind, int n) {
    std::vector<JobSpec> specs;
    for (int i = 0; i < n; ++i) specs.push_back(Spec(kind, i + 1));
    Enqueue(specs);
    return Ids(List({.kind = kind}));
  }
  std::vector<Job> Claim(const std::string& kind, int n, int64_t now = 10,
                         const std::string& owner = "test") {
    auto r = q_->ClaimJobs({.kind = kind,
                            .max_jobs = n,
                            .owner = owner,
                            .now_ns = now,
                            .lease_ns = kLease});
    EXPECT_TRUE(r) << r.error().ToString();
    return r.value_or(std::vector<Job>{});
  }
  Job ClaimOne(const std::string& kind, int64_t now = 10) {
    std::vector<Job> jobs = Claim(kind, 1, now);
    EXPECT_EQ(jobs.size(), 1u);
    return jobs.empty() ? Job{} : jobs[0];
  }
  int64_t Finish(const std::vector<JobOutcome>& outcomes, int64_t now = 20) {
    auto r = q_->FinishJobs(outcomes, now);
    EXPECT_TRUE(r) << r.error().ToString();
    return r.value_or(-1);
  }
  std::vector<Job> List(const JobFilter& f = {}) {
    auto r = q_->ListJobs(f);
    EXPECT_TRUE(r) << r.error().ToString();
    return r.value_or(std::vector<Job>{});
  }
  Job Get(int64_t id) {
    std::vector<Job> jobs = List({.ids = std::vector<JobId>{JobId{id}}});
    EXPECT_EQ(jobs.size(), 1u) << id;
    return jobs.empty() ? Job{} : jobs[0];
  }
  JobState StateOf(int64_t id) { return Get(id).state; }

  // Jobs of `kind` in every state, for the filters below; their ids in
  // this order: available, retryable, running, completed (at 20), failed,
  // cancelled (at 25).
  std::vector<int64_t> EveryState(const std::string& kind) {
    const std::vector<int64_t> ids = EnqueueN(kind, 6);
    const std::vector<Job> claimed = Claim(kind, 6);  // in id order
    EXPECT_EQ(claimed.size(), 6u);
    if (claimed.size() != 6) return ids;
    EXPECT_EQ(*q_->ReleaseJobs({LeaseOf(claimed[0]), LeaseOf(claimed[5])}, 15),
              2);
    using K = JobOutcome::Kind;
    Finish({Outcome(claimed[1], K::kRetry, "io", 10),
            Outcome(claimed[3], K::kCompleted),
            Outcome(claimed[4], K::kFailed, "bad")});
    EXPECT_EQ(*q_->CancelJobs({.ids = std::vector<JobId>{JobId{ids[5]}}}, 25),
              1);
    return ids;
  }

  std::unique_ptr<testing::TempDir> dir_;
  std::unique_ptr<Catalog> q_;
};

TYPED_TEST_SUITE(JobQueueContractTest, ContractBackends);

TYPED_TEST(JobQueueContractTest, EnqueuedJobIsAvailableWithItsFields) {
  JobSpec s = Spec("metadata", 7, JobPriority::kWatch, 5);
  s.version = 3;
  s.payload = R"({"x":1})";
  s.max_attempts = 4;
  EXPECT_EQ(this->Enqueue({s}, 2).added, 1);
  std::vector<Job> jobs = this->List();
  ASSERT_EQ(jobs.size(), 1u);
  const Job& j = jobs[0];
  EXPECT_EQ(j.kind, "metadata");
  EXPECT_EQ(j.priority, JobPriority::kWatch);
  EXPECT_EQ(j.state, JobState::kAvailable);
  EXPECT_EQ(j.attempts, 0);
  EXPECT_EQ(j.max_attempts, 4);
  EXPECT_EQ(j.run_at_ns, 5);
  EXPECT_EQ(j.file, FileId{7});
  EXPECT_EQ(j.version, 3);
  EXPECT_EQ(j.payload, R"({"x":1})");
  EXPECT_EQ(j.created_ns, 2);
  EXPECT_EQ(j.updated_ns, 2);
  EXPECT_EQ(j.lease_token, 0);
}

// The key (kind, file, version) is in the table whatever its job's state:
// enqueuing it again adds nothing.
TYPED_TEST(JobQueueContractTest, SameKeyIsQueuedOnceInAnyState) {
  using K = JobOutcome::Kind;
  struct Case {
    const char* name;
    std::optional<K> finish;  // none: left running (or available)
    bool claim;
    bool cancel;
  };
  const Case kCases[] = {
      {"available", std::nullopt, false, false},
      {"running", std::nullopt, true, false},
      {"retryable", K::kRetry, true, false},
      {"completed", K::kCompleted, true, false},
      {"failed", K::kFailed, true, false},
      {"cancelled", std::nullopt, false, true},
  };
  int64_t file = 0;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const JobSpec s = Spec(c.name, ++file);
    ASSERT_EQ(this->Enqueue({s}).added, 1);
    if (c.claim) {
      const Job j = this->ClaimOne(c.name);
      if (c.finish) {
        EXPECT_EQ(this->Finish({Outcome(j, *c.finish, "e", 1'000'000)}), 1);
      }
    }
    if (c.cancel) {
      EXPECT_EQ(*this->q_->CancelJobs({.kind = c.name}, 30), 1);
    }
    const EnqueueResult again = this->Enqueue({s});
    EXPECT_EQ(again.added, 0);
    EXPECT_EQ(again.already_queued, 1);
  }
  // Another version or kind is another key; the same key twice in one call
  // is added once.
  JobSpec v2 = Spec("available", 1);
  v2.version = 2;
  const EnqueueResult r = this->Enqueue({v2, Spec("other", 1), v2});
  EXPECT_EQ(r.added, 2);
  EXPECT_EQ(r.already_queued, 1);
}

TYPED_TEST(JobQueueContractTest, EnqueueTellsEachSpecsNewJobOrZero) {
  JobSpec v2 = Spec("rate", 1);
  v2.version = 2;
  const EnqueueResult r = this->Enqueue({Spec("rate", 1), v2, Spec("rate", 1)});
  ASSERT_EQ(r.ids.size(), 3u);
  EXPECT_EQ(r.ids[2], JobId{0});  // the first one's key
  const std::vector<Job> listed = this->List({.kind = "rate"});
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(r.ids[0], listed[0].id);
  EXPECT_EQ(r.ids[1], listed[1].id);
  EXPECT_EQ(listed[1].version, 2);
  EXPECT_TRUE(this->Enqueue({}).ids.empty());
}

TYPED_TEST(JobQueueContractTest, JobsWithoutAFileAreNeverDeduplicated) {
  const EnqueueResult r =
      this->Enqueue({Spec("noop", std::nullopt), Spec("noop", std::nullopt)});
  EXPECT_EQ(r.added, 2);
  EXPECT_EQ(this->Enqueue({Spec("noop", std::nullopt)}).added, 1);
  EXPECT_EQ(this->List().size(), 3u);
}

TYPED_TEST(JobQueueContractTest, ClaimsByPriorityThenRunAtThenId) {
  // Enqueued out of order; the expected claim order is by (priority,
  // run_at, id).
  struct Row {
    int priority;
    int64_t run_at;
  };
  const Row kRows[] = {{300, 0}, {0, 5}, {100, 0}, {0, 0}, {100, 0}, {0, 5}};
  std::vector<JobSpec> specs;
  for (size_t i = 0; i < std::size(kRows); ++i) {
    specs.push_back(Spec("k", static_cast<int64_t>(i + 1), kRows[i].priority,
                         kRows[i].run_at));
  }
  this->Enqueue(specs);
  // Ids follow the order of enqueuing: 1..6.
  const std::vector<int64_t> ids = Ids(this->List());
  ASSERT_EQ(ids.size(), 6u);
  const std::vector<int64_t> want = {ids[3], ids[1], ids[5],
                                     ids[2], ids[4], ids[0]};
  // Batches of 4 then 4 (2 left) then none.
  const std::vector<Job> first = this->Claim("k", 4);
  const std::vector<Job> second = this->Claim("k", 4);
  EXPECT_THAT(Ids(first), ElementsAre(want[0], want[1], want[2], want[3]));
  EXPECT_THAT(Ids(second), ElementsAre(want[4], want[5]));
  EXPECT_THAT(this->Claim("k", 4), IsEmpty());
  for (const Job& j : first) {
    EXPECT_EQ(j.state, JobState::kRunning);
    EXPECT_EQ(j.attempts, 1);
    EXPECT_EQ(j.lease_owner, "test");
    EXPECT_EQ(j.lease_expires_ns, 10 + kLease);
    EXPECT_NE(j.lease_token, 0);
  }
  // Every claim has its own token.
  EXPECT_NE(first[0].lease_token, second[0].lease_token);
}

TYPED_TEST(JobQueueContractTest, JobIsNotClaimedBeforeItsRunAt) {
  this->Enqueue({Spec("k", 1, 0, 100)});
  EXPECT_THAT(this->Claim("k", 10, 99), IsEmpty());
  EXPECT_EQ(this->Claim("k", 10, 100).size(), 1u);
}

TYPED_TEST(JobQueueContractTest, PausedKindIsNotClaimedUntilResumed) {
  this->EnqueueN("pixels", 2);
  this->EnqueueN("metadata", 1);
  using P = JobQueue::Pause;
  ASSERT_TRUE(this->q_->SetKindPaused("pixels", P::kPaused));
  ASSERT_TRUE(this->q_->SetKindPaused("pixels", P::kPaused));  // idempotent
  EXPECT_THAT(*this->q_->PausedKinds(), ElementsAre("pixels"));
  EXPECT_THAT(this->Claim("pixels", 10), IsEmpty());
  EXPECT_EQ(this->Claim("metadata", 10).size(), 1u);
  ASSERT_TRUE(this->q_->SetKindPaused("pixels", P::kResumed));
  EXPECT_THAT(*this->q_->PausedKinds(), IsEmpty());
  EXPECT_EQ(this->Claim("pixels", 10).size(), 2u);
}

// Pausing is stored: another connection (another process, a restart)
// sees it.
TYPED_TEST(JobQueueContractTest, PauseIsSeenByAnotherConnection) {
  this->EnqueueN("pixels", 1);
  ASSERT_TRUE(this->q_->SetKindPaused("pixels", JobQueue::Pause::kPaused));
  auto other = TypeParam::Open(*this->dir_, "queue");
  ASSERT_TRUE(other);
  EXPECT_THAT(*(*other)->PausedKinds(), ElementsAre("pixels"));
  auto claimed = (*other)->ClaimJobs(
      {.kind = "pixels", .max_jobs = 1, .owner = "o", .now_ns = 5});
  ASSERT_TRUE(claimed);
  EXPECT_THAT(*claimed, IsEmpty());
}

TYPED_TEST(JobQueueContractTest, ClaimTakesOnlyItsKind) {
  const std::vector<int64_t> a = this->EnqueueN("a", 3);
  const std::vector<int64_t> b = this->EnqueueN("b", 2);
  EXPECT_THAT(Ids(this->Claim("a", 10)), ElementsAreArray(a));
  for (int64_t id : b) EXPECT_EQ(this->StateOf(id), JobState::kAvailable);
  EXPECT_THAT(this->Claim("c", 10), IsEmpty());
}

// A lease that is not the job's current one (a wrong token, or one taken
// back and claimed again by another) counts for nothing.
TYPED_TEST(JobQueueContractTest, StaleLeaseIsIgnored) {
  this->EnqueueN("k", 1);
  const Job first = this->ClaimOne("k");
  Job wrong = first;
  wrong.lease_token = first.lease_token + 1;
  EXPECT_EQ(this->Finish({Outcome(wrong, JobOutcome::Kind::kCompleted)}), 0);
  EXPECT_EQ(*this->q_->RenewLeases({LeaseOf(wrong)}, 5'000), 0);
  EXPECT_EQ(*this->q_->ReleaseJobs({LeaseOf(wrong)}, 20), 0);
  EXPECT_EQ(this->StateOf(first.id.value), JobState::kRunning);

  // Expired, taken back, claimed by another: the first holder's calls
  // change nothing; the second's count.
  EXPECT_EQ(*this->q_->ReclaimExpiredLeases(10 + kLease + 1, 0), 1);
  const Job second = this->ClaimOne("k", 2'000);
  EXPECT_NE(second.lease_token, first.lease_token);
  EXPECT_EQ(*this->q_->RenewLeases({LeaseOf(first)}, 9'000), 0);
  EXPECT_EQ(*this->q_->ReleaseJobs({LeaseOf(first)}, 2'001), 0);
  EXPECT_EQ(this->Finish({Outcome(first, JobOutcome::Kind::kFailed, "x")}),
            0);
  EXPECT_EQ(this->StateOf(first.id.value), JobState::kRunning);
  EXPECT_EQ(this->Finish({Outcome(second, JobOutcome::Kind::kCompleted)}), 1);
  const Job done = this->Get(first.id.value);
  EXPECT_EQ(done.state, JobState::kCompleted);
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(done.lease_token, 0);
  EXPECT_EQ(done.last_error, "");
  // Finishing twice counts once.
  EXPECT_EQ(this->Finish({Outcome(second, JobOutcome::Kind::kCompleted)}), 0);
}

TYPED_TEST(JobQueueContractTest, RenewExtendsTheLease) {
  this->EnqueueN("k", 2);
  const std::vector<Job> jobs = this->Claim("k", 2);
  EXPECT_EQ(*this->q_->RenewLeases({LeaseOf(jobs[0])}, 5'000), 1);
  EXPECT_EQ(this->Get(jobs[0].id.value).lease_expires_ns, 5'000);
  // Only the job not renewed expires.
  EXPECT_EQ(*this->q_->ReclaimExpiredLeases(4'000, 4'000), 1);
  EXPECT_EQ(this->StateOf(jobs[0].id.value), JobState::kRunning);
  EXPECT_EQ(this->StateOf(jobs[1].id.value), JobState::kRetryable);
}

TYPED_TEST(JobQueueContractTest, ReleaseReturnsTheJobWithoutCountingIt) {
  this->EnqueueN("k", 1);
  const Job j = this->ClaimOne("k");
  EXPECT_EQ(*this->q_->ReleaseJobs({LeaseOf(j)}, 20), 1);
  const Job back = this->Get(j.id.value);
  EXPECT_EQ(back.state, JobState::kAvailable);
  EXPECT_EQ(back.attempts, 0);
  EXPECT_EQ(back.lease_token, 0);
  EXPECT_EQ(back.lease_owner, "");
  EXPECT_EQ(this->ClaimOne("k", 30).attempts, 1);
}

TYPED_TEST(JobQueueContractTest, ExpiredLeaseIsRetriedThenFailed) {
  JobSpec s = Spec("k", 1);
  s.max_attempts = 2;
  this->Enqueue({s});
  const Job j = this->ClaimOne("k", 10);
  // Not yet expired at its end.
  EXPECT_EQ(*this->q_->ReclaimExpiredLeases(10 + kLease, 0), 0);
  EXPECT_EQ(*this->q_->ReclaimExpiredLeases(10 + kLease + 1, 5'000), 1);
  Job back = this->Get(j.id.value);
  EXPECT_EQ(back.state, JobState::kRetryable);
  EXPECT_EQ(back.run_at_ns, 5'000);
  EXPECT_THAT(back.last_error, HasSubstr("test"));  // whose lease
  EXPECT_EQ(back.lease_token, 0);
  EXPECT_THAT(this->Claim("k", 1, 4'999), IsEmpty());
  EXPECT_EQ(this->ClaimOne("k", 5'000).attempts, 2);
  // Its last attempt expires too: failed.
  EXPECT_EQ(*this->q_->ReclaimExpiredLeases(5'000 + kLease + 1, 9'000), 1);
  back = this->Get(j.id.value);
  EXPECT_EQ(back.state, JobState::kFailed);
  EXPECT_THAT(back.last_error, HasSubstr("expired"));
  EXPECT_THAT(this->Claim("k", 1, 10'000), IsEmpty());
}

TYPED_TEST(JobQueueContractTest, RetryBacksOffUntilAttemptsAreSpent) {
  JobSpec s = Spec("k", 1);
  s.max_attempts = 3;
  this->Enqueue({s});
  int64_t now = 10;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    SCOPED_TRACE(attempt);
    const Job j = this->ClaimOne("k", now);
    EXPECT_EQ(j.attempts, attempt);
    const int64_t retry_at = now + 100 * attempt;
    EXPECT_EQ(this->Finish({Outcome(j, JobOutcome::Kind::kRetry, "I/O error",
                                    retry_at)},
                           now + 1),
              1);
    const Job back = this->Get(j.id.value);
    EXPECT_EQ(back.last_error, "I/O error");
    EXPECT_EQ(back.updated_ns, now + 1);
    if (attempt < 3) {
      EXPECT_EQ(back.state, JobState::kRetryable);
      EXPECT_EQ(back.run_at_ns, retry_at);
      EXPECT_THAT(this->Claim("k", 1, retry_at - 1), IsEmpty());
    } else {
      EXPECT_EQ(back.state, JobState::kFailed);
    }
    now = retry_at;
  }
  EXPECT_THAT(this->Claim("k", 1, now + 1'000'000), IsEmpty());
}

TYPED_TEST(JobQueueContractTest, FailedOutcomeGivesUpAtOnce) {
  this->EnqueueN("k", 1);
  const Job j = this->ClaimOne("k");
  EXPECT_EQ(this->Finish({Outcome(j, JobOutcome::Kind::kFailed,
                                  "unsupported file")}),
            1);
  const Job back = this->Get(j.id.value);
  EXPECT_EQ(back.state, JobState::kFailed);
  EXPECT_EQ(back.attempts, 1);
  EXPECT_EQ(back.last_error, "unsupported file");
  EXPECT_THAT(this->Claim("k", 1, 1'000'000), IsEmpty());
}

TYPED_TEST(JobQueueContractTest, OutcomesOfOneCallCountTogether) {
  this->EnqueueN("k", 4);
  const std::vector<Job> jobs = this->Claim("k", 4);
  ASSERT_EQ(jobs.size(), 4u);
  using K = JobOutcome::Kind;
  Job stale = jobs[3];
  stale.lease_token += 1;
  EXPECT_EQ(this->Finish({Outcome(jobs[0], K::kCompleted),
                          Outcome(jobs[1], K::kRetry, "io", 50),
                          Outcome(jobs[2], K::kFailed, "bad"),
                          Outcome(stale, K::kCompleted)}),
            3);
  EXPECT_EQ(this->StateOf(jobs[0].id.value), JobState::kCompleted);
  EXPECT_EQ(this->StateOf(jobs[1].id.value), JobState::kRetryable);
  EXPECT_EQ(this->StateOf(jobs[2].id.value), JobState::kFailed);
  EXPECT_EQ(this->StateOf(jobs[3].id.value), JobState::kRunning);
  // Empty calls change nothing.
  EXPECT_EQ(this->Finish({}), 0);
  EXPECT_EQ(*this->q_->RenewLeases({}, 5), 0);
  EXPECT_EQ(*this->q_->ReleaseJobs({}, 5), 0);
  EXPECT_EQ(this->Enqueue({}).added, 0);
  EXPECT_THAT(this->Claim("k", 0), IsEmpty());
}

// Counts as (kind, state, count), for ElementsAre.
std::vector<std::tuple<std::string, JobState, int64_t>> CountTuples(
    const Result<std::vector<JobCount>>& counts) {
  EXPECT_TRUE(counts);
  std::vector<std::tuple<std::string, JobState, int64_t>> got;
  if (!counts) return got;
  for (const JobCount& c : *counts) got.emplace_back(c.kind, c.state, c.count);
  return got;
}

TYPED_TEST(JobQueueContractTest, CountsPerKindAndState) {
  this->EveryState("a");
  this->EnqueueN("b", 2);
  using S = JobState;
  EXPECT_THAT(CountTuples(this->q_->CountJobs()),
              ElementsAre(std::tuple("a", S::kAvailable, 1),
                          std::tuple("a", S::kRunning, 1),
                          std::tuple("a", S::kRetryable, 1),
                          std::tuple("a", S::kCompleted, 1),
                          std::tuple("a", S::kFailed, 1),
                          std::tuple("a", S::kCancelled, 1),
                          std::tuple("b", S::kAvailable, 2)));
}

TYPED_TEST(JobQueueContractTest, ActiveCountsAreWaitingAndRunningOnly) {
  this->EveryState("a");
  this->EveryState("b");
  this->EnqueueN("c", 2);
  this->EveryState("d");
  // Only finished jobs of a kind: not counted at all.
  ASSERT_TRUE(this->q_->CancelJobs({.kind = "d", .state = JobState::kAvailable},
                                   1));
  ASSERT_TRUE(this->q_->CancelJobs({.kind = "d", .state = JobState::kRetryable},
                                   1));
  const std::vector<Job> running =
      this->List({.kind = "d", .state = JobState::kRunning});
  ASSERT_EQ(running.size(), 1u);
  ASSERT_EQ(this->Finish({Outcome(running[0],
                                  JobOutcome::Kind::kCompleted)}),
            1);
  using S = JobState;
  EXPECT_THAT(CountTuples(this->q_->CountActiveJobs()),
              ElementsAre(std::tuple("a", S::kAvailable, 1),
                          std::tuple("a", S::kRunning, 1),
                          std::tuple("a", S::kRetryable, 1),
                          std::tuple("b", S::kAvailable, 1),
                          std::tuple("b", S::kRunning, 1),
                          std::tuple("b", S::kRetryable, 1),
                          std::tuple("c", S::kAvailable, 2)));
}

TYPED_TEST(JobQueueContractTest, RetryAndCancelFollowTheFilter) {
  using S = JobState;
  // Index into EveryState's ids of kind a (0..5) and b (6..11).
  struct Case {
    const char* name;
    enum { kRetry, kCancel } op;
    JobFilter filter;
    std::vector<int> changed;  // indexes
  };
  std::vector<Case> cases = {
      {"retry all", Case::kRetry, {}, {4, 5, 10, 11}},
      {"retry kind", Case::kRetry, {.kind = "b"}, {10, 11}},
      {"retry state", Case::kRetry, {.state = S::kFailed}, {4, 10}},
      {"retry limit", Case::kRetry, {.limit = 1}, {4}},
      {"cancel all", Case::kCancel, {}, {0, 1, 6, 7}},
      {"cancel kind and state",
       Case::kCancel,
       {.kind = "a", .state = S::kRetryable},
       {1}},
      {"cancel a running job: nothing", Case::kCancel,
       {.state = S::kRunning}, {}},
  };
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    this->Fresh();  // a new catalog per case
    std::vector<int64_t> ids = this->EveryState("a");
    const std::vector<int64_t> b = this->EveryState("b");
    ids.insert(ids.end(), b.begin(), b.end());
    std::vector<Job> before = this->List();
    auto n = c.op == Case::kRetry ? this->q_->RetryJobs(c.filter, 100)
                                  : this->q_->CancelJobs(c.filter, 100);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, static_cast<int64_t>(c.changed.size()));
    for (size_t i = 0; i < ids.size(); ++i) {
      const bool changed = std::ranges::count(c.changed, static_cast<int>(i)) > 0;
      const Job now = this->Get(ids[i]);
      if (!changed) {
        EXPECT_EQ(now.state, before[i].state) << i;
      } else if (c.op == Case::kRetry) {
        EXPECT_EQ(now.state, S::kAvailable) << i;
        EXPECT_EQ(now.attempts, 0) << i;
        EXPECT_EQ(now.run_at_ns, 100) << i;
      } else {
        EXPECT_EQ(now.state, S::kCancelled) << i;
      }
    }
  }
}

TYPED_TEST(JobQueueContractTest, RetryByIdsTakesOnlyThoseIds) {
  const std::vector<int64_t> ids = this->EveryState("a");
  // Failed and cancelled are retried; the available one is not.
  const std::vector<JobId> pick = {JobId{ids[0]}, JobId{ids[4]},
                                   JobId{ids[5]}};
  EXPECT_EQ(*this->q_->RetryJobs({.ids = pick}, 100), 2);
  EXPECT_EQ(*this->q_->RetryJobs({.ids = std::vector<JobId>{}}, 100), 0);
  EXPECT_EQ(this->ClaimOne("a", 100).id.value, ids[0]);
}

TYPED_TEST(JobQueueContractTest, ListPagesByCursor) {
  const std::vector<int64_t> a = this->EnqueueN("a", 7);
  this->EnqueueN("b", 3);
  std::vector<int64_t> seen;
  JobFilter f{.kind = "a", .limit = 3};
  for (int page = 0; page < 10; ++page) {
    const std::vector<Job> jobs = this->List(f);
    EXPECT_LE(jobs.size(), 3u);
    if (jobs.empty()) break;
    for (const Job& j : jobs) seen.push_back(j.id.value);
    f.after = jobs.back().id;
  }
  EXPECT_EQ(seen, a);
  EXPECT_EQ(this->List().size(), 10u);
  EXPECT_THAT(this->List({.limit = 0}), IsEmpty());
  this->Claim("a", 2);
  EXPECT_THAT(Ids(this->List({.state = JobState::kRunning})),
              ElementsAre(a[0], a[1]));
}

TYPED_TEST(JobQueueContractTest, PruneDropsOnlyEndedJobsBeforeTheTime) {
  const std::vector<int64_t> ids = this->EveryState("a");
  // Completed at 20, cancelled at 25: before 21 only the completed one.
  EXPECT_EQ(*this->q_->PruneJobs(21), 1);
  EXPECT_EQ(*this->q_->PruneJobs(1'000), 1);
  std::vector<int64_t> left = Ids(this->List());
  EXPECT_THAT(left, ElementsAre(ids[0], ids[1], ids[2], ids[4]));
  // A pruned key may be queued again.
  EXPECT_EQ(this->Enqueue({Spec("a", 4)}).added, 1);
}

TYPED_TEST(JobQueueContractTest, PrioritizingMovesAFilesWaitingJobUpNeverDown) {
  this->Enqueue({Spec("pixels", 7, JobPriority::kReconcile),
                 Spec("metadata", 7, JobPriority::kReconcile),
                 Spec("pixels", 8, JobPriority::kReconcile)});
  EXPECT_EQ(*this->q_->PrioritizeFileJob("pixels", FileId{7},
                                         JobPriority::kInteractive),
            1);
  // Never down, and no other kind or file moves.
  EXPECT_EQ(*this->q_->PrioritizeFileJob("pixels", FileId{7},
                                         JobPriority::kBackground),
            0);
  EXPECT_EQ(*this->q_->PrioritizeFileJob("pixels", FileId{99},
                                         JobPriority::kInteractive),
            0);
  for (const Job& j : this->List()) {
    const bool moved = j.kind == "pixels" && j.file == FileId{7};
    EXPECT_EQ(j.priority, moved ? JobPriority::kInteractive
                                : JobPriority::kReconcile)
        << j.kind << " " << j.file->value;
  }
  // The moved one is claimed first, though queued with the others.
  const Job first = this->ClaimOne("pixels");
  ASSERT_TRUE(first.file);
  EXPECT_EQ(first.file->value, 7);
  // A running job is not waiting: it stays as it is.
  EXPECT_EQ(*this->q_->PrioritizeFileJob("pixels", FileId{7}, -5), 0);
}

TYPED_TEST(JobQueueContractTest, AgingMovesOldWaitingJobsUpToTheFloor) {
  struct Row {
    const char* name;
    int priority;
    int64_t created;
    bool claim;  // running: never aged
    int want;
  };
  const AgeRequest req{.waiting_since_ns = 500, .step = 10, .floor = 101};
  const Row kRows[] = {
      {"old background", 300, 10, false, 290},
      {"old, near the floor", 105, 10, false, 101},
      {"at the floor", 101, 10, false, 101},
      {"interactive", 0, 10, false, 0},
      {"new", 300, 600, false, 300},
      {"running", 300, 10, true, 300},
  };
  std::vector<int64_t> ids;
  for (size_t i = 0; i < std::size(kRows); ++i) {
    const Row& r = kRows[i];
    const std::string kind = r.claim ? "claimed" : "k";
    this->Enqueue({Spec(kind, static_cast<int64_t>(i), r.priority)},
                  r.created);
    ids.push_back(this->List().back().id.value);
    if (r.claim) this->ClaimOne(kind, 700);
  }
  EXPECT_EQ(*this->q_->AgeJobs(req), 2);
  for (size_t i = 0; i < std::size(kRows); ++i) {
    EXPECT_EQ(this->Get(ids[i]).priority, kRows[i].want) << kRows[i].name;
  }
  // Aging again moves the background job on; the clamped one stays.
  EXPECT_EQ(*this->q_->AgeJobs(req), 1);
  EXPECT_EQ(this->Get(ids[0]).priority, 280);
}

}  // namespace
}  // namespace phodex::catalog
