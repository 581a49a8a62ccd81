#include "watch/reconcile_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <vector>

namespace phodex::watch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr int64_t kStartNs = 1'000'000'000'000;  // any monotonic origin
constexpr RootId kRoot{1};
constexpr RootId kOtherRoot{2};

int64_t At(nanoseconds after) { return kStartNs + after.count(); }

ScheduleOptions Seeded(uint64_t seed = 42) {
  ScheduleOptions options;
  options.seed = seed;
  return options;
}

SyncWork Reconcile(SyncReason reason, RootId root = kRoot) {
  return SyncWork{
      .kind = SyncWork::Kind::kReconcile, .root = root, .reason = reason};
}

std::vector<SyncWork> One(SyncReason reason, RootId root = kRoot) {
  return {Reconcile(reason, root)};
}

// Adds kRoot and runs its startup reconciliation from 0 to `end`.
void StartUp(ReconcileSchedule& schedule, WatchMethod method, nanoseconds end) {
  schedule.SetRoot(kRoot, method, At(seconds(0)));
  ASSERT_EQ(schedule.TakeDue(At(seconds(0))), One(SyncReason::kStartup));
  schedule.Finished(kRoot, At(end));
}

TEST(ReconcileSchedule, StartupIsDueAtOnce) {
  ReconcileSchedule schedule(Seeded());
  EXPECT_EQ(schedule.NextDueNs(), std::nullopt);
  schedule.SetRoot(kRoot, WatchMethod::kInotify, At(seconds(0)));
  schedule.SetRoot(kOtherRoot, WatchMethod::kPolling, At(seconds(0)));
  EXPECT_EQ(schedule.NextDueNs(), At(seconds(0)));
  EXPECT_EQ(
      schedule.TakeDue(At(seconds(0))),
      (std::vector<SyncWork>{Reconcile(SyncReason::kStartup),
                             Reconcile(SyncReason::kStartup, kOtherRoot)}));
}

TEST(ReconcileSchedule, RunningIsNotDueUntilFinished) {
  ReconcileSchedule schedule(Seeded());
  schedule.SetRoot(kRoot, WatchMethod::kInotify, At(seconds(0)));
  ASSERT_EQ(schedule.TakeDue(At(seconds(0))), One(SyncReason::kStartup));
  std::vector<RootSchedule> roots = schedule.Roots();
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_TRUE(roots[0].running);
  EXPECT_EQ(roots[0].next_ns, std::nullopt);
  // Asked again while it runs: due once it ends.
  schedule.Request(kRoot, SyncReason::kManual, At(seconds(5)));
  EXPECT_EQ(schedule.NextDueNs(), std::nullopt);
  EXPECT_TRUE(schedule.TakeDue(At(seconds(30))).empty());
  schedule.Finished(kRoot, At(seconds(40)));
  EXPECT_EQ(schedule.NextDueNs(), At(seconds(5)));
  EXPECT_EQ(schedule.TakeDue(At(seconds(40))), One(SyncReason::kManual));
  roots = schedule.Roots();
  EXPECT_EQ(roots[0].last_end_ns, At(seconds(40)));
}

// The next scheduled run after ends at `end`, for `method`.
void ExpectIntervalWithJitter(WatchMethod method, nanoseconds interval) {
  ReconcileSchedule schedule(Seeded());
  StartUp(schedule, method, seconds(10));
  std::set<int64_t> jitters;
  nanoseconds end = seconds(10);
  for (int run = 0; run < 20; ++run) {
    const std::optional<int64_t> next = schedule.NextDueNs();
    ASSERT_TRUE(next.has_value());
    const int64_t jitter = *next - At(end + interval);
    EXPECT_GE(jitter, 0);
    EXPECT_LE(jitter, interval.count() / 10);  // default 10%
    jitters.insert(jitter);
    EXPECT_TRUE(schedule.TakeDue(*next - 1).empty());
    ASSERT_EQ(schedule.TakeDue(*next), One(SyncReason::kScheduled));
    end = nanoseconds(*next - kStartNs) + seconds(3);
    schedule.Finished(kRoot, At(end));
  }
  EXPECT_GT(jitters.size(), 10u);  // random, not one fixed offset
}

TEST(ReconcileSchedule, LocalIntervalFromTheEndPlusJitter) {
  ExpectIntervalWithJitter(WatchMethod::kInotify, hours(1));
}

TEST(ReconcileSchedule, PolledIntervalFromTheEndPlusJitter) {
  ExpectIntervalWithJitter(WatchMethod::kPolling, hours(24));
}

TEST(ReconcileSchedule, SameSeedSameJitter) {
  std::vector<std::optional<int64_t>> next;
  for (int i = 0; i < 2; ++i) {
    ReconcileSchedule schedule(Seeded(7));
    StartUp(schedule, WatchMethod::kInotify, seconds(1));
    next.push_back(schedule.NextDueNs());
  }
  EXPECT_EQ(next[0], next[1]);
}

TEST(ReconcileSchedule, NoJitterIsTheInterval) {
  ScheduleOptions options = Seeded();
  options.jitter = 0;
  options.local_interval = minutes(5);
  ReconcileSchedule schedule(options);
  StartUp(schedule, WatchMethod::kInotify, seconds(1));
  EXPECT_EQ(schedule.NextDueNs(), At(seconds(1) + minutes(5)));
}

TEST(ReconcileSchedule, JitterIsAtMostTheInterval) {
  for (double jitter : {-1.0, 5.0, 1e30}) {
    ScheduleOptions options = Seeded();
    options.jitter = jitter;
    ReconcileSchedule schedule(options);
    StartUp(schedule, WatchMethod::kInotify, seconds(1));
    const std::optional<int64_t> next = schedule.NextDueNs();
    ASSERT_TRUE(next.has_value());
    EXPECT_GE(*next, At(seconds(1) + hours(1))) << jitter;
    EXPECT_LE(*next, At(seconds(1) + hours(2))) << jitter;
  }
}

TEST(ReconcileSchedule, MethodChangeTakesTheOtherInterval) {
  ScheduleOptions options = Seeded();
  options.jitter = 0;
  ReconcileSchedule schedule(options);
  StartUp(schedule, WatchMethod::kInotify, seconds(1));
  EXPECT_EQ(schedule.NextDueNs(), At(seconds(1) + hours(1)));
  // Out of inotify watches: polled from now on.
  schedule.SetRoot(kRoot, WatchMethod::kPolling, At(seconds(2)));
  EXPECT_EQ(schedule.NextDueNs(), At(seconds(1) + hours(24)));
}

TEST(ReconcileSchedule, ManualIsDueAtOnce) {
  ReconcileSchedule schedule(Seeded());
  StartUp(schedule, WatchMethod::kInotify, seconds(1));
  schedule.Request(kRoot, SyncReason::kManual, At(seconds(30)));
  EXPECT_EQ(schedule.NextDueNs(), At(seconds(30)));
  EXPECT_EQ(schedule.TakeDue(At(seconds(30))), One(SyncReason::kManual));
}

TEST(ReconcileSchedule, OverflowBackoffDoublesThenResets) {
  ReconcileSchedule schedule(Seeded());
  StartUp(schedule, WatchMethod::kInotify, seconds(1));
  // Overflows keep coming: the first reconciliation at once, then each
  // 5 s, 10 s, 20 s, ... after the one before it, up to 10 minutes.
  nanoseconds now = seconds(2);
  int64_t last_run = 0;
  std::vector<int64_t> gaps;
  for (int run = 0; run < 10; ++run) {
    schedule.Request(kRoot, SyncReason::kOverflow, At(now));
    const std::optional<int64_t> due = schedule.NextDueNs();
    ASSERT_TRUE(due.has_value());
    if (run == 0) {
      EXPECT_EQ(*due, At(now));
    } else {
      gaps.push_back(*due - last_run);
      EXPECT_TRUE(schedule.TakeDue(*due - 1).empty());
    }
    schedule.Request(kRoot, SyncReason::kOverflow, *due);  // still coming
    ASSERT_EQ(schedule.TakeDue(*due), One(SyncReason::kOverflow));
    last_run = *due;
    schedule.Finished(kRoot, *due + nanoseconds(seconds(1)).count());
    now = nanoseconds(*due - kStartNs) + seconds(2);
  }
  std::vector<int64_t> expected;
  for (int s : {5, 10, 20, 40, 80, 160, 320, 600, 600}) {
    expected.push_back(nanoseconds(seconds(s)).count());
  }
  EXPECT_EQ(gaps, expected);
  // Quiet for the longest backoff: the next overflow runs at once again.
  now += minutes(10);
  schedule.Request(kRoot, SyncReason::kOverflow, At(now));
  EXPECT_EQ(schedule.NextDueNs(), At(now));
  EXPECT_EQ(schedule.TakeDue(At(now)), One(SyncReason::kOverflow));
}

TEST(ReconcileSchedule, OverflowsMeetingAPendingOneMerge) {
  ReconcileSchedule schedule(Seeded());
  StartUp(schedule, WatchMethod::kInotify, seconds(1));
  schedule.Request(kRoot, SyncReason::kOverflow, At(seconds(2)));
  ASSERT_EQ(schedule.TakeDue(At(seconds(2))), One(SyncReason::kOverflow));
  schedule.Finished(kRoot, At(seconds(3)));
  for (int i = 0; i < 5; ++i) {
    schedule.Request(kRoot, SyncReason::kOverflow, At(seconds(3)));
  }
  EXPECT_EQ(schedule.NextDueNs(), At(seconds(7)));
  EXPECT_EQ(schedule.TakeDue(At(seconds(7))), One(SyncReason::kOverflow));
  schedule.Finished(kRoot, At(seconds(8)));
  // A manual request does not wait for the overflow backoff.
  schedule.Request(kRoot, SyncReason::kManual, At(seconds(9)));
  EXPECT_EQ(schedule.TakeDue(At(seconds(9))), One(SyncReason::kManual));
}

TEST(ReconcileSchedule, OfflineIsNeverDue) {
  ReconcileSchedule schedule(Seeded());
  schedule.SetRoot(kRoot, WatchMethod::kOffline, At(seconds(0)));
  schedule.Request(kRoot, SyncReason::kManual, At(seconds(1)));
  EXPECT_EQ(schedule.NextDueNs(), std::nullopt);
  EXPECT_TRUE(schedule.TakeDue(At(hours(48))).empty());
  std::vector<RootSchedule> roots = schedule.Roots();
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0].method, WatchMethod::kOffline);
  EXPECT_EQ(roots[0].next_ns, std::nullopt);
}

TEST(ReconcileSchedule, OnlineRootThatGoesOfflineStopsBeingDue) {
  ReconcileSchedule schedule(Seeded());
  StartUp(schedule, WatchMethod::kInotify, seconds(1));
  schedule.SetRoot(kRoot, WatchMethod::kOffline, At(seconds(2)));
  EXPECT_EQ(schedule.NextDueNs(), std::nullopt);
  EXPECT_TRUE(schedule.TakeDue(At(hours(5))).empty());
  // The drive returns hours later: at once, as drive-returned.
  schedule.SetRoot(kRoot, WatchMethod::kInotify, At(hours(5)));
  schedule.Request(kRoot, SyncReason::kDriveReturned, At(hours(5)));
  EXPECT_EQ(schedule.TakeDue(At(hours(5))), One(SyncReason::kDriveReturned));
}

TEST(ReconcileSchedule, FirstSeenOfflineStartsUpWhenItComesOnline) {
  ReconcileSchedule schedule(Seeded());
  schedule.SetRoot(kRoot, WatchMethod::kOffline, At(seconds(0)));
  schedule.SetRoot(kRoot, WatchMethod::kInotify, At(seconds(50)));
  EXPECT_EQ(schedule.TakeDue(At(seconds(50))), One(SyncReason::kStartup));
}

// The service asks kDriveReturned when an offline root's drive is back:
// for a root offline since the start, that replaces its pending startup.
TEST(ReconcileSchedule, FirstSeenOfflineThenItsDriveReturnsIsDriveReturned) {
  ReconcileSchedule schedule(Seeded());
  schedule.SetRoot(kRoot, WatchMethod::kOffline, At(seconds(0)));
  schedule.SetRoot(kRoot, WatchMethod::kInotify, At(seconds(50)));
  schedule.Request(kRoot, SyncReason::kDriveReturned, At(seconds(50)));
  EXPECT_EQ(schedule.TakeDue(At(seconds(50))),
            One(SyncReason::kDriveReturned));
  EXPECT_TRUE(schedule.TakeDue(At(seconds(51))).empty());
}

TEST(ReconcileSchedule, RemovedRootIsGone) {
  ReconcileSchedule schedule(Seeded());
  schedule.SetRoot(kRoot, WatchMethod::kInotify, At(seconds(0)));
  schedule.RemoveRoot(kRoot);
  schedule.Request(kRoot, SyncReason::kManual, At(seconds(1)));
  EXPECT_EQ(schedule.NextDueNs(), std::nullopt);
  EXPECT_TRUE(schedule.Roots().empty());
  EXPECT_TRUE(schedule.TakeDue(At(seconds(1))).empty());
}

TEST(ReconcileSchedule, RandomSeedStillWithinBounds) {
  ScheduleOptions options;  // seed 0: from std::random_device
  ReconcileSchedule schedule(options);
  StartUp(schedule, WatchMethod::kInotify, seconds(1));
  const std::optional<int64_t> next = schedule.NextDueNs();
  ASSERT_TRUE(next.has_value());
  EXPECT_GE(*next, At(seconds(1) + hours(1)));
  EXPECT_LE(*next, At(seconds(1) + minutes(66)));
}

}  // namespace
}  // namespace phodex::watch
