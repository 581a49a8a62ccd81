// The inotify backend on real temp trees. Waits are bounded polling loops
// (a deadline, Poll's own timeout), never fixed sleeps; nothing asserts a
// timing.

#include "watch/inotify_watcher.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fakes/temp_dir.h"

namespace phodex::watch {
namespace {

namespace fs = std::filesystem;
using Kind = WatchEvent::Kind;
using testing::TempDir;

constexpr RootId kRoot{1};
constexpr auto kDeadline = std::chrono::seconds(10);

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

// Polls `w` until `done` holds for the events so far or the deadline
// passes; returns every event seen.
std::vector<WatchEvent> PollUntil(
    Watcher& w, const std::function<bool(const std::vector<WatchEvent>&)>& done) {
  std::vector<WatchEvent> seen;
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!done(seen) && std::chrono::steady_clock::now() < deadline) {
    for (WatchEvent& e : w.Poll(1000, std::chrono::milliseconds(50))) {
      seen.push_back(std::move(e));
    }
  }
  return seen;
}

// Whether `events` hold one of `kind` for `name` in `dir`.
bool Has(const std::vector<WatchEvent>& events, Kind kind,
         const std::string& dir, const std::string& name) {
  for (const WatchEvent& e : events) {
    if (e.kind == kind && e.dir == dir && e.name == name) return true;
  }
  return false;
}

std::function<bool(const std::vector<WatchEvent>&)> Seen(
    Kind kind, std::string dir, std::string name) {
  return [=](const std::vector<WatchEvent>& events) {
    return Has(events, kind, dir, name);
  };
}

// Polls until an event of `kind` for `name` in `dir` comes; whether it
// did.
bool Saw(Watcher& w, Kind kind, const std::string& dir,
         const std::string& name) {
  return Has(PollUntil(w, Seen(kind, dir, name)), kind, dir, name);
}

int64_t Folders(Watcher& w) {
  const std::vector<RootWatchState> states = w.States();
  return states.empty() ? -1 : states[0].folders;
}

// Waits until the root's watched folders are `n`.
bool WaitForFolders(Watcher& w, int64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (Folders(w) != n && std::chrono::steady_clock::now() < deadline) {
    (void)w.Poll(1000, std::chrono::milliseconds(20));  // events not needed
  }
  return Folders(w) == n;
}

std::unique_ptr<InotifyWatcher> NewWatcher(InotifyOptions options = {}) {
  auto w = InotifyWatcher::Create(std::move(options));
  EXPECT_TRUE(w.has_value()) << w.error().ToString();
  return std::move(*w);
}

RootWatchState Add(Watcher& w, const std::string& path,
                   const WatchOptions& options = {}) {
  const Result<RootWatchState> state = w.AddRoot(kRoot, path, options);
  EXPECT_TRUE(state.has_value()) << state.error().ToString();
  return state.value_or(RootWatchState{});
}

TEST(InotifyWatcher, CreateWriteCloseGivesCreatedThenModified) {
  TempDir dir;
  auto w = NewWatcher();
  const RootWatchState state = Add(*w, dir.path());
  EXPECT_EQ(state.method, WatchMethod::kInotify);
  EXPECT_EQ(state.folders, 1);
  WriteFile(dir / "a.jpg", "jpeg bytes");
  const auto events = PollUntil(*w, Seen(Kind::kModified, "", "a.jpg"));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind, Kind::kCreated);
  EXPECT_EQ(events[0].name, "a.jpg");
  EXPECT_EQ(events[0].dir, "");
  EXPECT_EQ(events[0].root, kRoot);
  EXPECT_EQ(events[0].entry, WatchEvent::Entry::kFile);
  EXPECT_TRUE(Has(events, Kind::kModified, "", "a.jpg"));
}

TEST(InotifyWatcher, RenamesPairMovedFromAndMovedToByCookie) {
  TempDir dir;
  fs::create_directories(dir / "x");
  fs::create_directories(dir / "y");
  WriteFile(dir / "x/a.jpg", "a");
  auto w = NewWatcher();
  Add(*w, dir.path());
  fs::rename(dir / "x/a.jpg", dir / "x/b.jpg");
  fs::rename(dir / "x/b.jpg", dir / "y/c.jpg");
  const auto events = PollUntil(*w, Seen(Kind::kMovedTo, "y", "c.jpg"));
  std::vector<const WatchEvent*> moves;
  for (const WatchEvent& e : events) {
    if (e.kind == Kind::kMovedFrom || e.kind == Kind::kMovedTo) {
      moves.push_back(&e);
    }
  }
  ASSERT_EQ(moves.size(), 4u);
  EXPECT_EQ(moves[0]->kind, Kind::kMovedFrom);
  EXPECT_EQ(moves[0]->name, "a.jpg");
  EXPECT_EQ(moves[1]->kind, Kind::kMovedTo);
  EXPECT_EQ(moves[1]->name, "b.jpg");
  EXPECT_EQ(moves[0]->cookie, moves[1]->cookie);
  EXPECT_NE(moves[0]->cookie, 0u);
  EXPECT_EQ(moves[2]->dir, "x");
  EXPECT_EQ(moves[3]->dir, "y");
  EXPECT_EQ(moves[2]->cookie, moves[3]->cookie);
  EXPECT_NE(moves[1]->cookie, moves[3]->cookie);
}

TEST(InotifyWatcher, NewSubFolderIsWatched) {
  TempDir dir;
  auto w = NewWatcher();
  Add(*w, dir.path());
  fs::create_directories(dir / "new/deeper");
  const auto events = PollUntil(*w, Seen(Kind::kCreated, "", "new"));
  ASSERT_TRUE(Has(events, Kind::kCreated, "", "new"));
  EXPECT_EQ(events.back().entry, WatchEvent::Entry::kFolder);
  ASSERT_TRUE(WaitForFolders(*w, 3));
  WriteFile(dir / "new/deeper/a.jpg", "a");
  EXPECT_TRUE(Saw(*w, Kind::kCreated, "new/deeper", "a.jpg"));
}

TEST(InotifyWatcher, RemovedFolderWatchIsDropped) {
  TempDir dir;
  fs::create_directories(dir / "a/b");
  auto w = NewWatcher();
  EXPECT_EQ(Add(*w, dir.path()).folders, 3);
  fs::remove_all(dir / "a");
  EXPECT_TRUE(Saw(*w, Kind::kRemoved, "", "a"));
  EXPECT_TRUE(WaitForFolders(*w, 1));
}

TEST(InotifyWatcher, RenamedFolderKeepsItsWatches) {
  TempDir dir;
  fs::create_directories(dir / "a/sub");
  auto w = NewWatcher();
  Add(*w, dir.path());
  fs::rename(dir / "a", dir / "b");
  auto events = PollUntil(*w, Seen(Kind::kMovedTo, "", "b"));
  ASSERT_TRUE(Has(events, Kind::kMovedFrom, "", "a"));
  EXPECT_EQ(Folders(*w), 3);
  WriteFile(dir / "b/sub/x.jpg", "x");
  EXPECT_TRUE(Saw(*w, Kind::kCreated, "b/sub", "x.jpg"));
}

TEST(InotifyWatcher, FolderMovedOutOfTheRootLosesItsWatches) {
  TempDir dir;
  fs::create_directories(dir / "root/a/sub");
  fs::create_directories(dir / "elsewhere");
  auto w = NewWatcher();
  EXPECT_EQ(Add(*w, dir / "root").folders, 3);
  fs::rename(dir / "root/a", dir / "elsewhere/a");
  EXPECT_TRUE(Saw(*w, Kind::kMovedFrom, "", "a"));
  EXPECT_TRUE(WaitForFolders(*w, 1));
  // Writes in the moved-away folder are not reported under a stale path.
  WriteFile(dir / "elsewhere/a/sub/x.jpg", "x");
  WriteFile(dir / "root/sentinel.jpg", "s");
  const auto later = PollUntil(*w, Seen(Kind::kCreated, "", "sentinel.jpg"));
  for (const WatchEvent& e : later) EXPECT_NE(e.name, "x.jpg");
}

TEST(InotifyWatcher, ExcludedAndHiddenNamesAreNeverReported) {
  TempDir dir;
  fs::create_directories(dir / "data/cache");
  fs::create_directories(dir / ".git");
  fs::create_directories(dir / "@eaDir");
  fs::create_directories(dir / "sub/skip");
  auto w = NewWatcher();
  WatchOptions options;
  options.exclude = {"data", "*.psd", dir / "catalog.db*", "sub/skip"};
  EXPECT_EQ(Add(*w, dir.path(), options).folders, 2);  // the top, sub
  WriteFile(dir / "data/cache/x.jpg", "x");
  WriteFile(dir / "sub/skip/x.jpg", "x");
  WriteFile(dir / ".git/index", "x");
  WriteFile(dir / ".hidden.jpg", "x");
  WriteFile(dir / "layers.psd", "x");
  WriteFile(dir / ".a.jpg.phodex-tmp-abc123", "x");
  WriteFile(dir / "catalog.db-wal", "x");
  fs::create_directories(dir / ".cache/inner");
  fs::create_directories(dir / "data2");
  const auto events = PollUntil(*w, Seen(Kind::kCreated, "", "data2"));
  ASSERT_TRUE(Has(events, Kind::kCreated, "", "data2"));
  for (const WatchEvent& e : events) {
    EXPECT_EQ(e.name, "data2") << e.dir << "/" << e.name;
  }
  EXPECT_TRUE(WaitForFolders(*w, 3));  // and data2
}

TEST(InotifyWatcher, FullQueueGivesOneOverflowForTheRoot) {
  TempDir dir;
  InotifyOptions options;
  options.queue_capacity = 4;
  auto w = NewWatcher(options);
  Add(*w, dir.path());
  for (int i = 0; i < 20; ++i) {
    WriteFile(dir / ("f" + std::to_string(i) + ".jpg"), "x");
  }
  const auto events = PollUntil(*w, [](const std::vector<WatchEvent>& seen) {
    for (const WatchEvent& e : seen) {
      if (e.kind == Kind::kOverflow) return true;
    }
    return false;
  });
  int overflows = 0;
  for (const WatchEvent& e : events) {
    if (e.kind != Kind::kOverflow) continue;
    ++overflows;
    EXPECT_EQ(e.root, kRoot);
    EXPECT_EQ(e.dir, "");
  }
  EXPECT_GE(overflows, 1);
  // Bounded: the events before each overflow, and the overflow itself.
  EXPECT_LE(events.size(), 5u * static_cast<size_t>(overflows));
}

TEST(InotifyWatcher, KernelOverflowRewatchesThenAsksForARescan) {
  TempDir dir;
  fs::create_directories(dir / "a/b");
  auto w = NewWatcher();
  Add(*w, dir.path());
  w->SimulateOverflowForTesting();
  const auto events = PollUntil(*w, Seen(Kind::kOverflow, "", ""));
  ASSERT_TRUE(Has(events, Kind::kOverflow, "", ""));
  EXPECT_EQ(Folders(*w), 3);
  WriteFile(dir / "a/b/x.jpg", "x");
  EXPECT_TRUE(Saw(*w, Kind::kCreated, "a/b", "x.jpg"));
}

TEST(InotifyWatcher, OutOfWatchesAtAddRootAsksForPollingNamingTheSysctl) {
  TempDir dir;
  fs::create_directories(dir / "a/b/c");
  InotifyOptions options;
  options.max_watches_for_testing = 2;
  auto w = NewWatcher(options);
  const RootWatchState state = Add(*w, dir.path());
  EXPECT_EQ(state.method, WatchMethod::kPolling);
  EXPECT_NE(state.reason.find("out of inotify watches"), std::string::npos)
      << state.reason;
  EXPECT_NE(state.reason.find("fs.inotify.max_user_watches"),
            std::string::npos)
      << state.reason;
  EXPECT_TRUE(w->States().empty());  // nothing left watched
}

TEST(InotifyWatcher, OutOfWatchesLaterGivesWatchLostForTheRoot) {
  TempDir dir;
  InotifyOptions options;
  options.max_watches_for_testing = 2;
  auto w = NewWatcher(options);
  Add(*w, dir.path());
  fs::create_directories(dir / "a/b/c");
  const auto events = PollUntil(*w, Seen(Kind::kWatchLost, "", ""));
  ASSERT_TRUE(Has(events, Kind::kWatchLost, "", ""));
  for (const WatchEvent& e : events) {
    if (e.kind != Kind::kWatchLost) continue;
    ASSERT_TRUE(e.error.has_value());
    EXPECT_TRUE(IsOutOfWatches(*e.error)) << e.error->ToString();
  }
  const std::vector<RootWatchState> states = w->States();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].method, WatchMethod::kPolling);
  EXPECT_EQ(states[0].folders, 0);
  EXPECT_NE(states[0].reason.find("fs.inotify.max_user_watches"),
            std::string::npos);
}

TEST(InotifyWatcher, RemovingTheRootFolderGivesRootGone) {
  TempDir dir;
  fs::create_directories(dir / "root/sub");
  auto w = NewWatcher();
  Add(*w, dir / "root");
  fs::remove_all(dir / "root");
  ASSERT_TRUE(Saw(*w, Kind::kRootGone, "", ""));
  const std::vector<RootWatchState> states = w->States();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].method, WatchMethod::kOffline);
  EXPECT_EQ(states[0].folders, 0);
}

TEST(InotifyWatcher, MissingRootIsOfflineAndAFileIsRefused) {
  TempDir dir;
  auto w = NewWatcher();
  EXPECT_EQ(Add(*w, dir / "missing").method, WatchMethod::kOffline);
  WriteFile(dir / "file", "x");
  EXPECT_FALSE(w->AddRoot(kRoot, dir / "file", {}).has_value());
}

TEST(InotifyWatcher, ModifyFloodOfALargeWriteIsCoalesced) {
  TempDir dir;
  auto w = NewWatcher();
  Add(*w, dir.path());
  constexpr int kWrites = 2000;
  {
    const int fd = ::open((dir / "big.mov").c_str(),
                          O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    const std::string block(4096, 'x');
    for (int i = 0; i < kWrites; ++i) {
      ASSERT_EQ(::write(fd, block.data(), block.size()),
                static_cast<ssize_t>(block.size()));
    }
    ::close(fd);
  }
  WriteFile(dir / "sentinel.jpg", "s");
  const auto events = PollUntil(*w, Seen(Kind::kCreated, "", "sentinel.jpg"));
  int modified = 0;
  for (const WatchEvent& e : events) {
    if (e.name == "big.mov" && e.kind == Kind::kModified) ++modified;
  }
  EXPECT_GE(modified, 1);
  EXPECT_LT(modified, kWrites / 10);
}

TEST(InotifyWatcher, RemoveRootDropsItsEventsAndWatches) {
  TempDir dir;
  auto w = NewWatcher();
  Add(*w, dir.path());
  WriteFile(dir / "a.jpg", "a");
  (void)PollUntil(*w, Seen(Kind::kCreated, "", "a.jpg"));  // it is live
  w->RemoveRoot(kRoot);
  EXPECT_TRUE(w->States().empty());
  WriteFile(dir / "b.jpg", "b");
  EXPECT_TRUE(w->Poll(100, std::chrono::milliseconds(100)).empty());
}

TEST(InotifyWatcher, WakeReturnsABlockedPoll) {
  auto w = NewWatcher();
  w->Wake();
  EXPECT_TRUE(w->Poll(10, std::chrono::hours(1)).empty());
}

TEST(InotifyWatcher, OutOfWatchesReasonNamesTheSysctlAndAValue) {
  EXPECT_EQ(OutOfWatchesReason(8192),
            "out of inotify watches (fs.inotify.max_user_watches = 8192): "
            "raise it to 131072 (packaging/sysctl.d/90-phodex-inotify.conf)");
  EXPECT_EQ(OutOfWatchesReason(524288),
            "out of inotify watches (fs.inotify.max_user_watches = 524288): "
            "raise it to 1048576 (packaging/sysctl.d/90-phodex-inotify.conf)");
  EXPECT_EQ(OutOfWatchesReason(0),
            "out of inotify watches: raise fs.inotify.max_user_watches to "
            "131072 (packaging/sysctl.d/90-phodex-inotify.conf)");
}

}  // namespace
}  // namespace phodex::watch
