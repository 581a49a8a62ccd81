// End-to-end: the real binary on generated trees.

#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/e2e/cli_runner.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg";

// Writes `content`, by default a JPEG header plus the path: unique per
// file, since equal content means a move or a duplicate.
void WriteFile(const std::string& path, const std::string& content = "") {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << (content.empty() ? kJpeg + path
                                                             : content);
}

class ScanE2eTest : public ::testing::Test {
 protected:
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", catalog_});
    return RunPhodex(args, scratch_.path());
  }
  // Every present file the catalog lists, by absolute path.
  std::multiset<std::string> ListedPaths(const std::string& extra = "") {
    std::vector<std::string> args = {"ls", "--json"};
    if (!extra.empty()) args.push_back(extra);
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::multiset<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      out.insert(nlohmann::json::parse(line)["path"].get<std::string>());
    }
    return out;
  }
  std::multiset<std::string> MediaOnDisk() {
    std::multiset<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(lib_)) {
      if (e.is_regular_file() && e.path().extension() == ".jpg") {
        out.insert(e.path().string());
      }
    }
    return out;
  }
  void MakeTree(int dirs, int files_per_dir) {
    for (int d = 0; d < dirs; ++d) {
      const std::string dir = lib_ + "/" + std::to_string(2000 + d % 20) +
                              "/event-" + std::to_string(d);
      fs::create_directories(dir);
      for (int f = 0; f < files_per_dir; ++f) {
        const std::string path = dir + "/IMG_" + std::to_string(f) + ".jpg";
        std::ofstream(path, std::ios::binary) << kJpeg << path;
      }
    }
  }

  TempDir dir_;
  TempDir scratch_;
  std::string lib_ = (fs::create_directories(dir_ / "lib"), dir_ / "lib");
  std::string catalog_ = dir_ / "data/catalog.db";
};

TEST_F(ScanE2eTest, VersionNamesTheCommit) {
  RunResult r = RunPhodex({"--version"}, scratch_.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, ::testing::MatchesRegex("phodex [0-9.]+ \\(commit [0-9a-f]+(-dirty)?\\)\n"));
}

TEST_F(ScanE2eTest, ScanAndListJsonWithUnicodeAndInvalidNames) {
  WriteFile(lib_ + "/2024/Ferien Übersee/東京.jpg");
  WriteFile(lib_ + "/2024/caf\xE9/na\xEFve.jpg");  // Latin-1 names
  WriteFile(lib_ + "/2024/clip.MOV", std::string("\0\0\0\x14" "ftypqt  ", 12));
  WriteFile(lib_ + "/2024/notes.txt", "not media");
  RunResult r = Run({"scan", lib_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added 3"));
  EXPECT_THAT(r.out, HasSubstr("1 other files ignored"));

  r = Run({"ls", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, nlohmann::json> by_rel;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    by_rel[j["rel"]] = j;
  }
  ASSERT_EQ(by_rel.size(), 3u);
  const auto& tokyo = by_rel.at("2024/Ferien Übersee/東京.jpg");
  EXPECT_EQ(tokyo["path"], lib_ + "/2024/Ferien Übersee/東京.jpg");
  EXPECT_EQ(tokyo["root"], "lib");
  EXPECT_EQ(tokyo["kind"], "photo");
  EXPECT_EQ(tokyo["size"], (kJpeg + lib_ + "/2024/Ferien Übersee/東京.jpg").size());
  EXPECT_EQ(tokyo["quick_hash"].get<std::string>().size(), 32u);
  EXPECT_TRUE(tokyo["hash"].is_null());
  EXPECT_EQ(tokyo["status"], "present");
  EXPECT_TRUE(tokyo["id"].is_number_integer());
  EXPECT_THAT(tokyo["mtime"].get<std::string>(),
              ::testing::MatchesRegex(
                  "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z"));
  // Non-UTF-8 names are kept and shown escaped.
  EXPECT_EQ(by_rel.count("2024/caf\\xE9/na\\xEFve.jpg"), 1u);
  EXPECT_EQ(by_rel.at("2024/clip.MOV")["kind"], "video");

  // The catalog kept the bytes: a rescan sees the file as unchanged.
  r = Run({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added 0, updated 0, removed 0, moved 0, unchanged 3"));
}

TEST_F(ScanE2eTest, RemovedAddedAndPartialScans) {
  WriteFile(lib_ + "/a/1.jpg");
  WriteFile(lib_ + "/b/2.jpg");
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);
  fs::remove(lib_ + "/a/1.jpg");
  fs::remove(lib_ + "/b/2.jpg");
  WriteFile(lib_ + "/a/3.jpg");
  // Scanning only a/: b/2.jpg is outside and stays present.
  RunResult r = Run({"scan", lib_ + "/a"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListedPaths(),
            (std::multiset<std::string>{lib_ + "/a/3.jpg", lib_ + "/b/2.jpg"}));
  EXPECT_EQ(ListedPaths("--removed"),
            (std::multiset<std::string>{lib_ + "/a/1.jpg"}));
  ASSERT_EQ(Run({"scan"}).exit_code, 0);
  EXPECT_EQ(ListedPaths(), MediaOnDisk());
}

// Renames, folder moves and a move to another root keep each file's id.
TEST_F(ScanE2eTest, MovesKeepTheirIdentity) {
  const std::string other = dir_ / "other-drive";
  fs::create_directories(other);
  WriteFile(lib_ + "/2020/a.jpg");
  WriteFile(lib_ + "/2020/trip/b.jpg");
  WriteFile(lib_ + "/2020/trip/c.jpg");
  WriteFile(lib_ + "/2021/d.jpg");
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);
  ASSERT_EQ(Run({"scan", other}).exit_code, 0);
  auto ids = [&] {
    std::map<std::string, int64_t> out;
    std::istringstream in(Run({"ls", "--json"}).out);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      out[j["path"]] = j["id"];
    }
    return out;
  };
  auto before = ids();
  fs::rename(lib_ + "/2020/a.jpg", lib_ + "/2020/a-renamed.jpg");
  fs::create_directories(lib_ + "/archive");
  fs::rename(lib_ + "/2020/trip", lib_ + "/archive/trip");
  fs::rename(lib_ + "/2021/d.jpg", other + "/d.jpg");
  RunResult r = Run({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("moved 3"));  // within lib
  EXPECT_THAT(r.out, HasSubstr("moved 1"));  // into the other root
  auto after = ids();
  EXPECT_EQ(after.size(), 4u);
  EXPECT_EQ(after[lib_ + "/2020/a-renamed.jpg"], before[lib_ + "/2020/a.jpg"]);
  EXPECT_EQ(after[lib_ + "/archive/trip/b.jpg"],
            before[lib_ + "/2020/trip/b.jpg"]);
  EXPECT_EQ(after[lib_ + "/archive/trip/c.jpg"],
            before[lib_ + "/2020/trip/c.jpg"]);
  EXPECT_EQ(after[other + "/d.jpg"], before[lib_ + "/2021/d.jpg"]);
  EXPECT_TRUE(ListedPaths("--removed").empty());

  // The other way round: the destination is scanned before the source
  // notices the file is gone ("the next scan").
  fs::rename(other + "/d.jpg", lib_ + "/d-back.jpg");
  WriteFile(other + "/keep.jpg");  // so the drive does not look unmounted
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);  // d-back.jpg: new for now
  r = Run({"scan", other});                     // d.jpg gone: a move
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("removed 0, moved 1"));
  after = ids();
  EXPECT_EQ(after[lib_ + "/d-back.jpg"], before[lib_ + "/2021/d.jpg"]);
  EXPECT_TRUE(ListedPaths("--removed").empty());
}

// Exit statuses (docs/cli.md): a PATH in no root is an error (1) for the
// commands that take paths; a missing file is verify's finding, not its
// failure (0); while another process holds a root's lock (as a scan does),
// the commands that would write to its files refuse (3), changing nothing.
TEST_F(ScanE2eTest, ExitStatusesOfPathsOutsideRootsAndOfBusyRoots) {
  WriteFile(lib_ + "/a.jpg");
  WriteFile(lib_ + "/b.jpg");
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);
  const std::string outside = dir_ / "elsewhere";
  fs::create_directories(outside);
  for (const char* cmd : {"verify", "thumbs", "similar", "dupes"}) {
    RunResult r = Run({cmd, outside});
    EXPECT_EQ(r.exit_code, 1) << cmd << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("not inside any root")) << cmd;
  }
  EXPECT_EQ(Run({"rate", "--stars", "3", outside + "/x.jpg"}).exit_code, 1);
  fs::remove(lib_ + "/b.jpg");
  RunResult v = Run({"verify"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr("1 missing"));

  const std::string lock = catalog_ + ".root-1.lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  const std::vector<std::vector<std::string>> busy = {
      {"rate", "--stars", "3", lib_ + "/a.jpg"},
      {"fav", lib_ + "/a.jpg"},
      {"root", "remove", lib_},
      {"dupes", "--action", "delete", "--apply"}};
  for (const std::vector<std::string>& args : busy) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 3) << args[0] << ": " << r.out << r.err;
  }
  ::close(fd);
  EXPECT_FALSE(fs::exists(lib_ + "/a.jpg.xmp"));
  EXPECT_EQ(ListedPaths().size(), 2u);  // the root is still there
}

// verify: a fixity check that finds content changed behind an unchanged
// size and mtime.
TEST_F(ScanE2eTest, VerifyFindsSilentCorruption) {
  WriteFile(lib_ + "/a.jpg", kJpeg + std::string(200000, 'a'));
  WriteFile(lib_ + "/b.jpg");
  WriteFile(lib_ + "/c.jpg");
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);
  RunResult r = Run({"verify"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 new baselines, 0 DAMAGED"));
  r = Run({"verify", lib_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 unchanged, 0 new baselines"));
  // Flip one byte in the middle, in place, and put the mtime back.
  const auto mtime = fs::last_write_time(lib_ + "/a.jpg");
  {
    std::fstream f(lib_ + "/a.jpg", std::ios::in | std::ios::out |
                                        std::ios::binary);
    f.seekp(100000);
    f.put('X');
  }
  fs::last_write_time(lib_ + "/a.jpg", mtime);
  WriteFile(lib_ + "/b.jpg", "edited normally, new size and mtime");
  fs::remove(lib_ + "/c.jpg");
  r = Run({"verify", "--json"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  std::map<std::string, std::string> status;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    status[j["path"]] = j["status"];
  }
  EXPECT_EQ(status[lib_ + "/a.jpg"], "damaged");
  EXPECT_EQ(status[lib_ + "/b.jpg"], "changed");
  EXPECT_EQ(status[lib_ + "/c.jpg"], "missing");
  // The scan does not "fix" the damage: the stat is unchanged, so the
  // catalog keeps the good hash and verify keeps reporting it.
  ASSERT_EQ(Run({"scan"}).exit_code, 0);
  EXPECT_EQ(Run({"verify", lib_ + "/a.jpg"}).exit_code, 4);
  r = Run({"ops", "--json"});
  EXPECT_THAT(r.out, HasSubstr("\"type\":\"verify\""));
}

TEST_F(ScanE2eTest, DupesAcrossRootsWithHardLinksAndEmptyFiles) {
  const std::string other = dir_ / "backup";
  const std::string photo = kJpeg + std::string(300000, 'p');
  WriteFile(lib_ + "/2020/a.jpg", photo);
  WriteFile(lib_ + "/2020/copy/a.jpg", photo);
  WriteFile(other + "/a.jpg", photo);
  fs::create_hard_link(lib_ + "/2020/a.jpg", lib_ + "/2020/a-link.jpg");
  WriteFile(lib_ + "/empty1.jpg", std::string());
  WriteFile(lib_ + "/b.jpg");
  std::ofstream(lib_ + "/empty1.jpg", std::ios::trunc).close();
  std::ofstream(lib_ + "/empty2.jpg", std::ios::trunc).close();
  // Same size and head, different middle: not a duplicate.
  std::string near = photo;
  near[150000] = 'X';
  WriteFile(lib_ + "/near.jpg", near);
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);
  ASSERT_EQ(Run({"scan", other}).exit_code, 0);
  RunResult r = Run({"dupes", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> groups;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    groups.push_back(nlohmann::json::parse(line));
  }
  ASSERT_EQ(groups.size(), 1u) << r.out;
  const auto& g = groups[0];
  EXPECT_EQ(g["size"], photo.size());
  EXPECT_EQ(g["paths"], nlohmann::json::array({other + "/a.jpg",
                                              lib_ + "/2020/a-link.jpg",
                                              lib_ + "/2020/a.jpg",
                                              lib_ + "/2020/copy/a.jpg"}));
  // Four paths, three distinct files: two copies wasted.
  EXPECT_EQ(g["wasted"], 2 * photo.size());
  EXPECT_EQ(g["hash"].get<std::string>().size(), 32u);
  ASSERT_EQ(g["hardlinks"].size(), 1u);
  EXPECT_EQ(g["hardlinks"][0].size(), 2u);
  // Within one folder only.
  r = Run({"dupes", "--json", lib_ + "/2020/copy", other});
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  r = Run({"dupes", lib_ + "/2020/copy"});
  EXPECT_THAT(r.out, HasSubstr("0 duplicate groups"));
  r = Run({"dupes", dir_.path()});  // a folder in no root
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("not inside any root"));
  // The full hashes it computed are kept in the catalog.
  EXPECT_THAT(Run({"ls", "--json", other}).out,
              HasSubstr("\"hash\":\"" + g["hash"].get<std::string>()));
}

TEST_F(ScanE2eTest, SymlinkLoopsAreSafe) {
  WriteFile(lib_ + "/a/x.jpg");
  fs::create_directory_symlink(lib_, lib_ + "/a/loop");
  fs::create_directory_symlink(lib_ + "/a", lib_ + "/a/self");
  RunResult r = Run({"scan", "--follow-symlinks", lib_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListedPaths(), (std::multiset<std::string>{lib_ + "/a/x.jpg"}));
  r = Run({"scan", lib_});  // not following: same result
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 symlinks not followed"));
}

TEST_F(ScanE2eTest, UnreadableFolderIsReportedAndScanSucceeds) {
  // Root reads every folder, so as root phodex runs as nobody here, from a
  // copy nobody can read wherever the build tree is (a clone in /root).
  std::vector<std::string> as_user;
  const PhodexCopy copy;
  std::string binary = PHODEX_BINARY;
  if (geteuid() == 0) {
    as_user = AsNobody(dir_.path());
    if (as_user.empty()) GTEST_SKIP() << "running as root without setpriv";
    binary = copy.binary();
    fs::create_directories(dir_ / "data");
    for (const std::string& d : {dir_.path(), dir_ / "data", scratch_.path()}) {
      fs::permissions(d, fs::perms::all);
    }
  }
  WriteFile(lib_ + "/ok/a.jpg");
  WriteFile(lib_ + "/locked/b.jpg");
  WriteFile(lib_ + "/locked/deep/c.jpg");
  auto scan = [&] {
    return RunPhodex({"--catalog", catalog_, "scan", lib_}, scratch_.path(),
                     as_user, binary);
  };
  RunResult r = scan();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added 3"));
  fs::permissions(lib_ + "/locked", fs::perms::none);
  r = scan();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 errors"));
  EXPECT_THAT(r.out, HasSubstr("open directory '" + lib_ +
                               "/locked': Permission denied"));
  EXPECT_THAT(r.out, HasSubstr("removed 0"));
  fs::permissions(lib_ + "/locked", fs::perms::owner_all);
  // Its files were kept, not marked removed.
  EXPECT_EQ(ListedPaths(), MediaOnDisk());
  RunResult errors = Run({"ops", "--errors", "--json"});
  EXPECT_THAT(errors.out, HasSubstr("Permission denied"));
}

TEST_F(ScanE2eTest, RootsAddListRemove) {
  WriteFile(lib_ + "/2020/a.jpg");
  RunResult r = Run({"root", "add", lib_, "--name", "photos"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Run({"root", "add", lib_ + "/2020"}).err,
              HasSubstr("inside root 'photos'"));
  EXPECT_THAT(Run({"root", "add", dir_.path()}).err,
              HasSubstr("contains root 'photos'"));
  ASSERT_EQ(Run({"scan"}).exit_code, 0);
  r = Run({"root", "list"});
  EXPECT_THAT(r.out, HasSubstr("photos"));
  EXPECT_THAT(r.out, HasSubstr(lib_));
  r = Run({"status"});
  EXPECT_THAT(r.out, ::testing::ContainsRegex("photo +1 "));
  // Removing keeps the records, marked removed.
  ASSERT_EQ(Run({"root", "remove", "photos"}).exit_code, 0);
  EXPECT_THAT(Run({"root", "list"}).out, HasSubstr("no roots yet"));
  r = Run({"ls", "--all", "--json"});
  EXPECT_THAT(r.out, HasSubstr("\"status\":\"removed\""));
  EXPECT_THAT(r.out, HasSubstr("\"path\":\"" + lib_ + "/2020/a.jpg\""));
  // The folder can be added again; purging a root deletes its records.
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);
  EXPECT_EQ(ListedPaths().size(), 1u);
  ASSERT_EQ(Run({"root", "remove", lib_, "--purge"}).exit_code, 0);
  EXPECT_EQ(Run({"root", "remove", "nope"}).exit_code, 1);
}

TEST_F(ScanE2eTest, ExclusionsFromFlagsAndConfig) {
  WriteFile(lib_ + "/keep/a.jpg");
  WriteFile(lib_ + "/Exports/b.jpg");
  WriteFile(lib_ + "/keep/c.psd.jpg");
  WriteFile(lib_ + "/.hidden/d.jpg");
  WriteFile(lib_ + "/@eaDir/e.jpg");
  const std::string config = dir_ / "config.toml";
  std::ofstream(config) << "[scan]\nexclude = [\"*.psd.jpg\"]\n";
  RunResult r = Run({"--config", config, "scan", "--exclude", "Exports", lib_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListedPaths(), (std::multiset<std::string>{lib_ + "/keep/a.jpg"}));
  // A broken config is a clear error, not a silent default.
  std::ofstream(config) << "[scan\n";
  r = Run({"--config", config, "scan"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("line 1"));
}

TEST_F(ScanE2eTest, MissingRootIsAClearFailure) {
  RunResult r = Run({"scan", dir_ / "no-such-folder"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("No such file or directory"));
  WriteFile(lib_ + "/a.jpg");
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);
  fs::rename(lib_, dir_ / "moved-away");
  r = Run({"scan"});
  // A root whose folder is gone is offline (its drive not mounted?).
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("root 'lib' is offline"));
  EXPECT_THAT(r.err, HasSubstr("its folder is missing"));
  // Nothing was marked removed.
  EXPECT_EQ(ListedPaths().size(), 1u);
}

TEST_F(ScanE2eTest, ProgressJsonIsOneObjectPerLine) {
  MakeTree(10, 10);
  RunResult r = Run({"scan", "--progress=json", lib_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.err);
  int lines = 0;
  nlohmann::json last;
  for (std::string line; std::getline(in, line);) {
    last = nlohmann::json::parse(line);  // throws if not JSON
    ++lines;
  }
  ASSERT_GE(lines, 1);
  EXPECT_EQ(last["type"], "scan_end");
  EXPECT_EQ(last["files"], 100);
  EXPECT_EQ(last["added"], 100);
}

TEST_F(ScanE2eTest, NewerCatalogIsRefused) {
  WriteFile(lib_ + "/a.jpg");
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);
  {
    auto c = catalog::OpenSqliteCatalog(catalog_, {});
    ASSERT_TRUE(c);
  }
  // Simulate a newer phodex's catalog by bumping the version with sqlite3.
  ASSERT_EQ(std::system(("sqlite3 '" + catalog_ +
                         "' 'PRAGMA user_version=99' >/dev/null")
                            .c_str()),
            0);
  RunResult r = Run({"status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("newer phodex"));
  r = Run({"migrate", "--status"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(ScanE2eTest, MigrateStatusChangesNothing) {
  // An empty file: a catalog of schema version 0 (a missing catalog is an
  // error: CatalogE2eTest.OnlyScanAndRootAddCreateACatalog).
  fs::create_directories(fs::path(catalog_).parent_path());
  std::ofstream(catalog_, std::ios::binary).flush();
  RunResult r = Run({"migrate", "--status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("schema version 0"));
  EXPECT_THAT(r.out, HasSubstr("pending: v1"));
  r = Run({"migrate", "--status"});
  EXPECT_THAT(r.out, HasSubstr("schema version 0"));  // still nothing applied
  ASSERT_EQ(Run({"migrate"}).exit_code, 0);
  r = Run({"migrate", "--status"});
  EXPECT_THAT(r.out, HasSubstr("up to date"));
}

// Kill -9 at random moments, several times, then let a scan finish: the
// catalog must equal the tree, hold no duplicate rows and be intact.
TEST_F(ScanE2eTest, SurvivesSigkillAtRandomMoments) {
  MakeTree(120, 100);  // 12,000 files
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(5, 400);
  for (int round = 0; round < 6; ++round) {
    if (round == 3) {  // the tree changes between interrupted scans too
      fs::remove_all(lib_ + "/2000/event-0");
      WriteFile(lib_ + "/new/late.jpg");
    }
    pid_t pid = SpawnPhodex({"--catalog", catalog_, "scan", "--batch-size",
                             "50", lib_});
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    kill(pid, SIGKILL);
    WaitExit(pid);
  }
  RunResult r = Run({"scan", lib_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto listed = ListedPaths();
  EXPECT_EQ(listed, MediaOnDisk());
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(),
            listed.size());
  auto c = catalog::OpenSqliteCatalog(catalog_, {});
  ASSERT_TRUE(c);
  EXPECT_TRUE((*c)->CheckIntegrity());
  // Every interrupted scan is recorded as such, none left "running".
  auto ops = (*c)->ListOperations(100);
  ASSERT_TRUE(ops);
  for (const catalog::Operation& op : *ops) {
    EXPECT_NE(op.status, catalog::OperationStatus::kRunning);
  }
  // A scan after that finds nothing to do.
  r = Run({"scan"});
  EXPECT_THAT(r.out, HasSubstr("added 0, updated 0, removed 0"));
}

// Ctrl-C: the scan stops at the next folder, commits what it found, exits
// 130 and leaves the operation "interrupted"; the next scan completes.
TEST_F(ScanE2eTest, InterruptStopsCleanly) {
  MakeTree(150, 100);
  bool interrupted = false;
  for (int attempt = 0; attempt < 3 && !interrupted; ++attempt) {
    fs::remove(catalog_);
    fs::remove(catalog_ + "-wal");
    fs::remove(catalog_ + "-shm");
    const std::string out = scratch_ / "int.out";
    ASSERT_EQ(Run({"root", "add", lib_}).exit_code, 0);
    pid_t pid = SpawnPhodex({"--catalog", catalog_, "scan", "--batch-size",
                             "20", lib_},
                            out);
    // Signal only once the scan has begun (its operation is in the
    // catalog): a Ctrl-C during start-up just ends the process.
    bool running = false;
    for (int i = 0; i < 500 && !running; ++i) {
      running = Run({"ops", "--json"}).out.find("\"status\":\"running\"") !=
                std::string::npos;
      if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(pid, SIGINT);
    const int rc = WaitExit(pid);
    if (rc == 0) continue;  // finished before the signal: try again
    ASSERT_EQ(rc, 130) << Slurp(out);
    interrupted = true;
    EXPECT_THAT(Slurp(out), HasSubstr("interrupted"));
    RunResult ops = Run({"ops", "--json"});
    ASSERT_EQ(ops.exit_code, 0);
    auto op = nlohmann::json::parse(ops.out.substr(0, ops.out.find('\n')));
    EXPECT_EQ(op["status"], "interrupted");
    // What was committed is real; nothing was marked removed.
    const auto listed = ListedPaths();
    const auto disk = MediaOnDisk();
    EXPECT_LE(listed.size(), disk.size());
    for (const std::string& p : listed) EXPECT_EQ(disk.count(p), 1u) << p;
    EXPECT_TRUE(ListedPaths("--removed").empty());
  }
  ASSERT_TRUE(interrupted) << "every scan finished before the signal";
  RunResult r = Run({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListedPaths(), MediaOnDisk());
}

TEST_F(ScanE2eTest, TwoScansOfOneRootNeverRunTogether) {
  MakeTree(150, 100);  // long enough to overlap
  bool saw_refusal = false;
  for (int attempt = 0; attempt < 3 && !saw_refusal; ++attempt) {
    fs::remove(catalog_);
    fs::remove(catalog_ + "-wal");
    fs::remove(catalog_ + "-shm");
    ASSERT_EQ(Run({"root", "add", lib_}).exit_code, 0);
    const std::string a_out = scratch_ / "a.out";
    pid_t a = SpawnPhodex({"--catalog", catalog_, "scan", lib_}, a_out);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    RunResult b = Run({"scan", lib_});
    const bool a_running = waitpid(a, nullptr, WNOHANG) == 0;
    const int a_exit = WaitExit(a);
    EXPECT_EQ(a_exit, 0) << Slurp(a_out);
    if (a_running) {
      EXPECT_EQ(b.exit_code, 3) << b.out << b.err;
      EXPECT_THAT(b.err, HasSubstr("already being scanned"));
      saw_refusal = true;
    }
  }
  EXPECT_TRUE(saw_refusal) << "the first scan never overlapped the second";
  // With --wait the second one queues behind the first.
  pid_t a = SpawnPhodex({"--catalog", catalog_, "scan", "--wait", lib_});
  RunResult b = Run({"scan", "--wait", lib_});
  EXPECT_EQ(WaitExit(a), 0);
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(ListedPaths(), MediaOnDisk());
  auto c = catalog::OpenSqliteCatalog(catalog_, {});
  ASSERT_TRUE(c);
  EXPECT_TRUE((*c)->CheckIntegrity());
}

// --- An unmounted drive is not a deleted library (docs/architecture.md) --

// Mounts made by a test, undone (lazily, so a test that failed halfway
// still leaves nothing mounted) in reverse order when it ends.
class Mounts {
 public:
  ~Mounts() {
    for (auto it = points_.rbegin(); it != points_.rend(); ++it) {
      RunShell("umount -l '" + *it + "' 2>/dev/null");
    }
  }
  // mount ARGS 'POINT' (ARGS: a type and source, or --bind 'FOLDER').
  bool Run(const std::string& args, const std::string& point) {
    if (RunShell("mount " + args + " '" + point + "' 2>&1").exit_code != 0) {
      return false;
    }
    points_.push_back(point);
    return true;
  }
  bool Umount(const std::string& point) {
    return RunShell("umount '" + point + "' 2>&1").exit_code == 0;
  }

 private:
  std::vector<std::string> points_;
};

// The reproduction on a real mount: `umount M; touch M/.DS_Store;
// phodex scan M` must not mark the library removed.
TEST_F(ScanE2eTest, UnmountedDriveWithAStrayFileIsOfflineAndRemountedIsFine) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  const std::string drive = dir_ / "drive";
  const std::string keep = dir_ / "keep";  // holds the tmpfs while unmounted
  fs::create_directories(drive);
  fs::create_directories(keep);
  Mounts mounts;
  ASSERT_TRUE(mounts.Run("-t tmpfs -o size=8m tmpfs", drive));
  WriteFile(drive + "/a.jpg");
  WriteFile(drive + "/2020/b.jpg");
  WriteFile(drive + "/2020/c.jpg");
  RunResult r = Run({"scan", drive});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(drive + "/.phodex-root"));
  const std::multiset<std::string> files = ListedPaths();
  ASSERT_EQ(files.size(), 3u);

  // Unplug: the tmpfs lives on at `keep`; the mount point is a plain folder
  // again, and something writes into it.
  ASSERT_TRUE(mounts.Run("--bind '" + drive + "'", keep));
  ASSERT_TRUE(mounts.Umount(drive));
  ASSERT_FALSE(fs::exists(drive + "/.phodex-root"));
  WriteFile(drive + "/.DS_Store", "finder");
  for (const std::vector<std::string>& scan :
       {std::vector<std::string>{"scan", drive},
        std::vector<std::string>{"scan"}}) {
    r = Run(scan);
    EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr("root 'drive' is offline (its drive is not "
                                 "mounted at " +
                                 drive + "?): nothing was marked removed"));
    EXPECT_EQ(ListedPaths(), files);
    EXPECT_TRUE(ListedPaths("--removed").empty());
  }
  // An empty folder in it, or excluding everything, changes nothing.
  fs::create_directories(drive + "/2020");
  EXPECT_EQ(Run({"scan", "--exclude", "*", drive}).exit_code, 5);
  EXPECT_EQ(ListedPaths(), files);
  r = Run({"status"});
  EXPECT_THAT(r.out, HasSubstr("OFFLINE"));
  EXPECT_THAT(r.out, HasSubstr(".phodex-root is not there"));
  EXPECT_THAT(Run({"root", "list"}).out, HasSubstr("offline"));
  // Rebinding the root to the empty mount point is refused.
  r = Run({"root", "rebind", "drive"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("is its drive mounted?"));

  // Plugged in again (the same file system, at the same place).
  ASSERT_TRUE(mounts.Run("--bind '" + keep + "'", drive));
  ASSERT_TRUE(mounts.Umount(keep));
  r = Run({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("removed 0"));
  EXPECT_EQ(ListedPaths(), files);
  EXPECT_THAT(Run({"status"}).out, ::testing::Not(HasSubstr("OFFLINE")));
}

// A different drive mounted where the root's was: offline too.
TEST_F(ScanE2eTest, AnotherDriveAtTheMountPointIsOffline) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  const std::string drive = dir_ / "drive";
  fs::create_directories(drive);
  Mounts mounts;
  ASSERT_TRUE(mounts.Run("-t tmpfs -o size=8m tmpfs", drive));
  WriteFile(drive + "/a.jpg");
  ASSERT_EQ(Run({"scan", drive}).exit_code, 0);
  ASSERT_TRUE(mounts.Umount(drive));
  ASSERT_TRUE(mounts.Run("-t tmpfs -o size=8m tmpfs", drive));
  WriteFile(drive + "/other.jpg");
  RunResult r = Run({"scan"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_EQ(ListedPaths(), (std::multiset<std::string>{drive + "/a.jpg"}));
}

// The second net: more than half of a root's files gone at once is
// withheld until accepted (as rsync's --max-delete).
TEST_F(ScanE2eTest, RemovalLimitWithholdsUntilAccepted) {
  WriteFile(lib_ + "/a.jpg");
  WriteFile(lib_ + "/b.jpg");
  WriteFile(lib_ + "/c.jpg");
  ASSERT_EQ(Run({"scan", lib_}).exit_code, 0);
  RunResult r = Run({"scan", "--exclude", "*", lib_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("did not find 3 of its 3 files"));
  EXPECT_THAT(r.err, HasSubstr("none were marked removed"));
  EXPECT_THAT(r.err, HasSubstr("phodex scan --accept-removals '" + lib_ + "'"));
  EXPECT_EQ(ListedPaths().size(), 3u);
  fs::remove(lib_ + "/a.jpg");
  fs::remove(lib_ + "/b.jpg");
  r = Run({"scan"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(ListedPaths().size(), 3u);
  // Configurable: [scan] max_removed_fraction.
  const std::string config = dir_ / "config.toml";
  std::ofstream(config) << "[scan]\nmax_removed_fraction = 0.7\n";
  r = Run({"--config", config, "scan"});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // 2 of 3
  EXPECT_EQ(ListedPaths(), MediaOnDisk());
  std::ofstream(config) << "[scan]\nmax_removed_fraction = 0\n";
  r = Run({"--config", config, "scan"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("max_removed_fraction"));
  r = Run({"scan", "--accept-removals", "--exclude", "*", lib_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ListedPaths().empty());
}

// Catalogs from before root identities (schema v6): the first scan that
// finds the cataloged files records the root's identity.
TEST_F(ScanE2eTest, OldRootGetsItsIdentityFromAScanThatFindsItsFiles) {
  WriteFile(lib_ + "/a.jpg");
  {
    catalog::SqliteOptions v6;
    v6.max_version_ForTesting = 6;
    fs::create_directories(fs::path(catalog_).parent_path());
    auto c = catalog::OpenSqliteCatalog(catalog_, v6);
    ASSERT_TRUE(c);
    ASSERT_TRUE((*c)->AddRoot(lib_, "lib", 1));
  }
  RunResult r = Run({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("recorded the identity of root 'lib'"));
  EXPECT_TRUE(fs::exists(lib_ + "/.phodex-root"));
  r = Run({"scan"});
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("recorded the identity")));
  // From now on, a missing marker is an offline root, until `root rebind`
  // records it anew.
  fs::remove(lib_ + "/.phodex-root");
  EXPECT_EQ(Run({"scan"}).exit_code, 5);
  EXPECT_EQ(ListedPaths().size(), 1u);
  r = Run({"root", "rebind", lib_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("identity recorded (marker file"));
  EXPECT_EQ(Run({"scan"}).exit_code, 0);
  EXPECT_EQ(ListedPaths().size(), 1u);
}

// A catalog inside the root it catalogs: its own files (the catalog, WAL,
// locks, log, thumbnail cache) are never media, so repeated scans with
// thumbnails keep the count (it was 2 -> 6 -> 14 -> 26).
TEST_F(ScanE2eTest, CatalogInsideTheRootNeverCatalogsItself) {
  const char* kPhotos[] = {
      "/usr/share/wallpapers/Autumn/contents/images/2560x1600.jpg",
      "/usr/share/wallpapers/Kite/contents/images/2560x1600.jpg"};
  for (const char* p : kPhotos) {
    if (!fs::exists(p)) GTEST_SKIP() << "missing " << p;
  }
  fs::copy_file(kPhotos[0], lib_ + "/autumn.jpg");
  fs::copy_file(kPhotos[1], lib_ + "/kite.jpg");
  // The second catalog's name would otherwise pass for a photo.
  for (const std::string& db : {lib_ + "/c.db", lib_ + "/library.jpg"}) {
    auto run = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"--catalog", db});
      return RunPhodex(args, scratch_.path());
    };
    for (int i = 0; i < 4; ++i) {
      RunResult r = run({"scan", lib_, "--thumbs"});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      r = run({"ls", "--json"});
      std::multiset<std::string> listed;
      std::istringstream in(r.out);
      for (std::string line; std::getline(in, line);) {
        listed.insert(nlohmann::json::parse(line)["path"].get<std::string>());
      }
      EXPECT_EQ(listed, (std::multiset<std::string>{lib_ + "/autumn.jpg",
                                                    lib_ + "/kite.jpg"}))
          << "scan " << i + 1 << " with catalog " << db;
    }
    ASSERT_TRUE(fs::exists(lib_ + "/thumbs"));
    RunResult d = run({"dupes", "--json"});
    ASSERT_EQ(d.exit_code, 0) << d.err;
    EXPECT_EQ(d.out, "");  // no thumbnail is a duplicate of anything
  }
}

// `root remove PATH` means the root at PATH; a name that is also a path is
// ambiguous; names cannot look like paths or hold control characters.
TEST_F(ScanE2eTest, RootRemoveResolvesPathsBeforeNamesAndNamesAreChecked) {
  WriteFile(lib_ + "/a.jpg");
  const std::string other = dir_ / "other";
  WriteFile(other + "/b.jpg");
  ASSERT_EQ(Run({"root", "add", lib_, "--name", "photos"}).exit_code, 0);
  {
    // A catalog from before names were checked: a root named like a path
    // (added as it is, whatever its schema version).
    catalog::SqliteOptions as_is;
    as_is.migrate = catalog::SqliteOptions::Migrate::kNo;
    auto c = catalog::OpenSqliteCatalog(catalog_, as_is);
    ASSERT_TRUE(c);
    ASSERT_TRUE((*c)->AddRoot(other, lib_, 1));
  }
  ASSERT_EQ(Run({"scan"}).exit_code, 0);
  RunResult r = Run({"root", "remove", lib_, "--purge"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is both the folder of root 'photos'"));
  EXPECT_THAT(r.err, HasSubstr("--path"));
  EXPECT_EQ(ListedPaths().size(), 2u);  // nothing purged
  r = Run({"root", "remove", "--path", lib_, "--purge"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("removed root 'photos'"));
  EXPECT_EQ(ListedPaths(), (std::multiset<std::string>{other + "/b.jpg"}));
  // Now unambiguous: the path-like name.
  r = Run({"root", "remove", lib_, "--purge"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(ListedPaths().empty());

  for (const std::string& bad :
       {std::string("two\nlines"), std::string("\x1b[31mred"),
        std::string("a/b"), std::string("  ")}) {
    r = Run({"root", "add", lib_, "--name", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_THAT(r.err, HasSubstr("root name"));
  }
  // A folder's name becomes a valid one.
  const std::string odd = dir_ / "new\nline";
  WriteFile(odd + "/c.jpg");
  r = Run({"scan", odd});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("added root 'new_line'"));
}

}  // namespace
}  // namespace phodex::testing
