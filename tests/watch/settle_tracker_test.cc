#include "watch/settle_tracker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace phodex::watch {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'767'225'600'000'000'000;  // 2026-01-01, Unix ns
constexpr RootId kRoot{1};
constexpr RootId kOtherRoot{2};

int64_t At(int64_t ms) { return kT0 + ms * kMs; }

// A file of `size` bytes last written (mtime and ctime) at `written_ms`.
FileStat Stat(int64_t size, int64_t written_ms, uint64_t ino = 7) {
  FileStat stat;
  stat.dev = 1;
  stat.ino = ino;
  stat.size = size;
  stat.mtime = FileTime::FromNanos(At(written_ms));
  stat.ctime = stat.mtime;
  stat.type = FileType::kRegular;
  return stat;
}

SettleTracker Tracker(SettleOptions::Clocks clocks) {
  return SettleTracker(
      SettleOptions{.settle = std::chrono::seconds(2), .clocks = clocks});
}

constexpr auto kLocal = SettleOptions::Clocks::kLocal;
constexpr auto kRemote = SettleOptions::Clocks::kRemote;

TEST(SettleTracker, HalfCopiedFileWaits) {
  for (auto clocks : {kLocal, kRemote}) {
    SettleTracker tracker = Tracker(clocks);
    SettleVerdict verdict = tracker.Check(kRoot, "a.jpg", Stat(4096, 0), At(0));
    EXPECT_FALSE(verdict.settled);
    EXPECT_EQ(verdict.retry_at_ns, At(2000));
    EXPECT_EQ(tracker.waiting(), 1u);
  }
}

TEST(SettleTracker, SettledAfterTwoEqualLooksApart) {
  SettleTracker tracker = Tracker(kRemote);
  // A remote file's times come from the server's clock: only looks count.
  const FileStat stat = Stat(4096, -60000);
  EXPECT_FALSE(tracker.Check(kRoot, "a.jpg", stat, At(0)).settled);
  SettleVerdict early = tracker.Check(kRoot, "a.jpg", stat, At(1500));
  EXPECT_FALSE(early.settled);
  EXPECT_EQ(early.retry_at_ns, At(2000));  // from the first look
  EXPECT_TRUE(tracker.Check(kRoot, "a.jpg", stat, At(2000)).settled);
  EXPECT_EQ(tracker.waiting(), 0u);
}

TEST(SettleTracker, GrowingFileKeepsWaiting) {
  SettleTracker tracker = Tracker(kLocal);
  for (int64_t ms = 0; ms <= 10000; ms += 1000) {
    SettleVerdict verdict =
        tracker.Check(kRoot, "v.mov", Stat(1000 + ms, ms), At(ms));
    EXPECT_FALSE(verdict.settled) << ms;
    EXPECT_EQ(verdict.retry_at_ns, At(ms + 2000)) << ms;
  }
  // Written for the last time at 10 s: settled two seconds later.
  EXPECT_TRUE(
      tracker.Check(kRoot, "v.mov", Stat(11000, 10000), At(12000)).settled);
}

TEST(SettleTracker, AnyDifferenceRestartsTheWait) {
  const FileStat base = Stat(4096, 0);
  FileStat renamed_over = base;  // an editor's save: a new inode
  renamed_over.ino = 8;
  FileStat touched = base;  // attributes changed
  touched.ctime = FileTime::FromNanos(At(1500));
  FileStat retimed = base;  // same size, mtime set back
  retimed.mtime = FileTime::FromNanos(At(-5000));
  for (const FileStat& changed : {renamed_over, touched, retimed}) {
    SettleTracker tracker = Tracker(kRemote);
    ASSERT_FALSE(tracker.Check(kRoot, "a.jpg", base, At(0)).settled);
    SettleVerdict verdict = tracker.Check(kRoot, "a.jpg", changed, At(1500));
    EXPECT_FALSE(verdict.settled);
    EXPECT_EQ(verdict.retry_at_ns, At(3500));
    EXPECT_FALSE(tracker.Check(kRoot, "a.jpg", changed, At(3000)).settled);
    EXPECT_TRUE(tracker.Check(kRoot, "a.jpg", changed, At(3500)).settled);
  }
}

TEST(SettleTracker, LocalCtimeLongAgoSettlesAtOnce) {
  SettleTracker tracker = Tracker(kLocal);
  EXPECT_TRUE(tracker.Check(kRoot, "old.jpg", Stat(10, -2000), At(0)).settled);
  EXPECT_TRUE(
      tracker.Check(kRoot, "older.jpg", Stat(10, -86400000), At(0)).settled);
  EXPECT_EQ(tracker.waiting(), 0u);
}

// One tracker for local and polled roots: the clock source given with a
// look wins over the tracker's default.
TEST(SettleTracker, ARemoteLookIgnoresCtimeOnALocalTracker) {
  SettleTracker tracker = Tracker(kLocal);
  EXPECT_FALSE(
      tracker.Check(kRoot, "nfs.jpg", Stat(10, -86400000), At(0), kRemote)
          .settled);
  EXPECT_FALSE(
      tracker.Check(kRoot, "nfs.jpg", Stat(10, -86400000), At(1000), kRemote)
          .settled);
  EXPECT_TRUE(
      tracker.Check(kRoot, "nfs.jpg", Stat(10, -86400000), At(2000), kRemote)
          .settled);
  EXPECT_TRUE(tracker.Check(kRoot, "local.jpg", Stat(10, -86400000), At(0),
                            kLocal)
                  .settled);
}

// A file last written at `written_ms`, first looked at at 0: when it is
// looked at again (`retry_ms`), and settled then.
struct WaitCase {
  const char* what;
  SettleOptions::Clocks clocks;
  int64_t written_ms;
  int64_t retry_ms;
};

TEST(SettleTracker, WaitsUntilStableForTheSettleTime) {
  const WaitCase cases[] = {
      // ctime says 1.5 s unchanged already: half a second more.
      {"local recent ctime", kLocal, -1500, 500},
      // The server's clock proves nothing here: two looks.
      {"remote old ctime", kRemote, -86400000, 2000},
      // The clock stepped back: a ctime ahead proves nothing.
      {"local ctime ahead", kLocal, 60000, 2000},
  };
  for (const WaitCase& c : cases) {
    SettleTracker tracker = Tracker(c.clocks);
    const FileStat stat = Stat(10, c.written_ms);
    SettleVerdict verdict = tracker.Check(kRoot, "a.jpg", stat, At(0));
    EXPECT_FALSE(verdict.settled) << c.what;
    EXPECT_EQ(verdict.retry_at_ns, At(c.retry_ms)) << c.what;
    EXPECT_TRUE(tracker.Check(kRoot, "a.jpg", stat, At(c.retry_ms)).settled)
        << c.what;
  }
}

TEST(SettleTracker, SettledFileIsForgottenAndStartsOver) {
  SettleTracker tracker = Tracker(kRemote);
  ASSERT_FALSE(tracker.Check(kRoot, "a.jpg", Stat(10, 0), At(0)).settled);
  ASSERT_TRUE(tracker.Check(kRoot, "a.jpg", Stat(10, 0), At(2000)).settled);
  EXPECT_EQ(tracker.waiting(), 0u);
  // Written again later: a new wait.
  EXPECT_FALSE(tracker.Check(kRoot, "a.jpg", Stat(20, 5000), At(5000)).settled);
  EXPECT_EQ(tracker.waiting(), 1u);
}

TEST(SettleTracker, FilesAreApartByRootAndPath) {
  SettleTracker tracker = Tracker(kRemote);
  EXPECT_FALSE(tracker.Check(kRoot, "a.jpg", Stat(10, 0), At(0)).settled);
  EXPECT_FALSE(
      tracker.Check(kOtherRoot, "a.jpg", Stat(99, 0), At(1000)).settled);
  EXPECT_FALSE(tracker.Check(kRoot, "b.jpg", Stat(10, 0), At(1000)).settled);
  EXPECT_EQ(tracker.waiting(), 3u);
  EXPECT_TRUE(tracker.Check(kRoot, "a.jpg", Stat(10, 0), At(2000)).settled);
  EXPECT_FALSE(
      tracker.Check(kOtherRoot, "a.jpg", Stat(99, 0), At(2000)).settled);
}

TEST(SettleTracker, SweepForgetsFilesNotSeenAgain) {
  SettleTracker tracker = Tracker(kRemote);
  tracker.Check(kRoot, "album/gone.jpg", Stat(1, 0), At(0));
  tracker.Check(kRoot, "album/sub/gone.jpg", Stat(1, 0), At(0));
  tracker.Check(kRoot, "album/kept.jpg", Stat(1, 0), At(0));
  tracker.Check(kRoot, "album2/other.jpg", Stat(1, 0), At(0));
  tracker.Check(kOtherRoot, "album/x.jpg", Stat(1, 0), At(0));
  // album listed again at 1 s: kept.jpg still there.
  tracker.Check(kRoot, "album/kept.jpg", Stat(1, 0), At(1000));
  tracker.Sweep(kRoot, "album", At(1000));
  EXPECT_EQ(tracker.waiting(), 3u);
  EXPECT_TRUE(
      tracker.Check(kRoot, "album/kept.jpg", Stat(1, 0), At(2000)).settled);
  EXPECT_TRUE(
      tracker.Check(kRoot, "album2/other.jpg", Stat(1, 0), At(2000)).settled);
  // The whole root ("").
  tracker.Check(kRoot, "top.jpg", Stat(1, 0), At(2000));
  tracker.Sweep(kRoot, "", At(3000));
  EXPECT_EQ(tracker.waiting(), 1u);  // kOtherRoot's
}

TEST(SettleTracker, ForgetDropsOneRoot) {
  SettleTracker tracker = Tracker(kLocal);
  tracker.Check(kRoot, "a.jpg", Stat(1, 0), At(0));
  tracker.Check(kRoot, "b/c.jpg", Stat(1, 0), At(0));
  tracker.Check(kOtherRoot, "a.jpg", Stat(1, 0), At(0));
  tracker.Forget(kRoot);
  EXPECT_EQ(tracker.waiting(), 1u);
}

}  // namespace
}  // namespace phodex::watch
