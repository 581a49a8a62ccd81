// End-to-end: file times beyond what int64 nanoseconds hold (after
// 2262-04-11). ext4, XFS (bigtime), btrfs and tmpfs store them; `touch -d
// 2446-05-01` works there. phodex must show them as they are and order
// copies by them (`dupes --keep oldest|newest`).

#include <fcntl.h>
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "tests/e2e/cli_runner.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t k2446 = 15'031'569'600;  // 2446-05-01T12:00:00Z
constexpr int64_t k2020 = 1'591'012'800;   // 2020-06-01T12:00:00Z

// Sets the mtime; false when the file system refuses or clamps it.
bool SetMtime(const std::string& path, int64_t sec, long nsec) {
  const struct timespec times[2] = {{0, UTIME_OMIT},
                                    {static_cast<time_t>(sec), nsec}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) return false;
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && st.st_mtim.tv_sec == sec &&
         st.st_mtim.tv_nsec == nsec;
}

class FileTimeE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two identical photos: a copy from 2020 and one dated 2446.
    const std::string body =
        std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg " + std::string(1000, 'T');
    for (const char* rel : {"lib/a/old.jpg", "lib/b/future.jpg"}) {
      fs::create_directories(fs::path(dir_ / rel).parent_path());
      std::ofstream(dir_ / rel, std::ios::binary) << body;
    }
    ASSERT_TRUE(SetMtime(dir_ / "lib/a/old.jpg", k2020, 0));
    if (!SetMtime(dir_ / "lib/b/future.jpg", k2446, 5)) {
      GTEST_SKIP() << "the file system of " << dir_.path()
                   << " cannot hold an mtime in 2446";
    }
    RunResult r = Run({"scan", "--no-metadata", dir_ / "lib"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", dir_ / "data/catalog.db"});
    return RunPhodex(args, scratch_.path());
  }
  // `ls --json`'s mtime by file name.
  std::map<std::string, std::string> ListedMtimes() {
    RunResult r = Run({"ls", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line);
      out[fs::path(j["path"].get<std::string>()).filename()] = j["mtime"];
    }
    return out;
  }
  // The copy a dry run of `dupes --action delete --keep RULE` keeps.
  std::string Kept(const std::string& rule) {
    RunResult r =
        Run({"dupes", "--action", "delete", "--keep", rule, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string kept;
    int deleted = 0;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line);
      const std::string name =
          fs::path(j["path"].get<std::string>()).filename();
      if (j["action"] == "keep") kept = name;
      if (j["action"] == "delete") ++deleted;
    }
    EXPECT_EQ(deleted, 1) << r.out;
    return kept;
  }

  TempDir dir_;
  TempDir scratch_;
};

TEST_F(FileTimeE2eTest, LsShowsTheYear2446) {
  const auto mtimes = ListedMtimes();
  EXPECT_EQ(mtimes.at("future.jpg"), "2446-05-01T12:00:00.000000005Z");
  // A normal time keeps exactly the format it always had.
  EXPECT_EQ(mtimes.at("old.jpg"), "2020-06-01T12:00:00.000000000Z");
  RunResult text = Run({"ls"});
  EXPECT_THAT(text.out, HasSubstr("2446-0"));
  EXPECT_THAT(text.out, Not(HasSubstr("1861-")));
  RunResult csv = Run({"ls", "--csv"});
  EXPECT_THAT(csv.out, HasSubstr(",2446-05-01T12:00:00.000000005Z,"));
  RunResult show = Run({"show", dir_ / "lib/b/future.jpg"});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("2446-05-01T12:00:00.000000005Z"));
}

TEST_F(FileTimeE2eTest, KeepOldestAndNewestOrderByTheFullTime) {
  EXPECT_EQ(Kept("oldest"), "old.jpg");
  EXPECT_EQ(Kept("newest"), "future.jpg");
}

TEST_F(FileTimeE2eTest, ChangesBetweenFarFutureTimesAreSeen) {
  RunResult r = Run({"scan", "--no-metadata"});
  EXPECT_THAT(r.out, HasSubstr("added 0, updated 0, removed 0"));
  // One second later, still in 2446: a change.
  ASSERT_TRUE(SetMtime(dir_ / "lib/b/future.jpg", k2446 + 1, 5));
  r = Run({"scan", "--no-metadata"});
  EXPECT_THAT(r.out, HasSubstr("added 0, updated 1, removed 0"));
  EXPECT_EQ(ListedMtimes().at("future.jpg"), "2446-05-01T12:00:01.000000005Z");
  RunResult v = Run({"verify"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

// A folder on tmpfs (/dev/shm), which holds any time_t; removed at the end.
class ShmDir {
 public:
  ShmDir() {
    std::string tmpl = "/dev/shm/phodex-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ShmDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ShmDir(const ShmDir&) = delete;
  ShmDir& operator=(const ShmDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Two far-future times 2^64 ns apart (2446 and 3030) were the same int64
// nanoseconds: a file touched from one to the other looked unchanged.
TEST(FileTimeTmpfsE2eTest, ChangeBetweenTimesEqualModulo2To64NsIsSeen) {
  ShmDir shm;
  TempDir scratch;
  const std::string file = shm.path() + "/lib/x.jpg";
  if (shm.path().empty()) GTEST_SKIP() << "no /dev/shm";
  fs::create_directories(shm.path() + "/lib");
  std::ofstream(file, std::ios::binary)
      << std::string("\xFF\xD8\xFF\xE0", 4) << "jpeg x";
  if (!SetMtime(file, k2446, 5) ||
      !SetMtime(file, k2446 + 18'446'744'073, 5 + 709'551'616)) {
    GTEST_SKIP() << "/dev/shm cannot hold an mtime in 3030";
  }
  ASSERT_TRUE(SetMtime(file, k2446, 5));
  const std::vector<std::string> scan = {
      "--catalog", scratch / "catalog.db", "scan", "--no-metadata",
      shm.path() + "/lib"};
  RunResult r = RunPhodex(scan, scratch.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(SetMtime(file, k2446 + 18'446'744'073, 5 + 709'551'616));
  r = RunPhodex(scan, scratch.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added 0, updated 1, removed 0"));
  r = RunPhodex({"--catalog", scratch / "catalog.db", "ls", "--json"},
                scratch.path());
  EXPECT_THAT(r.out, HasSubstr(R"("mtime":"3030-)"));
}

}  // namespace
}  // namespace phodex::testing
