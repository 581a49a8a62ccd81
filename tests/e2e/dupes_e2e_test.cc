// End-to-end: `phodex dupes --action` with the real binary on a generated
// tree of two roots with planted duplicates, hard links, empty files and
// files that change between the scan and the action.

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "tests/e2e/cli_runner.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::Not;

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg ";

// What one path holds: bytes and inode.
struct Seen {
  std::string content;
  uint64_t ino = 0;
  uint64_t links = 0;
  int64_t mtime_ns = 0;
  friend bool operator==(const Seen&, const Seen&) = default;
};

// A mount(8) made for one test, lazily undone at its end, even on failure.
class ScopedMount {
 public:
  ScopedMount(const std::string& args, const std::string& target)
      : target_(target) {
    fs::create_directories(target);
    RunResult r = RunShell("mount " + args + " '" + target + "' 2>&1");
    ok_ = r.exit_code == 0;
    error_ = r.out;
  }
  ~ScopedMount() {
    if (ok_) RunShell("umount -l '" + target_ + "' 2>&1");
  }
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  std::string target_;
  bool ok_ = false;
  std::string error_;
};

class DupesE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // photos: the library; backup: an old copy of parts of it.
    Write("photos/2020/a.jpg", "A", /*age_h=*/48);
    Write("backup/2020/a.jpg", "A");
    Write("backup/old/a copy.jpg", "A", 1);
    Write("photos/b.jpg", "B", 48);
    Write("backup/b.jpg", "B");
    fs::create_hard_link(dir_ / "photos/b.jpg", dir_ / "photos/b-link.jpg");
    Write("photos/c.jpg", "C", 48);
    Write("backup/c.jpg", "C");
    Write("photos/d.jpg", "D", 48);
    Write("backup/d.jpg", "D");
    Write("photos/empty.jpg", "", 48, /*raw=*/true);
    Write("backup/empty.jpg", "", 0, /*raw=*/true);
    Write("photos/unique.jpg", "U");
    RunResult r = Run({"scan", dir_ / "photos", dir_ / "backup"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", dir_ / "data/catalog.db"});
    return RunPhodex(args, scratch_.path());
  }
  // A JPEG whose body is `body` repeated (equal bodies: duplicates).
  void Write(const std::string& rel, const std::string& body, int age_h = 0,
             bool raw = false) {
    const std::string path = dir_ / rel;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary)
        << (raw ? body
                : kJpeg + std::string(1000, body.empty() ? ' ' : body[0]));
    fs::last_write_time(path,
                        fs::last_write_time(path) - std::chrono::hours(age_h));
  }
  // Every file outside the catalog's folder but the roots' marker files
  // (scan/root_identity.h): bytes, inode, links, mtime.
  std::map<std::string, Seen> Disk() {
    std::map<std::string, Seen> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path())) {
      const std::string p = e.path().string();
      if (!e.is_regular_file() || p.starts_with(dir_ / "data") ||
          e.path().filename() == ".phodex-root") {
        continue;
      }
      struct stat st;
      ::lstat(p.c_str(), &st);
      out[p.substr(dir_.path().size() + 1)] = {
          Slurp(p), st.st_ino, st.st_nlink,
          st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec};
    }
    return out;
  }
  // The present files `ls` lists, relative to the temp folder.
  std::set<std::string> Listed() {
    RunResult r = Run({"ls", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      const std::string p = nlohmann::json::parse(line)["path"];
      out.insert(p.substr(dir_.path().size() + 1));
    }
    return out;
  }
  // Regular files on disk, relative, as `ls` would list them (not the
  // roots' marker files, scan/root_identity.h).
  std::set<std::string> OnDisk() {
    std::set<std::string> out;
    for (const auto& [rel, _] : Disk()) {
      if (rel.starts_with("photos/") || rel.starts_with("backup/")) {
        out.insert(rel);
      }
    }
    return out;
  }
  // `dupes --json` groups: sorted path lists.
  std::vector<std::vector<std::string>> Groups() {
    RunResult r = Run({"dupes", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::vector<std::string>> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      out.push_back(nlohmann::json::parse(line)["paths"]);
    }
    return out;
  }
  uint64_t Ino(const std::string& rel) { return Disk().at(rel).ino; }

  TempDir dir_;
  TempDir scratch_;
};

TEST_F(DupesE2eTest, DryRunsChangeNothing) {
  ASSERT_EQ(Groups().size(), 4u);  // a, b, c, d; not the links or empties
  const auto disk = Disk();
  const auto listed = Listed();
  for (std::vector<std::string> args :
       {std::vector<std::string>{"--action", "delete"},
        {"--action", "hardlink", "--keep", "newest"},
        {"--action", "move-to", dir_ / "quarantine", "--json"},
        {"--action", "delete", "--keep", "path-glob:*/backup/*"}}) {
    args.insert(args.begin(), "dupes");
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out + r.err, HasSubstr("dry run")) << args[2];
  }
  EXPECT_EQ(Disk(), disk);
  EXPECT_EQ(Listed(), listed);
  EXPECT_FALSE(fs::exists(dir_ / "quarantine"));
}

TEST_F(DupesE2eTest, DryRunJsonNamesEveryPath) {
  RunResult r =
      Run({"dupes", "--action", "delete", "--keep", "root:photos", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, nlohmann::json> by_path;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    by_path[j["path"]] = j;
  }
  const auto& victim = by_path.at(dir_ / "backup/old/a copy.jpg");
  EXPECT_EQ(victim["action"], "delete");
  EXPECT_EQ(victim["status"], "planned");
  EXPECT_EQ(victim["keeper"], dir_ / "photos/2020/a.jpg");
  EXPECT_EQ(by_path.at(dir_ / "photos/b-link.jpg")["action"], "keep");
  EXPECT_THAT(r.err, HasSubstr("would delete 5 files"));
}

TEST_F(DupesE2eTest, DeleteKeepsOneCopyAndTheCatalogFollows) {
  RunResult r =
      Run({"dupes", "--action", "delete", "--keep", "root:photos", "--apply"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 files deleted"));
  EXPECT_THAT(r.out, HasSubstr("0 failed"));
  for (const char* gone : {"backup/2020/a.jpg", "backup/old/a copy.jpg",
                           "backup/b.jpg", "backup/c.jpg", "backup/d.jpg"}) {
    EXPECT_FALSE(fs::exists(dir_ / gone)) << gone;
  }
  EXPECT_TRUE(fs::exists(dir_ / "backup/empty.jpg"));
  EXPECT_EQ(Disk().at("photos/b-link.jpg").links, 2u);
  EXPECT_EQ(Listed(), OnDisk());
  EXPECT_THAT(Groups(), IsEmpty());
  RunResult ops = Run({"ops", "--json"});
  EXPECT_THAT(ops.out, HasSubstr(R"("type":"dupes")"));
  // A rescan finds the catalog right: nothing added or removed.
  r = Run({"scan"});
  EXPECT_THAT(r.out, HasSubstr("added 0, updated 0, removed 0"));
}

TEST_F(DupesE2eTest, HardLinkLeavesEveryPathAndWastesNothing) {
  RunResult r = Run({"dupes", "--action", "hardlink", "--apply"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 linked"));
  EXPECT_EQ(Ino("backup/2020/a.jpg"), Ino("photos/2020/a.jpg"));
  EXPECT_EQ(Ino("backup/old/a copy.jpg"), Ino("photos/2020/a.jpg"));
  EXPECT_EQ(Ino("backup/b.jpg"), Ino("photos/b.jpg"));
  EXPECT_EQ(Disk().at("photos/2020/a.jpg").content,
            kJpeg + std::string(1000, 'A'));
  EXPECT_EQ(Listed(), OnDisk());
  EXPECT_THAT(Groups(), IsEmpty());
  r = Run({"scan"});
  EXPECT_THAT(r.out, HasSubstr("added 0, updated 0, removed 0"));
}

TEST_F(DupesE2eTest, MoveToKeepsLayoutOutsideTheRoots) {
  const std::string q = dir_ / "quarantine";
  RunResult r = Run(
      {"dupes", "--action", "move-to", q, "--keep", "root:photos", "--apply"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 moved"));
  EXPECT_EQ(Slurp(q + "/backup/old/a copy.jpg"),
            kJpeg + std::string(1000, 'A'));
  EXPECT_TRUE(fs::exists(q + "/backup/d.jpg"));
  EXPECT_FALSE(fs::exists(dir_ / "backup/d.jpg"));
  EXPECT_EQ(Listed(), OnDisk());
  EXPECT_THAT(Groups(), IsEmpty());
}

// A quarantine on another drive: /dev/shm (tmpfs) where it is another file
// system than the temp folder.
TEST_F(DupesE2eTest, MoveToAnotherFileSystemCopiesVerifiesAndRemoves) {
  struct stat shm, here;
  if (::stat("/dev/shm", &shm) != 0 ||
      ::stat(dir_.path().c_str(), &here) != 0 || shm.st_dev == here.st_dev) {
    GTEST_SKIP() << "needs /dev/shm on another file system than " << dir_.path()
                 << " (tmpfs); not the case here";
  }
  std::string other = "/dev/shm/phodex-e2e-XXXXXX";
  ASSERT_NE(::mkdtemp(other.data()), nullptr);
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{other};
  const std::string q = other + "/quarantine";
  const auto mtime = fs::last_write_time(dir_ / "backup/d.jpg");
  RunResult r = Run(
      {"dupes", "--action", "move-to", q, "--keep", "root:photos", "--apply"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 moved"));
  EXPECT_THAT(r.out, HasSubstr("0 failed"));
  EXPECT_EQ(Slurp(q + "/backup/old/a copy.jpg"),
            kJpeg + std::string(1000, 'A'));
  EXPECT_EQ(Slurp(q + "/backup/d.jpg"), kJpeg + std::string(1000, 'D'));
  EXPECT_EQ(fs::last_write_time(q + "/backup/d.jpg"), mtime);
  EXPECT_FALSE(fs::exists(dir_ / "backup/d.jpg"));
  // Only the moved files: no temp left beside them.
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(q)) {
    if (e.is_regular_file()) ++files;
    EXPECT_THAT(e.path().filename().string(),
                ::testing::Not(HasSubstr("phodex-")));
  }
  EXPECT_EQ(files, 5u);
  EXPECT_EQ(Slurp(dir_ / "data/catalog.db.dupes-journal"), "");
  EXPECT_EQ(Listed(), OnDisk());
  EXPECT_THAT(Groups(), IsEmpty());
}

// A folder inside a root would be cataloged at the next scan, and the next
// run would move its copies again, one folder deeper each time.
TEST_F(DupesE2eTest, MoveToAFolderInOrAboveARootIsRefused) {
  const auto disk = Disk();
  for (const std::string& dir : {dir_ / "photos/_dupes", dir_ / "photos",
                                 dir_ / "nowhere/../photos/_dupes/deeper"}) {
    for (bool apply : {false, true}) {
      std::vector<std::string> args = {"dupes", "--action", "move-to", dir};
      if (apply) args.push_back("--apply");
      RunResult r = Run(args);
      EXPECT_EQ(r.exit_code, 2) << dir << ": " << r.out << r.err;
      EXPECT_THAT(r.err, HasSubstr("is inside root 'photos'")) << dir;
    }
  }
  RunResult r = Run({"dupes", "--action", "move-to", dir_.path(), "--apply"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("holds root"));
  EXPECT_EQ(Disk(), disk);
  EXPECT_FALSE(fs::exists(dir_ / "photos/_dupes"));
}

TEST_F(DupesE2eTest, MoveToAnEmptyFolderNameIsAUsageError) {
  const auto disk = Disk();
  RunResult r = Run({"dupes", "--action", "move-to", "", "--apply"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("move-to: the folder is empty"));
  EXPECT_EQ(Disk(), disk);
}

TEST_F(DupesE2eTest, AMoveToFolderThatCannotBeCreatedIsAnError) {
  std::ofstream(dir_ / "not-a-folder") << "a file";
  const auto disk = Disk();
  const std::string q = dir_ / "not-a-folder/q";
  RunResult r = Run({"dupes", "--action", "move-to", q, "--apply"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot create the move-to folder '" + q));
  EXPECT_THAT(r.err, HasSubstr("Not a directory"));
  EXPECT_EQ(Disk(), disk);
}

TEST_F(DupesE2eTest, ATargetFolderThatCannotBeCreatedFailsTheCopy) {
  // Every copy goes to q/backup/..., and q/backup is a file.
  fs::create_directories(dir_ / "q");
  std::ofstream(dir_ / "q/backup") << "a file";
  const auto disk = Disk();
  RunResult r = Run({"dupes", "--action", "move-to", dir_ / "q", "--keep",
                     "root:photos", "--apply"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 moved"));
  EXPECT_THAT(r.out, HasSubstr("5 failed"));
  EXPECT_THAT(r.out, HasSubstr("cannot create the target folder '" +
                               dir_ / "q/backup/old'"));
  EXPECT_EQ(Disk(), disk);
  EXPECT_EQ(Listed(), OnDisk());
}

// A quarantine on a full drive (a tiny tmpfs): the error names the file
// that could not be written, not the one moved, and the run fails.
TEST_F(DupesE2eTest, AMoveToAFullDriveNamesTheTargetAndFails) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  const std::string big = kJpeg + std::string(512 << 10, 'Z');
  for (const char* rel : {"photos/big.jpg", "backup/big.jpg"}) {
    std::ofstream(dir_ / rel, std::ios::binary) << big;
  }
  fs::last_write_time(
      dir_ / "photos/big.jpg",
      fs::last_write_time(dir_ / "photos/big.jpg") - std::chrono::hours(48));
  ASSERT_EQ(Run({"scan"}).exit_code, 0);
  const std::string full = dir_ / "full";
  ScopedMount mount("-t tmpfs -o size=64k tmpfs", full);
  if (!mount.ok()) GTEST_SKIP() << "cannot mount a tmpfs: " << mount.error();
  RunResult r = Run({"dupes", dir_ / "photos/big.jpg", dir_ / "backup/big.jpg",
                     "--action", "move-to", full + "/q", "--keep",
                     "root:photos", "--apply"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 failed"));
  EXPECT_THAT(r.out, HasSubstr("cannot copy to " + full + "/q/backup/big.jpg"));
  EXPECT_THAT(r.out, HasSubstr("write '" + full + "/q/backup/.big.jpg"));
  EXPECT_THAT(r.out, HasSubstr("No space left on device"));
  EXPECT_THAT(r.out, Not(HasSubstr("'" + dir_ / "backup")));
  EXPECT_EQ(Slurp(dir_ / "backup/big.jpg"), big);
  EXPECT_THAT(Disk(), Not(Contains(Key(HasSubstr("phodex-")))));
  EXPECT_TRUE(fs::is_empty(full + "/q/backup"));  // no temp left
  EXPECT_EQ(Slurp(dir_ / "data/catalog.db.dupes-journal"), "");
}

TEST_F(DupesE2eTest, FilesChangedSinceTheScanAreSkipped) {
  ASSERT_EQ(Run({"dupes"}).exit_code, 0);  // full hashes stored
  // Same size and mtime, other bytes: only the byte compare sees it.
  const auto mtime = fs::last_write_time(dir_ / "backup/c.jpg");
  Write("backup/c.jpg", "X");
  fs::last_write_time(dir_ / "backup/c.jpg", mtime);
  // An edit with a new mtime.
  std::ofstream(dir_ / "backup/d.jpg", std::ios::app) << "edited";
  const auto before = Disk();
  RunResult r =
      Run({"dupes", "--action", "delete", "--keep", "root:photos", "--apply"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 files deleted"));
  EXPECT_THAT(r.out, HasSubstr("2 skipped"));
  EXPECT_THAT(r.out, HasSubstr("content differs"));
  EXPECT_THAT(r.out, HasSubstr("changed since the scan"));
  EXPECT_EQ(Disk().at("backup/c.jpg"), before.at("backup/c.jpg"));
  EXPECT_EQ(Disk().at("backup/d.jpg"), before.at("backup/d.jpg"));
  RunResult errors = Run({"ops", "--errors"});
  EXPECT_THAT(errors.out, HasSubstr("content differs"));
}

TEST_F(DupesE2eTest, AnInterruptedMoveIsFinishedByTheNextRun) {
  // What a crash between "link at the target" and "remove the old name"
  // leaves: both names, and the intent in the journal.
  RunResult ls = Run({"ls", "--json", dir_ / "backup/b.jpg"});
  const auto row = nlohmann::json::parse(ls.out);
  struct stat vs, ks;
  ::lstat((dir_ / "backup/b.jpg").c_str(), &vs);
  ::lstat((dir_ / "photos/b.jpg").c_str(), &ks);
  const std::string target = dir_ / "q/backup/b.jpg";
  fs::create_directories(dir_ / "q/backup");
  fs::create_hard_link(dir_ / "backup/b.jpg", target);
  nlohmann::json intent = {{"seq", 1},
                           {"state", "intent"},
                           {"action", "move-to"},
                           {"victim", dir_ / "backup/b.jpg"},
                           {"keeper", dir_ / "photos/b.jpg"},
                           {"target", target},
                           {"temp", ""},
                           {"size", row["size"]},
                           {"hash", std::string(32, '0')},
                           {"victim_dev", vs.st_dev},
                           {"victim_ino", vs.st_ino},
                           {"keeper_dev", ks.st_dev},
                           {"keeper_ino", ks.st_ino},
                           {"file_id", row["id"]},
                           {"root_id", 2},
                           {"rel", "b.jpg"}};
  std::ofstream(dir_ / "data/catalog.db.dupes-journal")
      << intent.dump() << "\n";

  RunResult scan = Run({"scan", "--progress", "none"});  // only says so
  EXPECT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_THAT(scan.err, HasSubstr("1 unfinished action"));
  EXPECT_TRUE(fs::exists(dir_ / "backup/b.jpg"));

  RunResult r = Run({"dupes"});  // any dupes run settles the journal first
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("interrupted run"));
  EXPECT_THAT(r.err, HasSubstr("done"));
  EXPECT_FALSE(fs::exists(dir_ / "backup/b.jpg"));
  EXPECT_EQ(Slurp(target), kJpeg + std::string(1000, 'B'));
  EXPECT_EQ(Slurp(dir_ / "data/catalog.db.dupes-journal"), "");
  EXPECT_EQ(Listed(), OnDisk());
}

TEST_F(DupesE2eTest, BadArgumentsAreUsageErrors) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"dupes", "--apply"},
        {"dupes", "--action", "shred"},
        {"dupes", "--action", "move-to"},
        {"dupes", "--action", "delete", "--keep", "root:nowhere"},
        {"dupes", "--action", "delete", "--keep", "biggest"},
        {"dupes", "--action", "delete", "--csv"}}) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
  }
  EXPECT_EQ(Listed(), OnDisk());
}

// ---------------------------------------------------------------------------
// Path doubles: the same file seen through two mounts. Byte equality cannot
// tell it from a second copy (a file is byte-identical to itself); the
// actions must never remove or move the only copy. Needs root (mount).

class PathDoubleE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounts need root";
  }
  void TearDown() override {
    while (!mounts_.empty()) mounts_.pop_back();  // innermost first
  }
  // Mounts; false (and why in mount_error_) where this machine cannot,
  // e.g. a container without CAP_SYS_ADMIN or a kernel without overlayfs.
  bool Mount(const std::string& args, const std::string& target) {
    mounts_.push_back(std::make_unique<ScopedMount>(args, target));
    if (mounts_.back()->ok()) return true;
    mount_error_ = "mount " + args + " " + target + ": " +
                   mounts_.back()->error();
    return false;
  }
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--catalog", dir_ / "data/catalog.db"});
    return RunPhodex(args, scratch_.path());
  }
  // lower/d/only.jpg: the only copy of its content.
  void WriteOnlyCopy(const std::string& lower) {
    fs::create_directories(lower + "/d");
    std::ofstream(lower + "/d/only.jpg", std::ios::binary) << kOnly;
  }
  // Every action, --keep root:`keeper_root`, applied; after each, the only
  // copy at `only` is still there, whole, and the run says why not.
  void ExpectEveryActionKeepsTheOnlyCopy(const std::string& keeper_root,
                                         const std::string& only,
                                         const std::string& reason) {
    for (std::vector<std::string> action : {std::vector<std::string>{"delete"},
                                            {"hardlink"},
                                            {"move-to", dir_ / "quarantine"}}) {
      std::vector<std::string> args = {"dupes", "--action"};
      args.insert(args.end(), action.begin(), action.end());
      args.insert(args.end(), {"--keep", "root:" + keeper_root, "--apply"});
      RunResult r = Run(args);
      EXPECT_EQ(r.exit_code, 0) << action[0] << ": " << r.out << r.err;
      EXPECT_EQ(Slurp(only), kOnly) << action[0] << ": " << r.out;
      EXPECT_THAT(r.out, HasSubstr("0 failed")) << action[0];
      if (!reason.empty()) {
        EXPECT_THAT(r.out, HasSubstr("1 skipped")) << action[0];
        // hardlink never gets there: no kept copy on the same device.
        EXPECT_THAT(r.out,
                    HasSubstr(action[0] == "hardlink" ? "on another file system"
                                                      : reason))
            << action[0];
      }
      for (const auto& e : fs::recursive_directory_iterator(dir_.path())) {
        if (e.path().filename() == ".phodex-root") continue;  // the marker
        EXPECT_THAT(e.path().filename().string(), Not(HasSubstr("phodex-")))
            << "left behind: " << e.path();
      }
      EXPECT_FALSE(fs::exists(dir_ / "quarantine/lower/d/only.jpg"));
    }
  }

  const std::string kOnly = kJpeg + std::string(1000, 'O');
  TempDir dir_;
  TempDir scratch_;
  std::vector<std::unique_ptr<ScopedMount>> mounts_;
  std::string mount_error_;
};

// The issue's reproduction: an overlay whose lower layer is a root, seen
// again at the overlay's mount point. An overlay of one file system shows
// the real inode numbers, so the check before acting already sees it.
TEST_F(PathDoubleE2eTest, OverlayOfOneFileSystem) {
  const std::string t = dir_ / "t";  // tmpfs: overlayfs takes it anywhere
  if (!Mount("-t tmpfs tmpfs", t)) GTEST_SKIP() << mount_error_;
  for (const char* d : {"lower", "upper", "work"}) {
    fs::create_directories(t + "/" + d);
  }
  WriteOnlyCopy(t + "/lower");
  const std::string m = dir_ / "merged";
  if (!Mount("-t overlay overlay -o lowerdir=" + t + "/lower,upperdir=" + t +
                 "/upper,workdir=" + t + "/work",
             m)) {
    GTEST_SKIP() << mount_error_;
  }
  ASSERT_EQ(Run({"scan", t + "/lower", m}).exit_code, 0);
  // Byte-identical to itself: a duplicate group of one file.
  ASSERT_THAT(Run({"dupes"}).out, HasSubstr("1 duplicate groups"));
  ExpectEveryActionKeepsTheOnlyCopy("merged", t + "/lower/d/only.jpg",
                                    "the same file seen through two mounts");
  EXPECT_EQ(Slurp(m + "/d/only.jpg"), kOnly);
}

// An overlay across two file systems with xino: other inode numbers, so
// nothing but the rename-aside proof can tell. The kernel still resolves
// the overlay's path after the lower file is renamed (its name cache); the
// folder's listing does not have it.
TEST_F(PathDoubleE2eTest, OverlayWithOtherInodeNumbers) {
  const std::string lower = dir_ / "lower";
  const std::string t = dir_ / "t";
  if (!Mount("-t tmpfs tmpfs", lower) || !Mount("-t tmpfs tmpfs", t)) {
    GTEST_SKIP() << mount_error_;
  }
  fs::create_directories(t + "/upper");
  fs::create_directories(t + "/work");
  WriteOnlyCopy(lower);
  const std::string m = dir_ / "merged";
  if (!Mount("-t overlay overlay -o xino=on,lowerdir=" + lower +
                 ",upperdir=" + t + "/upper,workdir=" + t + "/work",
             m)) {
    GTEST_SKIP() << mount_error_;
  }
  struct stat a, b;
  ASSERT_EQ(::stat((lower + "/d/only.jpg").c_str(), &a), 0);
  ASSERT_EQ(::stat((m + "/d/only.jpg").c_str(), &b), 0);
  if (a.st_ino == b.st_ino) GTEST_SKIP() << "xino did not change the inode";
  ASSERT_EQ(Run({"scan", lower, m}).exit_code, 0);
  ExpectEveryActionKeepsTheOnlyCopy(
      "merged", lower + "/d/only.jpg",
      "the copy kept vanished when this copy was moved aside");
  EXPECT_EQ(Slurp(m + "/d/only.jpg"), kOnly);
}

// A bind mount shares the device: one inode, one file (a hard link to
// itself), never a duplicate; and a move-to folder reached through it is
// inside the root.
TEST_F(PathDoubleE2eTest, BindMount) {
  const std::string lower = dir_ / "lower";
  WriteOnlyCopy(lower);
  const std::string bound = dir_ / "bound";
  if (!Mount("--bind '" + lower + "'", bound)) GTEST_SKIP() << mount_error_;
  ASSERT_EQ(Run({"scan", lower, bound}).exit_code, 0);
  ExpectEveryActionKeepsTheOnlyCopy("bound", lower + "/d/only.jpg", "");
  EXPECT_EQ(Slurp(bound + "/d/only.jpg"), kOnly);

  const std::string elsewhere = dir_ / "elsewhere";
  if (!Mount("--bind '" + lower + "'", elsewhere)) {
    GTEST_SKIP() << mount_error_;
  }
  RunResult r = Run({"dupes", "--action", "move-to", elsewhere + "/q"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("reached through another path"));
}

}  // namespace
}  // namespace phodex::testing
