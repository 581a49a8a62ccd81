// End-to-end: the catalog file's health. Which commands create a catalog,
// a damaged catalog is never written on (exit 6), `catalog check`, `backup`
// and `rebuild`, and reading a catalog on a read-only or full file system.

#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/e2e/cli_runner.h"
#include "tests/fakes/catalog_pages.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg";

uintmax_t SizeOr0(const std::string& path) {
  std::error_code ec;
  const uintmax_t n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

// A small tmpfs, unmounted (lazily, so a test that fails half-way cannot
// leave it busy) when the test ends. Root only.
class Tmpfs {
 public:
  explicit Tmpfs(const std::string& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0,
                       ("size=" + size).c_str()) == 0;
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool RemountReadOnly() {
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY,
                   nullptr) == 0;
  }
  // Writes a file until the file system says it is full.
  void Fill() {
    std::ofstream out(dir_ + "/fill", std::ios::binary);
    const std::string block(4096, 'f');
    while (out.write(block.data(), block.size())) out.flush();
  }

 private:
  std::string dir_;
  bool mounted_ = false;
};

class CatalogE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(config_) << "[metadata]\nenabled = false\n";
  }

  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_, "--config", config_});
    return RunPhodex(args, scratch_.path());
  }

  // Files with long names, so that the catalog's files table spans pages.
  void MakeTree(int files) {
    for (int i = 0; i < files; ++i) {
      const std::string path = lib_ + "/2024/a-folder-with-a-long-name-" +
                               std::to_string(i % 7) + "/IMG_" +
                               std::to_string(i) + ".jpg";
      fs::create_directories(fs::path(path).parent_path());
      std::ofstream(path, std::ios::binary) << kJpeg << path;
    }
  }

  // path -> id of every present file.
  std::map<std::string, int64_t> Listed() {
    RunResult r = Run({"ls", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, int64_t> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line);
      out[j["path"].get<std::string>()] = j["id"].get<int64_t>();
    }
    return out;
  }

  // The files in the catalog's folder whose name contains `part`.
  std::vector<std::string> DataFiles(const std::string& part) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ / "data")) {
      if (e.path().filename().string().find(part) != std::string::npos) {
        out.push_back(e.path().string());
      }
    }
    return out;
  }

  // Garbles the middle leaf of the files table; returns the ids it held.
  std::set<int64_t> DamageFiles() {
    CatalogPages pages(catalog_);
    const std::vector<uint32_t> leaves = pages.Leaves("files");
    EXPECT_GE(leaves.size(), 3u);
    const uint32_t middle = leaves.at(leaves.size() / 2);
    const std::vector<int64_t> ids = pages.RowIds(middle);
    pages.Garble(middle);
    return {ids.begin(), ids.end()};
  }

  TempDir dir_;
  TempDir scratch_;
  std::string lib_ = (fs::create_directories(dir_ / "lib"), dir_ / "lib");
  std::string catalog_ = dir_ / "data/catalog.db";
  std::string config_ = dir_ / "config.toml";
};

TEST_F(CatalogE2eTest, AnEmptyCatalogPathIsAUsageError) {
  RunResult r = RunPhodex({"--catalog", "", "ls"}, scratch_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--catalog"));
}

TEST_F(CatalogE2eTest, OnlyScanAndRootAddCreateACatalog) {
  const std::string missing = dir_ / "nowhere/deeper/c.db";
  const std::vector<std::vector<std::string>> commands = {
      {"ls"},
      {"status"},
      {"ops"},
      {"show", lib_},
      {"similar"},
      {"dupes"},
      {"dupes", "--action", "delete", "--apply"},
      {"verify"},
      {"thumbs"},
      {"rate", "--stars", "3", lib_},
      {"root", "list"},
      {"root", "remove", "x"},
      {"migrate"},
      {"migrate", "--status"},
      {"catalog", "check"},
      {"catalog", "backup", dir_ / "b.db"},
      {"catalog", "rebuild"}};
  for (std::vector<std::string> args : commands) {
    args.insert(args.begin(), {"--catalog", missing, "--config", config_});
    RunResult r = RunPhodex(args, scratch_.path());
    EXPECT_EQ(r.exit_code, 1) << args[4] << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("no catalog at")) << args[4];
    EXPECT_FALSE(fs::exists(dir_ / "nowhere")) << args[4];
    EXPECT_FALSE(fs::exists(dir_ / "b.db"));
  }
  RunResult r =
      RunPhodex({"--catalog", missing, "root", "add", lib_}, scratch_.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(missing));
  EXPECT_TRUE(fs::exists(dir_ / "nowhere/deeper/phodex.log"));
  const std::string other = dir_ / "other/c.db";
  r = RunPhodex({"--catalog", other, "scan", "--no-metadata", lib_},
                scratch_.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(other));
}

TEST_F(CatalogE2eTest, ADamagedCatalogIsNeverWrittenOn) {
  MakeTree(300);
  ASSERT_EQ(Run({"scan", "--no-metadata", lib_}).exit_code, 0);
  DamageFiles();
  const std::string before = Slurp(catalog_);
  const std::string photo =
      lib_ + "/2024/a-folder-with-a-long-name-1/IMG_1.jpg";
  const std::vector<std::vector<std::string>> commands = {
      {"status"},
      {"ls"},
      {"scan", "--no-metadata"},
      {"dupes"},
      {"verify"},
      {"rate", "--stars", "4", photo},
      {"thumbs"},
      {"root", "add", scratch_.path()},
      {"migrate"},
      {"catalog", "check"}};
  for (const std::vector<std::string>& args : commands) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 6) << args[0] << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("is damaged")) << args[0];
    EXPECT_THAT(r.err, HasSubstr("phodex catalog rebuild")) << args[0];
    // Not a byte written, not even into the -wal.
    EXPECT_EQ(Slurp(catalog_), before) << args[0];
    EXPECT_EQ(SizeOr0(catalog_ + "-wal"), 0u) << args[0];
  }
  EXPECT_FALSE(fs::exists(photo + ".xmp"));  // rate stopped before it
}

TEST_F(CatalogE2eTest, CheckSaysOkOrDamagedAndBackupIsAWholeCopy) {
  MakeTree(200);
  ASSERT_EQ(Run({"scan", "--no-metadata", lib_}).exit_code, 0);
  RunResult r = Run({"catalog", "check"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok"));

  const std::string copy = dir_ / "copy.db";
  r = Run({"catalog", "backup", copy});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("backed up"));
  const auto listed = Listed();
  RunResult from_copy =
      RunPhodex({"--catalog", copy, "ls", "--json"}, scratch_.path());
  ASSERT_EQ(from_copy.exit_code, 0) << from_copy.err;
  EXPECT_EQ(from_copy.out, Run({"ls", "--json"}).out);
  EXPECT_EQ(listed.size(), 200u);
  // Never over an existing file, and no temp left by a failed one.
  const std::string copy_bytes = Slurp(copy);
  r = Run({"catalog", "backup", copy});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("exists"));
  EXPECT_EQ(Slurp(copy), copy_bytes);
  r = Run({"catalog", "backup", dir_ / "no/such/folder/x.db"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(fs::exists(dir_ / "no"));

  DamageFiles();
  r = Run({"catalog", "check"});
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_THAT(r.out, HasSubstr("damaged"));
}

TEST_F(CatalogE2eTest, RebuildGivesBackEveryFileWithItsIdAndKeepsTheOld) {
  MakeTree(300);
  ASSERT_EQ(Run({"scan", "--no-metadata", lib_}).exit_code, 0);
  const auto before = Listed();
  const std::set<int64_t> lost = DamageFiles();
  ASSERT_FALSE(lost.empty());
  const std::string damaged = Slurp(catalog_);
  // The disk moves on meanwhile: one file is new, one is gone.
  const std::string added = lib_ + "/2024/new.jpg";
  std::ofstream(added, std::ios::binary) << kJpeg << "new";
  std::string gone;
  for (const auto& [path, id] : before) {
    if (!lost.count(id)) gone = path;
  }
  fs::remove(gone);

  RunResult r = Run({"catalog", "rebuild"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("rebuilt"));

  const auto after = Listed();
  EXPECT_EQ(after.size(), before.size());  // one gone, one new
  EXPECT_EQ(after.count(gone), 0u);
  ASSERT_EQ(after.count(added), 1u);
  std::set<int64_t> ids;
  for (const auto& [path, id] : after) {
    EXPECT_TRUE(ids.insert(id).second) << "id " << id << " twice";
    if (path == added) continue;
    const int64_t old_id = before.at(path);
    if (lost.count(old_id)) continue;  // its row was on the damaged page
    EXPECT_EQ(id, old_id) << path;
  }
  // The files whose rows were lost are back, as new rows.
  for (const auto& [path, id] : before) {
    if (lost.count(id)) {
      EXPECT_EQ(after.count(path), 1u) << path;
    }
  }
  EXPECT_EQ(Run({"catalog", "check"}).exit_code, 0);
  // The old catalog is kept, byte for byte.
  EXPECT_THAT(DataFiles(".rebuild-"), ::testing::IsEmpty());
  const std::vector<std::string> kept = DataFiles(".before-rebuild-");
  ASSERT_EQ(kept.size(), 1u);  // its -wal was empty: removed
  EXPECT_EQ(Slurp(kept[0]), damaged);
  // History: the old scan, the rebuild and its rescan.
  r = Run({"ops"});
  EXPECT_THAT(r.out, HasSubstr("rebuild"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("\n1 +scan +lib +completed"));
  // A scan afterwards finds the catalog in step with the disk.
  r = Run({"scan", "--no-metadata"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added 0, updated 0, removed 0"));
}

TEST_F(CatalogE2eTest, RebuildWaitsForNoScan) {
  MakeTree(20);
  ASSERT_EQ(Run({"scan", "--no-metadata", lib_}).exit_code, 0);
  const std::string before = Slurp(catalog_);
  // A scan of root 1 is running (it holds the root's lock).
  const int fd =
      ::open((catalog_ + ".root-1.lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  RunResult r = Run({"catalog", "rebuild"});
  ::close(fd);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("being scanned"));
  EXPECT_EQ(Slurp(catalog_), before);
  EXPECT_THAT(DataFiles("rebuild"), ::testing::IsEmpty());
}

TEST_F(CatalogE2eTest,
       RebuildSwapsNothingWhileAnotherProcessHasTheCatalogOpen) {
  MakeTree(300);
  ASSERT_EQ(Run({"scan", "--no-metadata", lib_}).exit_code, 0);
  DamageFiles();
  const std::string before = Slurp(catalog_);
  // Another program reading the catalog (this test, through SQLite).
  sqlite3* reader = nullptr;
  ASSERT_EQ(
      sqlite3_open_v2(catalog_.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "SELECT count(*) FROM roots", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  RunResult r = Run({"catalog", "rebuild"});
  sqlite3_close_v2(reader);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("has the catalog open"));
  EXPECT_EQ(Slurp(catalog_), before);
  EXPECT_THAT(DataFiles("rebuild"), ::testing::IsEmpty());
  // Once it is closed, the rebuild goes through.
  r = Run({"catalog", "rebuild"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Listed().size(), 300u);
}

// Item 11: reading needs only that the file can be read.
class ReadOnlyCatalogE2eTest : public CatalogE2eTest {
 protected:
  void SetUp() override {
    CatalogE2eTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    mount_ = std::make_unique<Tmpfs>(dir_ / "data", "2m");
    if (!mount_->mounted()) GTEST_SKIP() << "cannot mount a tmpfs here";
    MakeTree(30);
    ASSERT_EQ(Run({"scan", "--no-metadata", lib_}).exit_code, 0);
  }
  void TearDown() override { mount_.reset(); }

  // The queries a user needs to see what the catalog knows.
  void ExpectQueriesWork() {
    const std::string photo =
        lib_ + "/2024/a-folder-with-a-long-name-1/IMG_1.jpg";
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{
             {"status"}, {"ls"}, {"show", photo}, {"ops"}, {"root", "list"}}) {
      RunResult r = Run(args);
      EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
      EXPECT_EQ(r.err, "") << args[0];
    }
    EXPECT_EQ(Listed().size(), 30u);
    EXPECT_THAT(Run({"show", photo}).out, HasSubstr("IMG_1.jpg"));
  }

  std::unique_ptr<Tmpfs> mount_;
};

TEST_F(ReadOnlyCatalogE2eTest, AReadOnlyCatalogFolderStillAnswersQueries) {
  ASSERT_TRUE(mount_->RemountReadOnly());
  ExpectQueriesWork();
  RunResult r = Run({"scan", "--no-metadata"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("read-only"));
  EXPECT_THAT(r.err, HasSubstr("can be read"));
}

TEST_F(ReadOnlyCatalogE2eTest, AFullDiskStillAnswersQueries) {
  mount_->Fill();
  ExpectQueriesWork();
  std::ofstream(lib_ + "/2024/more.jpg", std::ios::binary) << kJpeg << "more";
  RunResult r = Run({"scan", "--no-metadata"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
}

}  // namespace
}  // namespace phodex::testing
