#include "scan/walker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "tests/fakes/fake_file_system.h"

namespace phodex::scan {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// Records what the walker reports. Thread-safe.
class Recorder : public WalkVisitor {
 public:
  void OnDirectory(std::string_view rel_dir,
                   std::vector<WalkEntry>&& files) override {
    std::lock_guard lock(mu_);
    ++dir_visits[std::string(rel_dir)];
    for (const WalkEntry& f : files) {
      paths.insert(rel_dir.empty() ? f.name
                                   : std::string(rel_dir) + "/" + f.name);
    }
  }
  void OnError(std::string_view rel, const Error& e) override {
    std::lock_guard lock(mu_);
    errors[std::string(rel)] = e.code();
  }
  std::mutex mu_;
  std::set<std::string> paths;
  std::map<std::string, int> dir_visits;
  std::map<std::string, ErrorCode> errors;
};

class WalkerTest : public ::testing::Test {
 protected:
  Status Walk(const std::string& start = "", WalkOptions opts = {},
              FilterOptions filter = {}) {
    Filter f(std::move(filter));
    Walker w(fs, f, opts, progress);
    return w.Walk("/lib", start, rec);
  }
  testing::FakeFileSystem fs;
  ScanProgress progress;
  Recorder rec;
};

TEST_F(WalkerTest, FindsMediaInNestedFoldersOnce) {
  fs.AddFile("/lib/2020/06/beach/a.jpg", "x");
  fs.AddFile("/lib/2020/06/beach/a.CR2", "x");
  fs.AddFile("/lib/2020/06/beach/a.CR2.xmp", "x");
  fs.AddFile("/lib/2021/v.MOV", "x");
  fs.AddFile("/lib/top.heic", "x");
  fs.AddFile("/lib/notes.txt", "x");
  ASSERT_TRUE(Walk());
  EXPECT_THAT(rec.paths,
              UnorderedElementsAre("2020/06/beach/a.jpg", "2020/06/beach/a.CR2",
                                   "2020/06/beach/a.CR2.xmp", "2021/v.MOV",
                                   "top.heic"));
  for (const auto& [dir, visits] : rec.dir_visits) EXPECT_EQ(visits, 1) << dir;
  EXPECT_EQ(progress.other_files.load(), 1);
  EXPECT_EQ(progress.files.load(), 5);
  EXPECT_EQ(progress.dirs.load(), 5);  // the root, 2020, 06, beach, 2021
  EXPECT_THAT(rec.errors, IsEmpty());
}

TEST_F(WalkerTest, SkipsExcludedFoldersWithoutListingThem) {
  fs.AddFile("/lib/@eaDir/a.jpg", "x");
  fs.AddFile("/lib/.git/b.jpg", "x");
  fs.AddFile("/lib/Exports/c.jpg", "x");
  fs.AddFile("/lib/keep/d.jpg", "x");
  FilterOptions filter;
  filter.exclude_globs = {"Exports"};
  ASSERT_TRUE(Walk("", {}, filter));
  EXPECT_THAT(rec.paths, ElementsAre("keep/d.jpg"));
  EXPECT_EQ(progress.excluded.load(), 3);
  EXPECT_EQ(fs.list_calls(), 2);  // /lib and /lib/keep only
}

TEST_F(WalkerTest, UnreadableFolderIsReportedAndTheWalkGoesOn) {
  fs.AddFile("/lib/ok/a.jpg", "x");
  fs.AddFile("/lib/locked/b.jpg", "x");
  fs.DenyList("/lib/locked");
  ASSERT_TRUE(Walk());
  EXPECT_THAT(rec.paths, ElementsAre("ok/a.jpg"));
  ASSERT_EQ(rec.errors.count("locked"), 1u);
  EXPECT_EQ(rec.errors["locked"], ErrorCode::kPermissionDenied);
  EXPECT_EQ(progress.errors.load(), 1);
}

TEST_F(WalkerTest, UnreadableRootStopsTheWalk) {
  fs.AddFile("/lib/a.jpg", "x");
  fs.DenyList("/lib");
  auto st = Walk();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(WalkerTest, MissingRootStopsTheWalk) {
  fs.AddDir("/other");
  auto st = Walk();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kNotFound);
}

TEST_F(WalkerTest, SymlinksAreNotFollowedByDefault) {
  fs.AddFile("/elsewhere/x.jpg", "x");
  fs.AddSymlink("/lib/link", "/elsewhere");
  fs.AddSymlink("/lib/file.jpg", "/elsewhere/x.jpg");
  ASSERT_TRUE(Walk());
  EXPECT_THAT(rec.paths, IsEmpty());
  EXPECT_EQ(progress.skipped_links.load(), 2);
}

TEST_F(WalkerTest, FollowingSymlinksIsLoopSafe) {
  fs.AddFile("/lib/a/x.jpg", "x");
  fs.AddSymlink("/lib/a/loop", "/lib");     // back to the root
  fs.AddSymlink("/lib/a/self", "/lib/a");   // to its own folder
  fs.AddFile("/outside/y.jpg", "x");
  fs.AddSymlink("/lib/ext", "/outside");
  WalkOptions opts;
  opts.follow_symlinks = os::Follow::kYes;
  ASSERT_TRUE(Walk("", opts));
  EXPECT_THAT(rec.paths, UnorderedElementsAre("a/x.jpg", "ext/y.jpg"));
}

TEST_F(WalkerTest, StaysOnOneFileSystemUnlessAsked) {
  fs.AddFile("/lib/a.jpg", "x");
  fs.AddFile("/lib/mnt/usb/b.jpg", "x");
  fs.SetDevice("/lib/mnt/usb", 7);
  ASSERT_TRUE(Walk());
  EXPECT_THAT(rec.paths, ElementsAre("a.jpg"));
  EXPECT_EQ(progress.skipped_mounts.load(), 1);

  Recorder all;
  Filter f(FilterOptions{});
  WalkOptions opts;
  opts.file_systems = WalkOptions::FileSystems::kAll;
  ScanProgress p2;
  Walker w(fs, f, opts, p2);
  ASSERT_TRUE(w.Walk("/lib", "", all));
  EXPECT_THAT(all.paths, UnorderedElementsAre("a.jpg", "mnt/usb/b.jpg"));
}

TEST_F(WalkerTest, PartialWalkStaysInsideTheFolder) {
  fs.AddFile("/lib/2020/a.jpg", "x");
  fs.AddFile("/lib/2020/sub/b.jpg", "x");
  fs.AddFile("/lib/2021/c.jpg", "x");
  ASSERT_TRUE(Walk("2020"));
  EXPECT_THAT(rec.paths, UnorderedElementsAre("2020/a.jpg", "2020/sub/b.jpg"));
}

TEST_F(WalkerTest, StopsWhenAsked) {
  for (int i = 0; i < 50; ++i) {
    fs.AddFile("/lib/d" + std::to_string(i) + "/a.jpg", "x");
  }
  WalkOptions opts;
  opts.should_stop = [] { return true; };
  ASSERT_TRUE(Walk("", opts));
  EXPECT_THAT(rec.paths, IsEmpty());
}

}  // namespace
}  // namespace phodex::scan
