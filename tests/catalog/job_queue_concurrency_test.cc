// The job queue with several claimers on one catalog file: threads, each
// with its own connection, and processes. Every job is done exactly once
// as far as the catalog can tell: no job is claimed twice while its lease
// holds, none is lost, and a claimer that dies has its jobs taken back
// after the lease and done by another. Time is logical (now_ns passed in);
// nothing here asserts a timing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::catalog {
namespace {

constexpr int64_t kForever = int64_t{1} << 60;  // a lease that holds
constexpr char kKind[] = "noop";

struct Drained {
  std::vector<int64_t> ids;  // completed by this claimer, counted
  std::string error;         // empty: fine
};

// Claims batches of kKind at `now` and completes each in one call until
// none is left.
Drained Drain(Catalog& c, const std::string& owner, int64_t now, int batch) {
  Drained out;
  for (;;) {
    auto jobs = c.ClaimJobs({.kind = kKind,
                             .max_jobs = batch,
                             .owner = owner,
                             .now_ns = now,
                             .lease_ns = kForever});
    if (!jobs) {
      out.error = jobs.error().ToString();
      return out;
    }
    if (jobs->empty()) return out;
    std::vector<JobOutcome> done;
    for (const Job& j : *jobs) {
      done.push_back({.lease = {j.id, j.lease_token}});
      out.ids.push_back(j.id.value);
    }
    auto n = c.FinishJobs(done, now);
    if (!n || *n != static_cast<int64_t>(done.size())) {
      out.error = n ? "finish counted " + std::to_string(*n) + " of " +
                          std::to_string(done.size())
                    : n.error().ToString();
      return out;
    }
  }
}

class JobQueueConcurrencyTest : public ::testing::Test {
 protected:
  std::unique_ptr<Catalog> Open() {
    auto c = OpenSqliteCatalog(path_, {});
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }
  // `n` jobs of kKind, without files (no key: never deduplicated).
  void Fill(int n) {
    auto c = Open();
    ASSERT_TRUE(c);
    std::vector<JobSpec> specs(n);
    for (JobSpec& s : specs) s.kind = kKind;
    auto r = c->EnqueueJobs(specs, 0);
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(r->added, n);
  }
  // Every job completed, each counted for exactly one claimer.
  void ExpectEachDoneOnce(const std::vector<int64_t>& ids, int n) {
    std::map<int64_t, int> per_id;
    for (int64_t id : ids) ++per_id[id];
    EXPECT_EQ(per_id.size(), static_cast<size_t>(n));
    for (const auto& [id, count] : per_id) EXPECT_EQ(count, 1) << id;
    auto c = Open();
    ASSERT_TRUE(c);
    auto counts = c->CountJobs();
    ASSERT_TRUE(counts);
    ASSERT_EQ(counts->size(), 1u);
    EXPECT_EQ((*counts)[0].state, JobState::kCompleted);
    EXPECT_EQ((*counts)[0].count, n);
  }
  // Runs `workers` threads, each draining with its own connection.
  std::vector<int64_t> DrainInThreads(int workers, int64_t now, int batch) {
    std::vector<Drained> results(workers);
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        auto c = OpenSqliteCatalog(path_, {});
        if (!c) {
          results[w].error = c.error().ToString();
          return;
        }
        results[w] = Drain(**c, "thread" + std::to_string(w), now, batch);
      });
    }
    for (std::thread& t : threads) t.join();
    std::vector<int64_t> ids;
    for (const Drained& d : results) {
      EXPECT_EQ(d.error, "");
      ids.insert(ids.end(), d.ids.begin(), d.ids.end());
    }
    return ids;
  }

  testing::TempDir dir_;
  std::string path_ = dir_ / "queue.db";
};

TEST_F(JobQueueConcurrencyTest, ThreadsWithTheirOwnConnectionsDoEachJobOnce) {
  constexpr int kJobs = 3000;
  Fill(kJobs);
  ExpectEachDoneOnce(DrainInThreads(4, 10, 25), kJobs);
}

// Children claim and complete on their own connections; the ids each
// completed come back in a file. One more child claims a batch and dies
// without a word: after its lease, the batch is taken back and done.
TEST_F(JobQueueConcurrencyTest, ProcessesDoEachJobOnceAndTakeOverTheDead) {
  constexpr int kJobs = 2000;
  constexpr int kChildren = 3;
  constexpr int kDeadBatch = 50;
  Fill(kJobs);
  // Runs `child` in a new process; returns its pid.
  const auto spawn = [](const std::function<int()>& child) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(child());
    return pid;
  };
  const auto wait_ok = [](pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  };
  // The dying one: claims at 0 with a short lease, never finishes.
  wait_ok(spawn([&] {
    auto c = OpenSqliteCatalog(path_, {});
    if (!c) return 1;
    auto jobs = (*c)->ClaimJobs({.kind = kKind,
                                 .max_jobs = kDeadBatch,
                                 .owner = "dead",
                                 .now_ns = 0,
                                 .lease_ns = 100});
    return jobs && jobs->size() == kDeadBatch ? 0 : 1;
  }));
  // Two rounds: before the dead one's lease ends, and after it was taken
  // back (ReclaimExpiredLeases at 1000, due again at 1000).
  std::vector<int64_t> ids;
  for (const int64_t now : {10, 1000}) {
    if (now == 1000) {
      auto c = Open();
      ASSERT_TRUE(c);
      EXPECT_EQ(*c->ReclaimExpiredLeases(now, now), kDeadBatch);
    }
    std::vector<pid_t> pids;
    for (int i = 0; i < kChildren; ++i) {
      const std::string out = dir_ / ("ids." + std::to_string(now) + "." +
                                      std::to_string(i));
      pids.push_back(spawn([&, out, i] {
        auto c = OpenSqliteCatalog(path_, {});
        if (!c) return 1;
        const Drained d = Drain(**c, "child" + std::to_string(i), now, 40);
        std::ofstream f(out);
        for (int64_t id : d.ids) f << id << "\n";
        return d.error.empty() && f.good() ? 0 : 1;
      }));
    }
    for (pid_t pid : pids) wait_ok(pid);
    for (int i = 0; i < kChildren; ++i) {
      std::ifstream f(dir_ / ("ids." + std::to_string(now) + "." +
                              std::to_string(i)));
      for (int64_t id; f >> id;) ids.push_back(id);
    }
    if (now == 10) {
      EXPECT_EQ(ids.size(), size_t{kJobs - kDeadBatch});
    }
  }
  ExpectEachDoneOnce(ids, kJobs);
}

// A claimer that stops answering in the middle, among threads: its jobs
// come back after the lease, and its late calls count for nothing.
TEST_F(JobQueueConcurrencyTest, JobsOfADeadClaimerAreDoneOnceByOthers) {
  constexpr int kJobs = 1000;
  constexpr int kDeadBatch = 100;
  Fill(kJobs);
  auto dead = Open();
  ASSERT_TRUE(dead);
  auto held = dead->ClaimJobs({.kind = kKind,
                               .max_jobs = kDeadBatch,
                               .owner = "dead",
                               .now_ns = 0,
                               .lease_ns = 100});
  ASSERT_TRUE(held);
  ASSERT_EQ(held->size(), size_t{kDeadBatch});
  std::vector<int64_t> ids = DrainInThreads(3, 10, 30);
  EXPECT_EQ(ids.size(), size_t{kJobs - kDeadBatch});
  // Taken back while the others keep claiming: nothing is lost.
  EXPECT_EQ(*dead->ReclaimExpiredLeases(1000, 1000), kDeadBatch);
  const std::vector<int64_t> rest = DrainInThreads(3, 1000, 30);
  ids.insert(ids.end(), rest.begin(), rest.end());
  // The dead one wakes up: its leases are no longer held.
  std::vector<JobOutcome> late;
  std::vector<JobLease> leases;
  for (const Job& j : *held) {
    late.push_back({.lease = {j.id, j.lease_token}});
    leases.push_back({j.id, j.lease_token});
  }
  EXPECT_EQ(*dead->RenewLeases(leases, 5000), 0);
  EXPECT_EQ(*dead->FinishJobs(late, 1100), 0);
  EXPECT_EQ(*dead->ReleaseJobs(leases, 1100), 0);
  ExpectEachDoneOnce(ids, kJobs);
  // Those it held were tried twice.
  auto again = dead->ListJobs({.ids = std::vector<JobId>{held->front().id}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at(0).attempts, 2);
}

}  // namespace
}  // namespace phodex::catalog
