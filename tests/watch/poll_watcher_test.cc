// The polling backend on FakeFileSystem and FakeClock: Step is called by
// hand, no thread, no sleep.

#include "watch/poll_watcher.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_file_system.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::watch {
namespace {

using Kind = WatchEvent::Kind;
using testing::FakeClock;
using testing::FakeFileSystem;
using testing::TempDir;

constexpr RootId kRoot{7};
constexpr auto kInterval = std::chrono::seconds(300);

PollOptions NoThread() {
  PollOptions options;
  options.thread = PollOptions::Thread::kNone;
  return options;
}

class PollWatcherTest : public ::testing::Test {
 protected:
  PollWatcherTest() {
    fs_.AddDir("/r");
    fs_.AddDir("/r/a/b");
    fs_.AddFile("/r/a/photo.jpg", "x");
  }

  RootWatchState Add(WatchOptions options = {}) {
    options.poll_interval = kInterval;
    const Result<RootWatchState> state =
        watcher_->AddRoot(kRoot, "/r", options);
    EXPECT_TRUE(state.has_value()) << state.error().ToString();
    return state.value_or(RootWatchState{});
  }

  // Moves the clock one interval on and polls.
  std::vector<WatchEvent> PollAfterInterval() {
    clock_.Advance(kInterval);
    EXPECT_EQ(watcher_->Step(clock_.MonotonicNs()), 1);
    return watcher_->Poll(1000, std::chrono::milliseconds(0));
  }

  RootWatchState State() {
    const std::vector<RootWatchState> states = watcher_->States();
    EXPECT_EQ(states.size(), 1u);
    return states.empty() ? RootWatchState{} : states[0];
  }

  // A change to `dir`'s entries moves its mtime.
  void Changed(const std::string& dir) { fs_.Touch(dir, next_mtime_ns_++); }

  FakeFileSystem fs_;
  FakeClock clock_;
  std::unique_ptr<PollWatcher> watcher_ =
      PollWatcher::Create(fs_, clock_, NoThread());
  int64_t next_mtime_ns_ = 5'000'000'000;
};

bool Is(const WatchEvent& e, Kind kind, const std::string& dir,
        const std::string& name) {
  return e.kind == kind && e.root == kRoot && e.dir == dir && e.name == name &&
         e.entry == WatchEvent::Entry::kFolder;
}

TEST_F(PollWatcherTest, AddRootRemembersEveryFolder) {
  const RootWatchState state = Add();
  EXPECT_EQ(state.method, WatchMethod::kPolling);
  EXPECT_EQ(state.folders, 3);  // /r, a, a/b
  EXPECT_EQ(state.last_poll_ns, FakeClock::kStartUnixNs);
}

TEST_F(PollWatcherTest, NothingHappensBeforeTheInterval) {
  Add();
  Changed("/r/a");
  clock_.Advance(kInterval - std::chrono::seconds(1));
  EXPECT_EQ(watcher_->Step(clock_.MonotonicNs()), 0);
  EXPECT_TRUE(watcher_->Poll(10, std::chrono::milliseconds(0)).empty());
  EXPECT_EQ(watcher_->NextDueNs(),
            FakeClock::kStartMonotonicNs +
                std::chrono::nanoseconds(kInterval).count());
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(watcher_->Step(clock_.MonotonicNs()), 1);
  EXPECT_EQ(watcher_->Poll(10, std::chrono::milliseconds(0)).size(), 1u);
}

TEST_F(PollWatcherTest, ChangedFolderMtimeGivesModifiedOfTheFolder) {
  Add();
  Changed("/r/a/b");
  const std::vector<WatchEvent> events = PollAfterInterval();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(Is(events[0], Kind::kModified, "a/b", ""));
  // Unchanged since: nothing more.
  EXPECT_TRUE(PollAfterInterval().empty());
  EXPECT_EQ(State().last_poll_ns,
            FakeClock::kStartUnixNs +
                2 * std::chrono::nanoseconds(kInterval).count());
}

TEST_F(PollWatcherTest, NewAndRemovedFoldersAreReported) {
  Add();
  fs_.AddDir("/r/new/deeper");
  fs_.Remove("/r/a");
  Changed("/r");
  const std::vector<WatchEvent> events = PollAfterInterval();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(Is(events[0], Kind::kModified, "", ""));
  EXPECT_TRUE(Is(events[1], Kind::kCreated, "", "new"));
  EXPECT_TRUE(Is(events[2], Kind::kRemoved, "", "a"));
  EXPECT_EQ(State().folders, 3);  // /r, new, new/deeper
  // The new sub-tree is polled from now on.
  Changed("/r/new/deeper");
  const std::vector<WatchEvent> later = PollAfterInterval();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_TRUE(Is(later[0], Kind::kModified, "new/deeper", ""));
}

TEST_F(PollWatcherTest, RenamedFolderIsAPairedMove) {
  fs_.AddDir("/r/c");
  Add();
  ASSERT_TRUE(fs_.Rename("/r/a", "/r/c/z", os::Replace::kNo).has_value());
  Changed("/r");
  Changed("/r/c");
  const std::vector<WatchEvent> events = PollAfterInterval();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(Is(events[0], Kind::kModified, "", ""));
  EXPECT_TRUE(Is(events[1], Kind::kModified, "c", ""));
  EXPECT_TRUE(Is(events[2], Kind::kMovedFrom, "", "a"));
  EXPECT_TRUE(Is(events[3], Kind::kMovedTo, "c", "z"));
  EXPECT_EQ(events[2].cookie, events[3].cookie);
  EXPECT_NE(events[2].cookie, 0u);
  EXPECT_EQ(State().folders, 4);  // /r, c, c/z, c/z/b
}

TEST_F(PollWatcherTest, MissingRootFolderIsRootGoneAndOffline) {
  Add();
  fs_.Remove("/r");
  const std::vector<WatchEvent> events = PollAfterInterval();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kRootGone);
  ASSERT_TRUE(events[0].error.has_value());
  EXPECT_EQ(State().method, WatchMethod::kOffline);
  EXPECT_FALSE(watcher_->NextDueNs().has_value());
  clock_.Advance(kInterval);
  EXPECT_EQ(watcher_->Step(clock_.MonotonicNs()), 0);
}

TEST_F(PollWatcherTest, ExcludedAndHiddenFoldersAreNotPolled) {
  fs_.AddDir("/r/data/cache");
  fs_.AddDir("/r/.git/objects");
  WatchOptions options;
  options.exclude = {"data"};
  EXPECT_EQ(Add(options).folders, 3);
  Changed("/r/data/cache");
  Changed("/r/.git/objects");
  clock_.Advance(kInterval);
  EXPECT_EQ(watcher_->Step(clock_.MonotonicNs()), 1);
  EXPECT_TRUE(watcher_->Poll(10, std::chrono::milliseconds(0)).empty());
}

TEST_F(PollWatcherTest, MissingRootIsOfflineAndAFileIsRefused) {
  const Result<RootWatchState> missing =
      watcher_->AddRoot(kRoot, "/nowhere", {});
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->method, WatchMethod::kOffline);
  EXPECT_FALSE(watcher_->AddRoot(kRoot, "/r/a/photo.jpg", {}).has_value());
}

TEST_F(PollWatcherTest, RemoveRootStopsPollingIt) {
  Add();
  Changed("/r/a");
  watcher_->RemoveRoot(kRoot);
  EXPECT_TRUE(watcher_->States().empty());
  clock_.Advance(kInterval);
  EXPECT_EQ(watcher_->Step(clock_.MonotonicNs()), 0);
}

// The thread of real use, on a real folder and clock: a bounded wait for
// the first poll (1 s interval), no timing asserted.
TEST(PollWatcherThread, PollsWhenDue) {
  TempDir dir;
  auto fs = os::NewPosixFileSystem();
  auto watcher = PollWatcher::Create(*fs, os::SystemClock());
  WatchOptions options;
  options.poll_interval = std::chrono::seconds(1);
  ASSERT_EQ(watcher->AddRoot(kRoot, dir.path(), options)->method,
            WatchMethod::kPolling);
  std::filesystem::create_directories(dir / "new");
  bool created = false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!created && std::chrono::steady_clock::now() < deadline) {
    for (const WatchEvent& e :
         watcher->Poll(10, std::chrono::milliseconds(100))) {
      created = created || (e.kind == Kind::kCreated && e.name == "new");
    }
  }
  EXPECT_TRUE(created);
}

}  // namespace
}  // namespace phodex::watch
