// os::FileSystem on real files: CopyFileDurable (the copy a move across
// file systems makes), SyncDir, the thumbnail cache's WriteCacheFile and
// RemoveFile, and the names duplicate actions change (Link, Rename,
// IsListed); and against files that must not be trusted (issue #11): no
// open blocks on a FIFO, however late the file became one, and no write
// follows a symlink or lands outside the folder it was asked for.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "os/file_system.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::os {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t Entries(const std::string& dir) {
  return static_cast<size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// More than one 1 MiB block, not a multiple of it.
std::string BigContent() {
  std::string s(3 * (1 << 20) + 17, '\0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7 % 251);
  return s;
}

TEST(WriteCacheFile, WritesAndReplacesWholeFilesAndLeavesNoTemp) {
  testing::TempDir dir;
  fs::create_directories(dir / "c");
  auto fsys = NewPosixFileSystem();
  const std::string content = BigContent();
  ASSERT_TRUE(fsys->WriteCacheFile(dir / "c/t.webp", content));
  EXPECT_EQ(Read(dir / "c/t.webp"), content);
  ASSERT_TRUE(fsys->WriteCacheFile(dir / "c/t.webp", "smaller"));
  EXPECT_EQ(Read(dir / "c/t.webp"), "smaller");
  EXPECT_EQ(Entries(dir / "c"), 1u);  // no temp left beside it
  EXPECT_EQ(fs::status(dir / "c/t.webp").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write |
                fs::perms::group_read | fs::perms::others_read);
  // A missing folder is kNotFound (the cache then creates its shard).
  auto missing = fsys->WriteCacheFile(dir / "nope/t.webp", "x");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST(RemoveFile, RemovesFilesOnlyAndSaysWhenGone) {
  testing::TempDir dir;
  std::ofstream(dir / "a") << "x";
  fs::create_directories(dir / "d");
  auto fsys = NewPosixFileSystem();
  ASSERT_TRUE(fsys->RemoveFile(dir / "a"));
  EXPECT_FALSE(fs::exists(dir / "a"));
  auto gone = fsys->RemoveFile(dir / "a");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(fsys->RemoveFile(dir / "d"));  // a folder is not removed
  EXPECT_TRUE(fs::exists(dir / "d"));
}

TEST(CopyFileDurable, CopiesBytesModeAndMtimeAndLeavesNoTemp) {
  testing::TempDir dir;
  fs::create_directories(dir / "out");
  const std::string content = BigContent();
  std::ofstream(dir / "a.jpg", std::ios::binary) << content;
  const auto mtime = fs::last_write_time(dir / "a.jpg") - std::chrono::hours(5);
  fs::last_write_time(dir / "a.jpg", mtime);
  fs::permissions(dir / "a.jpg", fs::perms::owner_read |
                                     fs::perms::owner_write |
                                     fs::perms::others_read);
  auto fsys = NewPosixFileSystem();
  ASSERT_TRUE(fsys->CopyFileDurable(dir / "a.jpg", dir / "out/a.jpg", ""));
  EXPECT_EQ(Read(dir / "out/a.jpg"), content);
  EXPECT_EQ(fs::last_write_time(dir / "out/a.jpg"), mtime);
  EXPECT_EQ(fs::status(dir / "out/a.jpg").permissions(),
            fs::status(dir / "a.jpg").permissions());
  EXPECT_EQ(Read(dir / "a.jpg"), content);  // the original is untouched
  EXPECT_EQ(Entries(dir / "out"), 1u);
  // With a named temp: it is gone afterwards too.
  ASSERT_TRUE(fsys->CopyFileDurable(dir / "a.jpg", dir / "out/b.jpg",
                                    dir / "out/.b.jpg.tmp"));
  EXPECT_EQ(Read(dir / "out/b.jpg"), content);
  EXPECT_EQ(Entries(dir / "out"), 2u);
  EXPECT_TRUE(fsys->SyncDir(dir / "out"));
  EXPECT_FALSE(fsys->SyncDir(dir / "missing"));
}

TEST(CopyFileDurable, NeverReplacesAndNeverReusesAFile) {
  testing::TempDir dir;
  std::ofstream(dir / "a.jpg") << "new";
  std::ofstream(dir / "b.jpg") << "someone else's";
  std::ofstream(dir / ".c.tmp") << "someone else's temp";
  auto fsys = NewPosixFileSystem();
  auto st = fsys->CopyFileDurable(dir / "a.jpg", dir / "b.jpg", "");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(dir / "b.jpg"), "someone else's");
  st = fsys->CopyFileDurable(dir / "a.jpg", dir / "c.jpg", dir / ".c.tmp");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(dir / ".c.tmp"), "someone else's temp");
  EXPECT_FALSE(fs::exists(dir / "c.jpg"));
  EXPECT_EQ(Entries(dir.path()), 3u);  // no temp left
  st = fsys->CopyFileDurable(dir / "missing.jpg", dir / "d.jpg", "");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kNotFound);
}

TEST(CopyFileDurable, AFailureBeforePlacingLeavesNeitherTempNorTarget) {
  for (WriteStep fail_at : {WriteStep::kSyncTemp, WriteStep::kRename}) {
    testing::TempDir dir;
    std::ofstream(dir / "a.jpg") << "content";
    fs::create_directories(dir / "out");
    auto fsys = NewPosixFileSystemForTesting(
        [&](WriteStep step, const std::string& path) -> Status {
          if (step == fail_at) {
            return MakeError(ErrorCode::kIo, "No space left on device", "write",
                             path);
          }
          return {};
        });
    auto st = fsys->CopyFileDurable(dir / "a.jpg", dir / "out/a.jpg",
                                    dir / "out/.a.jpg.tmp");
    ASSERT_FALSE(st);
    EXPECT_EQ(Entries(dir / "out"), 0u);
    EXPECT_EQ(Read(dir / "a.jpg"), "content");
  }
}

TEST(CopyFileDurable, CopiesAcrossFileSystems) {
  testing::TempDir dir;
  const std::string shm = "/dev/shm";
  struct stat a, b;
  if (::stat(shm.c_str(), &a) != 0 || ::stat(dir.path().c_str(), &b) != 0 ||
      a.st_dev == b.st_dev) {
    GTEST_SKIP() << "needs /dev/shm on another file system than " << dir.path();
  }
  std::string tmpl = shm + "/phodex-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string other = tmpl;
  const std::string content = BigContent();
  std::ofstream(dir / "a.jpg", std::ios::binary) << content;
  auto fsys = NewPosixFileSystem();
  Status st = fsys->CopyFileDurable(dir / "a.jpg", other + "/a.jpg", "");
  const std::string copied = Read(other + "/a.jpg");
  std::error_code ec;
  fs::remove_all(other, ec);
  ASSERT_TRUE(st) << st.error().ToString();
  EXPECT_EQ(copied, content);
}

TEST(Link, AddsANameAndNeverReplaces) {
  testing::TempDir dir;
  std::ofstream(dir / "a") << "a";
  std::ofstream(dir / "b") << "b";
  auto fsys = NewPosixFileSystem();
  ASSERT_TRUE(fsys->Link(dir / "a", dir / "c"));
  EXPECT_EQ(fs::hard_link_count(dir / "a"), 2u);
  EXPECT_EQ(Read(dir / "c"), "a");
  auto st = fsys->Link(dir / "a", dir / "b");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(dir / "b"), "b");
  st = fsys->Link(dir / "missing", dir / "d");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kNotFound);
}

TEST(Rename, ReplacesOnlyWhenAskedTo) {
  testing::TempDir dir;
  std::ofstream(dir / "a") << "a";
  std::ofstream(dir / "b") << "b";
  auto fsys = NewPosixFileSystem();
  auto st = fsys->Rename(dir / "a", dir / "b", Replace::kNo);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(dir / "a"), "a");
  EXPECT_EQ(Read(dir / "b"), "b");
  ASSERT_TRUE(fsys->Rename(dir / "a", dir / "c", Replace::kNo));
  EXPECT_FALSE(fs::exists(dir / "a"));
  EXPECT_EQ(Read(dir / "c"), "a");
  ASSERT_TRUE(fsys->Rename(dir / "c", dir / "b", Replace::kYes));
  EXPECT_EQ(Read(dir / "b"), "a");
  EXPECT_EQ(Entries(dir.path()), 1u);
  EXPECT_EQ(fsys->Rename(dir / "gone", dir / "x", Replace::kYes).error().code(),
            ErrorCode::kNotFound);
}

TEST(Rename, AcrossFileSystemsIsUnsupported) {
  testing::TempDir dir;
  struct stat a, b;
  if (::stat("/dev/shm", &a) != 0 || ::stat(dir.path().c_str(), &b) != 0 ||
      a.st_dev == b.st_dev) {
    GTEST_SKIP() << "needs /dev/shm on another file system than " << dir.path();
  }
  std::ofstream(dir / "a") << "a";
  auto fsys = NewPosixFileSystem();
  const std::string other =
      "/dev/shm/phodex-test-rename-" + std::to_string(::getpid());
  for (Replace replace : {Replace::kNo, Replace::kYes}) {
    auto st = fsys->Rename(dir / "a", other, replace);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), ErrorCode::kUnsupported);
    st = fsys->Link(dir / "a", other);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), ErrorCode::kUnsupported);
  }
  EXPECT_EQ(Read(dir / "a"), "a");
  EXPECT_FALSE(fs::exists(other));
}

TEST(IsListed, ReadsTheFolder) {
  testing::TempDir dir;
  std::ofstream(dir / "a") << "a";
  auto fsys = NewPosixFileSystem();
  EXPECT_EQ(fsys->IsListed(dir / "a"), true);
  EXPECT_EQ(fsys->IsListed(dir / "b"), false);
  EXPECT_EQ(fsys->IsListed(dir / "gone/a"), false);
}

// A full disk while copying: the error names the file being written (the
// temp beside the target), not the one read.
TEST(CopyFileDurable, AFullDiskNamesTheFileWritten) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  testing::TempDir dir;
  const std::string full = dir / "full";
  fs::create_directories(full);
  if (std::system(
          ("mount -t tmpfs -o size=64k tmpfs '" + full + "'").c_str()) != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { (void)std::system(("umount -l '" + path + "'").c_str()); }
  } unmount{full};
  std::ofstream(dir / "big.jpg", std::ios::binary) << BigContent();
  auto fsys = NewPosixFileSystem();
  for (const std::string& temp : {full + "/.big.jpg.tmp", std::string()}) {
    Status st = fsys->CopyFileDurable(dir / "big.jpg", full + "/big.jpg", temp);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), ErrorCode::kIo);
    EXPECT_EQ(st.error().message(), "No space left on device");
    EXPECT_THAT(st.error().path(), ::testing::StartsWith(full + "/.big.jpg"));
    EXPECT_EQ(Entries(full), 0u);  // neither temp nor target
  }
}

// Sets the mtime of `path`; false when the file system refuses or clamps it.
bool SetMtime(const std::string& path, FileTime t) {
  const struct timespec times[2] = {{0, UTIME_OMIT},
                                    {static_cast<time_t>(t.sec), t.nsec}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) return false;
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && st.st_mtim.tv_sec == t.sec &&
         st.st_mtim.tv_nsec == t.nsec;
}

// Times int64 nanoseconds cannot hold (after 2262, before 1677) stat as
// they are, through Stat and ListDir alike; before the epoch too.
TEST(Stat, FileTimesBeyondInt64NanosecondsAreExact) {
  struct Where {
    std::string dir;
    FileTime time;
  };
  testing::TempDir tmp;
  std::string shm = "/dev/shm/phodex-test-XXXXXX";
  const bool have_shm = ::mkdtemp(shm.data()) != nullptr;
  std::vector<Where> cases = {
      {tmp.path(), {15'031'569'600, 5}},           // 2446-05-01 (ext4's end)
      {tmp.path(), {-2'000'000'000, 250'000'000}},  // 1906-08-16
      {tmp.path(), {-1, 999'999'999}},
  };
  if (have_shm) {
    cases.push_back({shm, {32'503'680'000, 7}});   // 3000-01-01 on tmpfs
    cases.push_back({shm, {-8'000'000'000, 1}});   // 1716: before 1901
  }
  auto fsys = NewPosixFileSystem();
  int checked = 0;
  for (const Where& w : cases) {
    const std::string path = w.dir + "/t.jpg";
    std::ofstream(path) << "x";
    if (!SetMtime(path, w.time)) continue;  // not on this file system
    ++checked;
    auto st = fsys->Stat(path, Follow::kNo);
    ASSERT_TRUE(st) << st.error().ToString();
    EXPECT_EQ(st->mtime, w.time) << w.time.sec;
    auto listing = fsys->ListDir(w.dir, Follow::kNo);
    ASSERT_TRUE(listing);
    ASSERT_EQ(listing->size(), 1u);
    ASSERT_TRUE((*listing)[0].stat);
    EXPECT_EQ((*listing)[0].stat->mtime, w.time) << w.time.sec;
    fs::remove(path);
  }
  if (have_shm) fs::remove_all(shm);
  if (checked == 0) GTEST_SKIP() << "no file system here holds such times";
}

// ---- Hostile files -------------------------------------------------------

bool IsFifo(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

// Runs `call` in a child process that SIGALRM ends after 10 s, so that a
// call that blocks (open(2) of a FIFO waits for a writer forever) fails the
// test instead of hanging the suite. The child exits 0 when `call` returned
// an error whose text holds `reason`, 1 when it returned another error, 2
// when it succeeded. Returns that, or -1 when the child was killed (hung).
int ErrorInChild(const std::function<Status()>& call,
                 const std::string& reason) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(10);
    const Status st = call();
    if (st) ::_exit(2);
    ::_exit(st.error().ToString().find(reason) != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Status OpenStatus(FileSystem& fsys, const std::string& path) {
  auto f = fsys.OpenForRead(path, AccessPattern::kSequential);
  if (!f) return std::unexpected(f.error());
  return {};
}

TEST(OpenForRead, RefusesAFifoWithoutBlocking) {
  testing::TempDir dir;
  const std::string fifo = dir / "a.jpg";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto fsys = NewPosixFileSystem();
  ASSERT_EQ(ErrorInChild([&] { return OpenStatus(*fsys, fifo); },
                         "not a regular file (a FIFO)"),
            0);
  // Safe now in this process too: the error as the caller sees it.
  auto r = fsys->OpenForRead(fifo, AccessPattern::kRandom);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().path(), fifo);
}

// The walker saw a regular file; by the time a stage opens it, it is a
// FIFO. The type is taken from the open descriptor, not from the stat.
TEST(OpenForRead, RefusesAFileThatBecameAFifoAfterItsStat) {
  testing::TempDir dir;
  const std::string path = dir / "a.jpg";
  std::ofstream(path) << "jpeg";
  auto fsys = NewPosixFileSystem();
  ASSERT_EQ(fsys->Stat(path, Follow::kNo).value().type, FileType::kRegular);
  fs::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0);
  EXPECT_EQ(ErrorInChild([&] { return OpenStatus(*fsys, path); }, "FIFO"), 0);
  // A symlink to a FIFO is followed and refused the same way.
  fs::create_symlink(path, dir / "link.jpg");
  EXPECT_EQ(
      ErrorInChild([&] { return OpenStatus(*fsys, dir / "link.jpg"); }, "FIFO"),
      0);
}

TEST(OpenForRead, StillReadsRegularFilesAndLinksToThem) {
  testing::TempDir dir;
  std::ofstream(dir / "a.jpg") << "jpeg";
  fs::create_symlink(dir / "a.jpg", dir / "link.jpg");
  auto fsys = NewPosixFileSystem();
  for (const std::string& p : {dir / "a.jpg", dir / "link.jpg"}) {
    auto f = fsys->OpenForRead(p, AccessPattern::kSequential);
    ASSERT_TRUE(f) << f.error().ToString();
    char buf[8];
    EXPECT_EQ((*f)->ReadAt(0, buf, sizeof buf).value(), 4u);
    EXPECT_EQ(std::string(buf, 4), "jpeg");
  }
}

// The world of issue #11, item 2: a sidecar name linked to a file outside
// the library.
struct LinkedSidecar {
  testing::TempDir dir;
  std::string outside = dir / "outside/x.conf";
  std::string link = dir / "t/a.jpg.xmp";
  LinkedSidecar() {
    fs::create_directories(dir / "outside");
    fs::create_directories(dir / "t");
    std::ofstream(outside) << "secret = 1\n";
    fs::create_symlink("../outside/x.conf", link);
  }
  void ExpectUntouched() {
    EXPECT_EQ(Read(outside), "secret = 1\n");
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(Entries(dir / "t"), 1u);  // no temp left behind
    EXPECT_EQ(Entries(dir / "outside"), 1u);
  }
};

TEST(AtomicWrite, RefusesASymlinkAndLeavesItsTargetUntouched) {
  LinkedSidecar w;
  auto fsys = NewPosixFileSystem();
  auto st = fsys->AtomicWrite(w.link, "<x:xmpmeta/>");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(st.error().message(), HasSubstr("symbolic link"));
  EXPECT_EQ(st.error().path(), w.link);
  w.ExpectUntouched();
  // A dangling link is refused too, not created at its target.
  fs::remove(w.outside);
  ASSERT_FALSE(fsys->AtomicWrite(w.link, "x"));
  EXPECT_FALSE(fs::exists(w.outside));
}

TEST(AtomicWrite, RefusesAFifoInsteadOfReplacingIt) {
  testing::TempDir dir;
  const std::string fifo = dir / "a.jpg.xmp";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto fsys = NewPosixFileSystem();
  EXPECT_EQ(ErrorInChild([&] { return fsys->AtomicWrite(fifo, "x"); },
                         "not a regular file (a FIFO)"),
            0);
  EXPECT_TRUE(IsFifo(fifo));
  EXPECT_EQ(Entries(dir.path()), 1u);
}

// The folder is opened once: a folder swapped for a link to another place
// between the check and the temp's creation does not move the write there.
TEST(AtomicWrite, AFolderSwappedForALinkMeanwhileDoesNotRedirectTheWrite) {
  testing::TempDir dir;
  fs::create_directories(dir / "t");
  fs::create_directories(dir / "outside");
  auto fsys = NewPosixFileSystemForTesting(
      [&](WriteStep step, const std::string&) -> Status {
        if (step == WriteStep::kCreateTemp) {
          fs::rename(dir / "t", dir / "t.moved");
          fs::create_directory_symlink(dir / "outside", dir / "t");
        }
        return {};
      });
  ASSERT_TRUE(fsys->AtomicWrite(dir / "t/a.jpg.xmp", "packet"));
  EXPECT_EQ(Entries(dir / "outside"), 0u);
  EXPECT_EQ(Read(dir / "t.moved/a.jpg.xmp"), "packet");
}

TEST(ReplaceFile, RefusesASymlinkAndLeavesItsTargetUntouched) {
  LinkedSidecar w;
  auto fsys = NewPosixFileSystem();
  bool edited = false;
  auto st = fsys->ReplaceFile(w.link, [&](TempFile& t) {
    edited = true;
    return t.WriteAt(0, "X");
  });
  ASSERT_FALSE(st);
  EXPECT_FALSE(edited);
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(st.error().message(),
              HasSubstr("symbolic link; phodex does not write through links"));
  w.ExpectUntouched();
}

TEST(ReplaceFile, RefusesAFifoWithoutBlocking) {
  testing::TempDir dir;
  const std::string fifo = dir / "a.jpg";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto fsys = NewPosixFileSystem();
  EXPECT_EQ(ErrorInChild(
                [&] {
                  return fsys->ReplaceFile(
                      fifo, [](TempFile& t) { return t.WriteAt(0, "X"); });
                },
                "FIFO"),
            0);
  EXPECT_TRUE(IsFifo(fifo));
  EXPECT_EQ(Entries(dir.path()), 1u);
}

TEST(CopyFileDurable, RefusesAFifoWithoutBlocking) {
  testing::TempDir dir;
  const std::string fifo = dir / "a.jpg";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  fs::create_directories(dir / "out");
  auto fsys = NewPosixFileSystem();
  EXPECT_EQ(
      ErrorInChild(
          [&] { return fsys->CopyFileDurable(fifo, dir / "out/a.jpg", ""); },
          "FIFO"),
      0);
  EXPECT_EQ(Entries(dir / "out"), 0u);
}

}  // namespace
}  // namespace phodex::os
