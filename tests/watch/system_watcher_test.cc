// The system watcher's choice of method per root (on FakeFileSystem where
// no real folder is needed, on a real temp tree for inotify), and the
// fake watcher the service's tests use.

#include "watch/system_watcher.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_file_system.h"
#include "tests/fakes/fake_watcher.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::watch {
namespace {

using Kind = WatchEvent::Kind;
using testing::FakeClock;
using testing::FakeFileSystem;
using testing::FakeWatcher;
using testing::TempDir;

constexpr RootId kRoot{3};

SystemWatcherOptions NoPollThread() {
  SystemWatcherOptions options;
  options.poll_thread = PollOptions::Thread::kNone;
  return options;
}

RootWatchState OnlyState(Watcher& w) {
  const std::vector<RootWatchState> states = w.States();
  EXPECT_EQ(states.size(), 1u);
  return states.empty() ? RootWatchState{} : states[0];
}

TEST(PolledFileSystemReason, NetworkAndFuseArePolledLocalOnesWatched) {
  for (const char* type : {"nfs", "nfs4", "cifs", "smb3", "9p", "ceph",
                           "fuse.sshfs", "fuse.rclone", "fuse", "virtiofs"}) {
    const std::optional<std::string> why = PolledFileSystemReason(type);
    ASSERT_TRUE(why.has_value()) << type;
    EXPECT_TRUE(why->starts_with(std::string(type) + " is ")) << *why;
  }
  for (const char* type : {"ext4", "btrfs", "xfs", "tmpfs", "vfat", "exfat",
                           "fuseblk", "fuse.ntfs-3g", "overlay", ""}) {
    EXPECT_FALSE(PolledFileSystemReason(type).has_value()) << type;
  }
}

TEST(SystemWatcher, ForcedPollingRootIsPolled) {
  FakeFileSystem fs;
  FakeClock clock;
  fs.AddDir("/r/a");
  auto w = NewSystemWatcher(fs, clock, NoPollThread());
  WatchOptions options;
  options.force = WatchOptions::Force::kPolling;
  options.poll_interval = std::chrono::seconds(60);
  const Result<RootWatchState> state = w->AddRoot(kRoot, "/r", options);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->method, WatchMethod::kPolling);
  EXPECT_EQ(state->folders, 2);
  EXPECT_FALSE(state->reason.empty());
  fs.Touch("/r/a", 9'000'000'000);
  clock.Advance(std::chrono::seconds(60));
  EXPECT_EQ(w->poll_watcher_for_testing().Step(clock.MonotonicNs()), 1);
  const std::vector<WatchEvent> events =
      w->Poll(10, std::chrono::milliseconds(0));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kModified);
  EXPECT_EQ(events[0].dir, "a");
  const RootWatchState now = OnlyState(*w);
  EXPECT_EQ(now.method, WatchMethod::kPolling);
  EXPECT_EQ(now.reason, state->reason);
  EXPECT_EQ(now.last_poll_ns, clock.NowUnixNs());
}

TEST(SystemWatcher, NetworkFileSystemIsPolledWithItsReason) {
  FakeFileSystem fs;
  FakeClock clock;
  fs.AddDir("/mnt/nas/photos");
  fs.SetFileSystemIdentity("/mnt/nas", FileSystemIdentity{"", "nfs4", 0});
  auto w = NewSystemWatcher(fs, clock, NoPollThread());
  const Result<RootWatchState> state =
      w->AddRoot(kRoot, "/mnt/nas/photos", {});
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->method, WatchMethod::kPolling);
  EXPECT_TRUE(state->reason.starts_with("nfs4 is a network file system"))
      << state->reason;
}

TEST(SystemWatcher, MissingRootIsOfflineAndAFileIsRefused) {
  FakeFileSystem fs;
  FakeClock clock;
  fs.AddFile("/file.jpg", "x");
  auto w = NewSystemWatcher(fs, clock, NoPollThread());
  const Result<RootWatchState> state = w->AddRoot(kRoot, "/gone", {});
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->method, WatchMethod::kOffline);
  EXPECT_EQ(OnlyState(*w).method, WatchMethod::kOffline);
  EXPECT_FALSE(w->AddRoot(RootId{4}, "/file.jpg", {}).has_value());
  w->RemoveRoot(kRoot);
  EXPECT_TRUE(w->States().empty());
}

TEST(SystemWatcher, LocalRootIsWatchedByInotify) {
  TempDir dir;
  std::filesystem::create_directories(dir / "a");
  auto fs = os::NewPosixFileSystem();
  auto w = NewSystemWatcher(*fs, os::SystemClock(), NoPollThread());
  const Result<RootWatchState> state = w->AddRoot(kRoot, dir.path(), {});
  ASSERT_TRUE(state.has_value());
  if (state->method == WatchMethod::kPolling) {
    GTEST_SKIP() << "temp folder not watchable here: " << state->reason;
  }
  EXPECT_EQ(state->method, WatchMethod::kInotify);
  EXPECT_EQ(OnlyState(*w).folders, 2);
}

TEST(SystemWatcher, OutOfWatchesFallsBackToPollingNamingTheSysctl) {
  TempDir dir;
  std::filesystem::create_directories(dir / "a/b");
  auto fs = os::NewPosixFileSystem();
  SystemWatcherOptions options = NoPollThread();
  options.max_inotify_watches_for_testing = 2;
  auto w = NewSystemWatcher(*fs, os::SystemClock(), options);
  const Result<RootWatchState> state = w->AddRoot(kRoot, dir.path(), {});
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->method, WatchMethod::kPolling);
  EXPECT_EQ(state->folders, 3);
  EXPECT_NE(state->reason.find("fs.inotify.max_user_watches"),
            std::string::npos)
      << state->reason;
}

TEST(SystemWatcher, WatchesRunningOutLaterMoveTheRootToPolling) {
  TempDir dir;
  auto fs = os::NewPosixFileSystem();
  SystemWatcherOptions options = NoPollThread();
  options.max_inotify_watches_for_testing = 2;
  auto w = NewSystemWatcher(*fs, os::SystemClock(), options);
  ASSERT_EQ(w->AddRoot(kRoot, dir.path(), {})->method, WatchMethod::kInotify);
  if (w->States()[0].method != WatchMethod::kInotify) GTEST_SKIP();
  std::filesystem::create_directories(dir / "a/b/c");
  bool lost = false;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::seconds(10);
  while (!lost && std::chrono::steady_clock::now() < deadline) {
    for (const WatchEvent& e : w->Poll(100, std::chrono::milliseconds(50))) {
      lost = lost || (e.kind == Kind::kWatchLost && e.dir.empty());
    }
  }
  ASSERT_TRUE(lost);
  const RootWatchState now = OnlyState(*w);
  EXPECT_EQ(now.method, WatchMethod::kPolling);
  EXPECT_EQ(now.folders, 4);
  EXPECT_NE(now.reason.find("fs.inotify.max_user_watches"), std::string::npos)
      << now.reason;
}

TEST(FakeWatcher, DeliversPushedEventsAndRecordsCalls) {
  FakeWatcher w;
  RootWatchState polled;
  polled.method = WatchMethod::kPolling;
  polled.reason = "nfs4 is polled";
  w.SetAddRootResult(RootId{2}, polled);
  w.SetAddRootError(RootId{3}, Error(ErrorCode::kInvalidArgument, "no"));
  EXPECT_EQ(w.AddRoot(RootId{1}, "/a", {})->method, WatchMethod::kInotify);
  EXPECT_EQ(w.AddRoot(RootId{2}, "/b", {})->reason, "nfs4 is polled");
  EXPECT_FALSE(w.AddRoot(RootId{3}, "/c", {}).has_value());
  EXPECT_EQ(w.States().size(), 2u);
  ASSERT_EQ(w.add_root_calls().size(), 3u);
  EXPECT_EQ(w.add_root_calls()[1].path, "/b");

  WatchEvent e;
  e.root = RootId{1};
  e.name = "x.jpg";
  w.Push({e, e, e});  // verbatim: nothing coalesced
  EXPECT_EQ(w.Poll(2, std::chrono::milliseconds(0)).size(), 2u);
  EXPECT_EQ(w.Poll(10, std::chrono::milliseconds(0)).size(), 1u);
  EXPECT_TRUE(w.Poll(10, std::chrono::milliseconds(1)).empty());
  w.Wake();
  EXPECT_TRUE(w.Poll(10, std::chrono::hours(1)).empty());
  EXPECT_EQ(w.wake_calls(), 1);
  w.Push({e});
  w.RemoveRoot(RootId{1});
  EXPECT_EQ(w.pending(), 0u);
  EXPECT_EQ(w.remove_root_calls(), std::vector<RootId>{RootId{1}});
}

}  // namespace
}  // namespace phodex::watch
