// os::FileSystem on real files: CopyFileDurable (the copy a move across
// file systems makes), SyncDir, and the thumbnail cache's WriteCacheFile
// and RemoveFile.

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "os/file_system.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::os {
namespace {

namespace fs = std::filesystem;

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

TEST(Rename, ReplacesOnlyWhenAskedTo) {
  testing::TempDir dir;
  std::ofstream(dir / "a") << "new";
  std::ofstream(dir / "b") << "old";
  auto fsys = NewPosixFileSystem();
  auto refused = fsys->Rename(dir / "a", dir / "b", Replace::kNo);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(dir / "a"), "new");
  EXPECT_EQ(Read(dir / "b"), "old");
  ASSERT_TRUE(fsys->Rename(dir / "a", dir / "c", Replace::kNo));
  EXPECT_FALSE(fs::exists(dir / "a"));
  EXPECT_EQ(Read(dir / "c"), "new");
  ASSERT_TRUE(fsys->Rename(dir / "c", dir / "b", Replace::kYes));
  EXPECT_EQ(Read(dir / "b"), "new");
  EXPECT_EQ(Entries(dir.path()), 1u);
  EXPECT_EQ(fsys->Rename(dir / "gone", dir / "x", Replace::kYes).error().code(),
            ErrorCode::kNotFound);
}

TEST(Link, GivesASecondNameAndNeverReplaces) {
  testing::TempDir dir;
  std::ofstream(dir / "a") << "data";
  std::ofstream(dir / "b") << "other";
  auto fsys = NewPosixFileSystem();
  ASSERT_TRUE(fsys->Link(dir / "a", dir / "a2"));
  EXPECT_TRUE(fs::equivalent(dir / "a", dir / "a2"));
  auto refused = fsys->Link(dir / "a", dir / "b");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(dir / "b"), "other");
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

}  // namespace
}  // namespace phodex::os
