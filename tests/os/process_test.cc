// os/process.h: interrupts that wait for an atomic write to finish or roll
// back (no stray temp), the temp names a killed write leaves and their
// removal, and telling a stranded operation's process from a live one.
// Each signal test runs in a forked child: the handlers are process-wide
// and end the process.

#include "os/process.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <memory>
#include <vector>

#include "os/file_system.h"
#include "util/sanitizers.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::os {
namespace {

namespace fs = std::filesystem;
using ::phodex::testing::TempDir;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs `child` in a forked process and returns its exit status (1000 +
// the signal for a process killed by one).
int InChild(const std::function<int()>& child) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(child());
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 1000 + WTERMSIG(status) : -1;
}

// A write whose fault hook raises `signals` signals at `step` and then
// lets the step go on (or fails it, with `fail`).
std::unique_ptr<FileSystem> SignalledFs(WriteStep at, int signals,
                                        bool fail = false) {
  return NewPosixFileSystemForTesting(
      [=](WriteStep step, const std::string& path) -> Status {
        if (step != at) return {};
        for (int i = 0; i < signals; ++i) ::kill(::getpid(), SIGINT);
        if (fail) return MakeError(ErrorCode::kIo, "injected", "write", path);
        return {};
      });
}

// Ctrl-C in the middle of an atomic write: the process still ends with 130,
// but only once the new file is in place, with no temp beside it.
TEST(Interrupt, WaitsForAnAtomicWriteAndLeavesNoTemp) {
  TempDir dir;
  const std::string target = dir / "a.jpg.xmp";
  std::ofstream(target) << "old";
  const int rc = InChild([&] {
    ExitOnInterrupt();
    auto st = SignalledFs(WriteStep::kSyncTemp, 1)->AtomicWrite(target, "new");
    return st ? 0 : 2;  // not reached: the exit waited for the write
  });
  EXPECT_EQ(rc, 130);
  EXPECT_EQ(Read(target), "new");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"a.jpg.xmp"});
}

// The same in a command that watches the flag: the first signal only sets
// it, the second would exit at once, and waits for the write instead.
TEST(Interrupt, ASecondSignalWaitsForAReplaceToRollBack) {
  TempDir dir;
  const std::string target = dir / "a.jpg";
  std::ofstream(target) << "photo";
  const int rc = InChild([&] {
    const std::atomic<bool>& flag = InstallInterruptHandler();
    auto fs = SignalledFs(WriteStep::kRename, 2, /*fail=*/true);
    auto st = fs->ReplaceFile(
        target, [](TempFile& t) { return t.WriteAt(0, "PHOTO"); });
    return st || !flag.load() ? 2 : 0;  // not reached either
  });
  EXPECT_EQ(rc, 130);
  EXPECT_EQ(Read(target), "photo");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"a.jpg"});
}

TEST(Interrupt, TheFirstSignalOnlySetsTheFlagWhenWatched) {
  const int rc = InChild([] {
    const std::atomic<bool>& flag = InstallInterruptHandler();
    ::kill(::getpid(), SIGHUP);
    ::kill(::getpid(), SIGTERM);  // the second one ends it
    return flag.load() ? 3 : 2;
  });
  EXPECT_EQ(rc, 130);
  EXPECT_EQ(InChild([] {
              const std::atomic<bool>& flag = InstallInterruptHandler();
              ::kill(::getpid(), SIGHUP);
              return flag.load() && Interrupted() ? 7 : 2;
            }),
            7);
  EXPECT_EQ(InChild([] {
              ExitOnInterrupt();
              ::kill(::getpid(), SIGHUP);
              return 2;
            }),
            130);
}

TEST(WriteTemps, OnlyTheExactPatternIsATemp) {
  EXPECT_TRUE(IsWriteTempName(".a.jpg.phodex-tmp-AbC123"));
  EXPECT_TRUE(IsWriteTempName(".IMG 1.CR2.xmp.phodex-tmp-000000"));
  EXPECT_FALSE(IsWriteTempName(".a.jpg.phodex-tmp-AbC12"));    // 5 letters
  EXPECT_FALSE(IsWriteTempName(".a.jpg.phodex-tmp-AbC1234"));  // 7
  EXPECT_FALSE(IsWriteTempName(".a.jpg.phodex-tmp-AbC-23"));
  EXPECT_FALSE(IsWriteTempName("a.jpg.phodex-tmp-AbC123"));  // not hidden
  EXPECT_FALSE(IsWriteTempName("..phodex-tmp-AbC123"));      // no name
  EXPECT_FALSE(IsWriteTempName(".a.jpg.phodex-copy-7-1"));   // dupes' own
  EXPECT_FALSE(IsWriteTempName(".a.jpg.phodex-link-7-1"));
  EXPECT_FALSE(IsWriteTempName(".a.jpg"));
}

void SetMtime(const std::string& path, std::chrono::seconds ago) {
  const auto t = std::chrono::system_clock::now() - ago;
  const auto s =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch());
  const struct timeval times[2] = {{s.count(), 0}, {s.count(), 0}};
  ASSERT_EQ(::utimes(path.c_str(), times), 0);
}

// What a write killed by SIGKILL left is removed by the next write into
// that folder; a fresh temp (a write in progress) and other names stay.
TEST(WriteTemps, TheNextWriteIntoTheFolderRemovesOldStrays) {
  TempDir dir;
  const std::string stray = dir / ".a.jpg.xmp.phodex-tmp-Xy12Zw";
  const std::string fresh = dir / ".b.jpg.phodex-tmp-Qq11Rr";
  const std::string lookalike = dir / ".a.jpg.phodex-tmp-Xy12Z";
  const std::string users = dir / "notes.phodex-tmp-Xy12Zw";
  for (const std::string& p : {stray, fresh, lookalike, users}) {
    std::ofstream(p) << "x";
    if (p != fresh) SetMtime(p, std::chrono::hours(1));
  }
  auto fs = NewPosixFileSystem();
  ASSERT_TRUE(fs->AtomicWrite(dir / "c.jpg.xmp", "rating"));
  EXPECT_FALSE(fs::exists(stray));
  for (const std::string& p : {fresh, lookalike, users}) {
    EXPECT_TRUE(fs::exists(p)) << p;
  }
}

// What `serve` does after a reconciliation: memory freed below a block
// still in use stays with the process until it is given back.
TEST(ReleaseFreeMemory, GivesBackWhatTheHeapKeptAfterAPeak) {
  if (PHODEX_ASAN_BUILD || PHODEX_TSAN_BUILD) {
    GTEST_SKIP() << "the sanitizers' allocators keep their own heap";
  }
  constexpr size_t kBlock = 4096;
  constexpr size_t kBlocks = (size_t{192} << 20) / kBlock;  // 192 MiB
  std::vector<std::unique_ptr<char[]>> blocks;
  blocks.reserve(kBlocks);
  for (size_t i = 0; i < kBlocks; ++i) {
    blocks.emplace_back(new char[kBlock]);
    std::memset(blocks.back().get(), 1, kBlock);  // resident
  }
  // The last block pins the heap's top: freeing the rest trims nothing.
  std::unique_ptr<char[]> pin = std::move(blocks.back());
  blocks.pop_back();
  blocks.clear();
  blocks.shrink_to_fit();
  const int64_t kept = os::ResidentBytes();
  os::ReleaseFreeMemory();
  const int64_t after = os::ResidentBytes();
  ASSERT_GT(kept, 0);
  EXPECT_LT(after, kept - (int64_t{128} << 20)) << kept << " -> " << after;
  EXPECT_EQ(pin[0], 1);
}

TEST(ProcessMayBeRunning, TellsStrandedOperationsFromLiveOnes) {
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  // This process, begun before now: alive.
  EXPECT_TRUE(ProcessMayBeRunning(::getpid(), now_ns));
  // Its pid on an operation an hour old: a later process took the pid.
  EXPECT_FALSE(ProcessMayBeRunning(::getpid(), now_ns - 3'600'000'000'000));
  // A process that ended (reaped), and one that ended but was not reaped.
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  EXPECT_FALSE(ProcessMayBeRunning(gone, now_ns));
  pid_t zombie = ::fork();
  if (zombie == 0) ::_exit(0);
  siginfo_t info{};
  ::waitid(P_PID, zombie, &info, WEXITED | WNOWAIT);  // exited, not reaped
  EXPECT_FALSE(ProcessMayBeRunning(zombie, now_ns));
  ::waitpid(zombie, nullptr, 0);
  EXPECT_TRUE(ProcessMayBeRunning(0, now_ns));  // unknown: left alone
}

}  // namespace
}  // namespace phodex::os
