#include "library/roots.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "os/file_system.h"
#include "tests/fakes/temp_dir.h"
#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

using ::testing::HasSubstr;

TEST(RootNames, UnprintableAndPathLikeNamesAreRefused) {
  for (const char* ok :
       {"photos", "Ferien 2020", "Fotos äöü", "a.b", "x-1", "C:\\Photos"}) {
    EXPECT_TRUE(ValidateRootName(ok)) << ok;
  }
  const std::pair<std::string, std::string> bad[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"two\nlines", "control characters"},
      {"esc\x1b[31mred", "control characters"},
      {"tab\there", "control characters"},
      {"del\x7f", "control characters"},
      {"c1\xc2\x9b"
       "31m",
       "control characters"},
      {std::string("bad\xff"), "not valid UTF-8"},
      {"/mnt/photos", "'/'"},
      {"a/b", "'/'"},
      {".", "path"},
      {"..", "path"},
      {"-rf", "'-'"},
  };
  for (const auto& [name, why] : bad) {
    Status st = ValidateRootName(name);
    ASSERT_FALSE(st) << name;
    EXPECT_THAT(st.error().message(), HasSubstr(why)) << name;
    // The message never carries the raw control characters.
    EXPECT_EQ(st.error().message().find('\n'), std::string::npos);
    EXPECT_EQ(st.error().message().find('\x1b'), std::string::npos);
  }
}

TEST(RootNames, FolderNamesAreMadeValid) {
  EXPECT_EQ(SanitizedRootName("Photos"), "Photos");
  EXPECT_EQ(SanitizedRootName("two\nlines"), "two_lines");
  EXPECT_EQ(SanitizedRootName("\x1b[2J"), "_[2J");
  EXPECT_EQ(SanitizedRootName("--rf"), "rf");
  EXPECT_EQ(SanitizedRootName(""), "root");
  EXPECT_EQ(SanitizedRootName("   "), "root");
  EXPECT_EQ(SanitizedRootName(".."), "root");
  EXPECT_EQ(SanitizedRootName("bad\xff"), "bad\\xFF");
  for (const char* n : {"two\nlines", "\x1b[2J", "--rf", "bad\xff", ""}) {
    EXPECT_TRUE(ValidateRootName(SanitizedRootName(n))) << n;
  }
}

class ResolveRootArgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "lib");
    std::filesystem::create_directories(dir_ / "photos");
    // Root A is at <dir>/lib, root B is *named* like A's path (a catalog
    // from before names were checked), root C is named "photos".
    roots_ = {Root(1, dir_ / "lib", "a"),
              Root(2, dir_ / "elsewhere", dir_ / "lib"),
              Root(3, dir_ / "other", "photos")};
    std::filesystem::current_path(dir_.path());
  }
  void TearDown() override { std::filesystem::current_path(old_cwd_); }
  static catalog::Root Root(int64_t id, std::string path, std::string name) {
    catalog::Root r;
    r.id = RootId{id};
    r.path = std::move(path);
    r.name = std::move(name);
    return r;
  }
  Result<catalog::Root> Resolve(const std::string& arg,
                                RootArg how = RootArg::kNameOrPath) {
    return ResolveRootArg(*fs_, roots_, arg, how);
  }

  testing::TempDir dir_;
  std::string old_cwd_ = std::filesystem::current_path();
  std::unique_ptr<os::FileSystem> fs_ = os::NewPosixFileSystem();
  std::vector<catalog::Root> roots_;
};

TEST_F(ResolveRootArgTest, PathsBeforeNamesAndAmbiguityIsRefused) {
  // <dir>/lib is root A's folder and root B's name: refused, with the way
  // out.
  auto r = Resolve(dir_ / "lib");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message(), HasSubstr("--path"));
  EXPECT_THAT(r.error().message(), HasSubstr("--name"));
  EXPECT_EQ(Resolve(dir_ / "lib", RootArg::kPath)->id, RootId{1});
  EXPECT_EQ(Resolve(dir_ / "lib", RootArg::kName)->id, RootId{2});
  // Relative paths resolve: "lib" and "./lib" are root A's folder (no
  // root is named "lib").
  EXPECT_EQ(Resolve("lib")->id, RootId{1});
  EXPECT_EQ(Resolve("./lib/")->id, RootId{1});
  // A folder that is no root's does not shadow a root's name.
  EXPECT_EQ(Resolve("photos")->id, RootId{3});
  EXPECT_EQ(Resolve("a")->id, RootId{1});
  // A root whose folder is gone (its drive unplugged) by its path.
  EXPECT_EQ(Resolve(dir_ / "other/")->id, RootId{3});
  auto none = Resolve("nope");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(Resolve("a", RootArg::kPath));
}

using RootsTest = LibraryTest;

TEST_F(RootsTest, NestedRootsAreRefused) {
  std::filesystem::create_directories(dir_ / "photos/2020/inner");
  auto outer = AddRoot(*lib_, {dir_ / "photos/2020", ""});
  ASSERT_TRUE(outer) << outer.error().ToString();
  EXPECT_EQ(outer->root.name, "2020");
  EXPECT_EQ(outer->root.added_ns, testing::FakeClock::kStartUnixNs);
  // Inside it, or around it: its files would be cataloged twice.
  auto inside = AddRoot(*lib_, {dir_ / "photos/2020/inner", ""});
  ASSERT_FALSE(inside);
  EXPECT_EQ(inside.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(inside.error().message(), HasSubstr("inside root '2020'"));
  auto around = AddRoot(*lib_, {dir_ / "photos", ""});
  ASSERT_FALSE(around);
  EXPECT_EQ(around.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(around.error().message(), HasSubstr("contains root '2020'"));
  auto again = AddRoot(*lib_, {dir_ / "photos/2020/", ""});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(lib_->catalog().ListRoots()->size(), 1u);
}

TEST_F(RootsTest, RemoveIsRefusedWhileTheRootIsLocked) {
  std::filesystem::create_directories(dir_ / "lib");
  auto added = AddRoot(*lib_, {dir_ / "lib", "mine"});
  ASSERT_TRUE(added) << added.error().ToString();
  {
    auto held = lib_->locks().LockRoot(added->root.id,
                                       catalog::Locks::Wait::kNo);
    ASSERT_TRUE(held);
    // flock: a second open file description is refused even in-process.
    auto busy = RemoveRoot(*lib_, {{"mine", RootArg::kName}});
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code(), ErrorCode::kBusy);
    EXPECT_THAT(busy.error().message(), HasSubstr("is being scanned"));
  }
  auto removed = RemoveRoot(*lib_, {{"mine", RootArg::kName}});
  ASSERT_TRUE(removed) << removed.error().ToString();
  EXPECT_EQ(removed->id, added->root.id);
  auto listed = ListRoots(*lib_);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

}  // namespace
}  // namespace phodex::library
