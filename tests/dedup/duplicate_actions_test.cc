// Duplicate actions on real files in a temporary folder (links, renames and
// inodes are the point) against a real SQLite catalog: keep rules, the
// plan, the byte re-check, never the last copy, and the journal settled
// after a crash at each step.

#include "dedup/duplicate_actions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "catalog/sqlite/sqlite_catalog.h"
#include "dedup/file_compare.h"
#include "os/clock.h"
#include "tests/fakes/fake_file_system.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::dedup {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---------------------------------------------------------------------------
// Keep rules and the plan: pure functions on hand-made groups.

DuplicateFile File(const std::string& path, int64_t mtime, uint64_t ino,
                   uint64_t dev = 1) {
  const bool in_a = path.starts_with("/a/");
  return {FileId{static_cast<int64_t>(ino)},
          path,
          in_a ? "/a" : "/b",
          path.substr(3),
          dev,
          ino,
          FileTime::FromNanos(mtime)};
}

DuplicateGroup Group(std::vector<DuplicateFile> files) {
  DuplicateGroup g;
  g.size = 10;
  g.files = std::move(files);
  return g;
}

std::vector<std::string> KeptPaths(const DuplicateGroup& g,
                                   const std::string& rule) {
  auto r = ParseKeepRule(rule);
  EXPECT_TRUE(r) << rule;
  KeptCopies k = ChooseKept(g, *r, [](const std::string& root_path) {
    return root_path.substr(1);  // "/a" is root "a"
  });
  std::vector<std::string> out;
  for (size_t i : k.kept) out.push_back(g.files[i].path);
  return out;
}

TEST(KeepRule, ParsesEachRuleAndRefusesOthers) {
  EXPECT_EQ(ParseKeepRule("oldest")->kind, KeepRule::Kind::kOldest);
  EXPECT_EQ(ParseKeepRule("newest")->kind, KeepRule::Kind::kNewest);
  EXPECT_EQ(ParseKeepRule("shortest-path")->kind,
            KeepRule::Kind::kShortestPath);
  EXPECT_EQ(ParseKeepRule("root:photos")->arg, "photos");
  EXPECT_EQ(ParseKeepRule("path-glob:*/2024/*")->arg, "*/2024/*");
  for (const char* bad : {"", "old", "root:", "path-glob:", "Oldest"}) {
    EXPECT_FALSE(ParseKeepRule(bad)) << bad;
  }
}

TEST(KeepRule, ChoosesByRuleWithStableTies) {
  const DuplicateGroup g =
      Group({File("/a/long/name.jpg", 5, 1), File("/a/x.jpg", 7, 2),
             File("/b/y.jpg", 5, 3), File("/b/z.jpg", 9, 4)});
  // Oldest: mtime 5 twice; the shorter path wins.
  EXPECT_THAT(KeptPaths(g, "oldest"), ElementsAre("/b/y.jpg"));
  EXPECT_THAT(KeptPaths(g, "newest"), ElementsAre("/b/z.jpg"));
  // Shortest path: three of length 8; the oldest of them.
  EXPECT_THAT(KeptPaths(g, "shortest-path"), ElementsAre("/b/y.jpg"));
  EXPECT_THAT(KeptPaths(g, "root:a"), ElementsAre("/a/long/name.jpg"));
  EXPECT_THAT(KeptPaths(g, "root:c"), IsEmpty());
  // A glob keeps every match, oldest first; without '/' it sees the name.
  EXPECT_THAT(KeptPaths(g, "path-glob:/b/*"),
              ElementsAre("/b/y.jpg", "/b/z.jpg"));
  EXPECT_THAT(KeptPaths(g, "path-glob:x.*"), ElementsAre("/a/x.jpg"));
  EXPECT_THAT(KeptPaths(g, "path-glob:*.png"), IsEmpty());
}

TEST(KeepRule, OrdersTimesPastInt64NanosecondsChronologically) {
  DuplicateGroup g =
      Group({File("/a/future.jpg", 0, 1), File("/b/y2020.jpg", 0, 2)});
  g.files[0].mtime = {15'031'569'600, 0};  // 2446-05-01
  g.files[1].mtime = {1'591'012'800, 0};   // 2020-06-01
  EXPECT_THAT(KeptPaths(g, "oldest"), ElementsAre("/b/y2020.jpg"));
  EXPECT_THAT(KeptPaths(g, "newest"), ElementsAre("/a/future.jpg"));
}

TEST(ActionPlan, KeepsHardLinksOfTheKeeperAndFreesEachVictimInodeOnce) {
  DuplicateReport report;
  report.groups.push_back(
      Group({File("/a/k.jpg", 1, 10), File("/a/k-link.jpg", 1, 10),  // keeper's
             File("/b/v1.jpg", 2, 20), File("/b/v1-link.jpg", 2, 20),
             File("/b/v2.jpg", 3, 30)}));
  const std::vector<catalog::Root> roots = {{RootId{1}, "/a", "a"},
                                            {RootId{2}, "/b", "b"}};
  ActionOptions o;
  o.kind = ActionKind::kMoveTo;
  o.move_to = "/q";
  ActionPlan plan = PlanActions(report, roots, o);
  ASSERT_EQ(plan.groups.size(), 1u);
  const PlannedGroup& g = plan.groups[0];
  ASSERT_EQ(g.kept.size(), 2u);
  EXPECT_EQ(g.kept[0].path, "/a/k.jpg");
  EXPECT_EQ(g.kept[1].path, "/a/k-link.jpg");
  ASSERT_EQ(g.actions.size(), 3u);
  std::map<std::string, int64_t> frees;
  for (const PlannedAction& a : g.actions) {
    frees[a.victim.path] = a.frees;
    EXPECT_EQ(a.keeper.path, "/a/k.jpg");
    EXPECT_EQ(a.victim_root, RootId{2});
    EXPECT_EQ(a.target, "/q/b/" + a.victim.rel);
  }
  // v1's bytes are freed only with its last path.
  EXPECT_EQ(frees["/b/v1.jpg"] + frees["/b/v1-link.jpg"], 10);
  EXPECT_EQ(frees["/b/v2.jpg"], 10);
  EXPECT_EQ(plan.bytes_freed, 20);
  EXPECT_EQ(plan.actions, 3);
}

TEST(ActionPlan, HardLinksOnlyWithinOneFileSystemAndSkipsUnmatchedGroups) {
  DuplicateReport report;
  report.groups.push_back(Group({File("/a/k.jpg", 1, 10, /*dev=*/1),
                                 File("/b/v.jpg", 2, 20, /*dev=*/2)}));
  const std::vector<catalog::Root> roots = {{RootId{1}, "/a", "a"},
                                            {RootId{2}, "/b", "b"}};
  ActionOptions o;
  o.kind = ActionKind::kHardLink;
  ActionPlan plan = PlanActions(report, roots, o);
  ASSERT_EQ(plan.groups[0].actions.size(), 1u);
  EXPECT_THAT(plan.groups[0].actions[0].skip, HasSubstr("file system"));
  EXPECT_EQ(plan.actions, 0);
  EXPECT_EQ(plan.bytes_freed, 0);

  o.keep = *ParseKeepRule("root:nowhere");
  plan = PlanActions(report, roots, o);
  EXPECT_THAT(plan.groups[0].skip, HasSubstr("no copy in root 'nowhere'"));
  EXPECT_THAT(plan.groups[0].actions, IsEmpty());
  EXPECT_EQ(plan.groups[0].kept.size(), 2u);
}

// ---------------------------------------------------------------------------
// Applying a plan to real files.

// Fails the chosen step, as a full disk or a permission error would;
// `cross_device` makes links and renames from one folder to another report
// another file system, as they do for a target on another drive.
class FailingFileOps final : public FileOps {
 public:
  explicit FailingFileOps(FileOps& real) : real_(real) {}
  Status HardLink(const std::string& e, const std::string& l) override {
    if (Across(e, l)) return CrossDevice("create hard link", l);
    return fail_link ? Fail("link", l) : real_.HardLink(e, l);
  }
  Status Rename(const std::string& f, const std::string& t,
                os::Replace replace) override {
    if (Across(f, t)) return CrossDevice("rename", f);
    return fail_rename ? Fail("rename", f) : real_.Rename(f, t, replace);
  }
  Status RemoveFile(const std::string& p) override {
    if (!fail_remove.empty() && p.find(fail_remove) != std::string::npos) {
      return Fail("remove", p);
    }
    return real_.RemoveFile(p);
  }
  bool fail_link = false;
  bool fail_rename = false;
  bool cross_device = false;
  std::string fail_remove;  // paths holding this may not be removed

 private:
  static Status CrossDevice(const char* op, const std::string& path) {
    return MakeError(ErrorCode::kUnsupported, "Invalid cross-device link", op,
                     path);
  }
  static Status Fail(const char* op, const std::string& path) {
    return MakeError(ErrorCode::kIo, "No space left on device", op, path);
  }
  bool Across(const std::string& from, const std::string& to) const {
    return cross_device && os::DirName(from) != os::DirName(to);
  }
  FileOps& real_;
};

class DuplicateActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cat_ = std::move(*catalog::OpenSqliteCatalog(dir_ / "c.db", {}));
    fs::create_directories(dir_ / "r1");
    fs::create_directories(dir_ / "r2");
    roots_.push_back(*cat_->AddRoot(dir_ / "r1", "r1", 1));
    roots_.push_back(*cat_->AddRoot(dir_ / "r2", "r2", 1));
    auto j = ActionJournal::Open(*fs_, dir_ / "c.db.dupes-journal");
    ASSERT_TRUE(j);
    journal_ = std::move(*j);
    catalog::Operation op;
    op.type = "dupes";
    op_ = *cat_->BeginOperation(op);
  }

  // Writes `content` at root/rel, `age_h` hours in the past, and catalogs
  // it as a scan would.
  std::string Put(int root, const std::string& rel, const std::string& content,
                  int age_h = 0) {
    const std::string path = os::JoinPath(roots_[root].path, rel);
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << content;
    fs::last_write_time(path,
                        fs::last_write_time(path) - std::chrono::hours(age_h));
    Catalog(root, rel);
    return path;
  }
  void Catalog(int root, const std::string& rel) {
    catalog::ScanBatch b;
    b.root = roots_[root].id;
    b.now_ns = 2;
    catalog::FileUpsert u;
    u.rel = rel;
    u.stat = *fs_->Stat(os::JoinPath(roots_[root].path, rel), os::Follow::kNo);
    u.kind = MediaKind::kPhoto;
    b.upserts = {u};
    ASSERT_TRUE(cat_->ApplyBatch(b));
  }
  DuplicateReport Find() {
    Hashers h;
    h.quick = h.full = [](const std::string& p) -> Result<ContentHash> {
      if (!fs::exists(p)) return MakeError(ErrorCode::kNotFound, "gone");
      return ContentHash{std::hash<std::string>()(Read(p)), 7};
    };
    auto r = FindExactDuplicates(*cat_, h, {});
    EXPECT_TRUE(r) << r.error().ToString();
    return *r;
  }
  ActionPlan Plan(ActionKind kind, const std::string& keep = "oldest") {
    ActionOptions o;
    o.kind = kind;
    o.keep = *ParseKeepRule(keep);
    o.move_to = dir_ / "quarantine";
    return PlanActions(Find(), roots_, o);
  }
  ApplyReport Apply(const ActionPlan& plan) {
    ActionRecorder recorder(*cat_, *fs_, os::SystemClock(), op_);
    ActionEnv env{*fs_, *ops_, *journal_, recorder, 1, nullptr};
    auto r = ApplyPlan(plan, env);
    EXPECT_TRUE(r) << r.error().ToString();
    return *r;
  }
  std::vector<RecoveredAction> Recover() {
    auto j = ActionJournal::Open(*fs_, journal_->path());  // a new process
    EXPECT_TRUE(j);
    ActionRecorder recorder(*cat_, *fs_, os::SystemClock(), op_);
    ActionEnv env{*fs_, *ops_, **j, recorder, 2, nullptr};
    auto r = RecoverJournal(env);
    EXPECT_TRUE(r) << r.error().ToString();
    return *r;
  }
  // Present paths in the catalog, with their inodes.
  std::map<std::string, uint64_t> Cataloged() {
    std::map<std::string, uint64_t> out;
    EXPECT_TRUE(cat_->ForEachFile({}, [&](const catalog::FileRow& r) {
      out[os::JoinPath(r.root_path, r.rel)] = r.ino;
    }));
    return out;
  }
  uint64_t Ino(const std::string& p) {
    auto st = fs_->Stat(p, os::Follow::kNo);
    return st ? st->ino : 0;
  }

  testing::TempDir dir_;
  std::unique_ptr<os::FileSystem> fs_ = os::NewPosixFileSystem();
  std::unique_ptr<FileOps> ops_ = NewFileOps(*fs_);
  std::unique_ptr<catalog::Catalog> cat_;
  std::vector<catalog::Root> roots_;
  std::unique_ptr<ActionJournal> journal_;
  OperationId op_;
};

TEST_F(DuplicateActionsTest, DeleteKeepsTheOldestAndRecordsRemovals) {
  const std::string keep = Put(0, "2020/a.jpg", "AAAA-content", /*age_h=*/5);
  const std::string v1 = Put(1, "copy/a.jpg", "AAAA-content");
  const std::string v2 = Put(1, "a.jpg", "AAAA-content", 1);
  Put(0, "empty1.jpg", "");  // empty files are never duplicates
  Put(1, "empty2.jpg", "");
  const ActionPlan plan = Plan(ActionKind::kDelete);
  ApplyReport r = Apply(plan);
  EXPECT_EQ(r.deleted, 2);
  EXPECT_EQ(r.bytes_freed, 24);
  EXPECT_EQ(r.skipped + r.failed, 0);
  EXPECT_TRUE(fs::exists(keep));
  EXPECT_FALSE(fs::exists(v1));
  EXPECT_FALSE(fs::exists(v2));
  EXPECT_EQ(Cataloged().count(v1), 0u);
  EXPECT_EQ(Cataloged().size(), 3u);  // the keeper and the empty files
  EXPECT_THAT(Find().groups, IsEmpty());
  EXPECT_TRUE(journal_->empty());
  EXPECT_EQ(Read(journal_->path()), "");
  std::vector<std::string> statuses;
  for (const PathStatus& p : DescribePaths(plan, &r)) {
    statuses.push_back(p.status + " " + p.file->path);
  }
  EXPECT_THAT(statuses, ElementsAre("kept " + keep, "done " + v2, "done " + v1));
  EXPECT_EQ(DescribePaths(plan, nullptr)[1].status, "planned");
}

TEST_F(DuplicateActionsTest, HardLinkReplacesCopiesAndTheCatalogFollows) {
  const std::string keep = Put(0, "a.jpg", "AAAA-content", 5);
  const std::string v = Put(1, "sub/a.jpg", "AAAA-content");
  Find();  // stores full hashes
  ApplyReport r = Apply(Plan(ActionKind::kHardLink));
  EXPECT_EQ(r.linked, 1);
  EXPECT_EQ(r.bytes_freed, 12);
  EXPECT_EQ(fs::hard_link_count(keep), 2u);
  EXPECT_EQ(Ino(v), Ino(keep));
  EXPECT_EQ(Cataloged().at(v), Ino(keep));
  // One file now: no waste, and the hash survived the new inode.
  EXPECT_THAT(Find().groups, IsEmpty());
  catalog::FileQuery q;
  q.root = roots_[1].id;
  ASSERT_TRUE(cat_->ForEachFile(q, [](const catalog::FileRow& row) {
    EXPECT_TRUE(row.hash.has_value());
  }));
  // No temporary name left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(fs::path(v).parent_path()),
                          fs::directory_iterator()),
            1);
}

TEST_F(DuplicateActionsTest, MoveToKeepsTheLayoutAndNeverReplaces) {
  Put(0, "a.jpg", "AAAA-content", 5);
  const std::string v = Put(1, "2024/a.jpg", "AAAA-content");
  Put(0, "b.jpg", "BBBB-content", 5);
  const std::string w = Put(1, "b.jpg", "BBBB-content");
  const std::string taken = dir_ / "quarantine/r2/b.jpg";
  fs::create_directories(fs::path(taken).parent_path());
  std::ofstream(taken) << "someone else's file";
  ApplyReport r = Apply(Plan(ActionKind::kMoveTo));
  EXPECT_EQ(r.moved, 1);
  EXPECT_EQ(r.bytes_moved, 12);
  EXPECT_EQ(r.bytes_freed, 0);  // moved, not freed
  EXPECT_EQ(r.skipped, 1);
  EXPECT_THAT(r.results[1].reason, HasSubstr("target exists"));
  EXPECT_EQ(Read(dir_ / "quarantine/r2/2024/a.jpg"), "AAAA-content");
  EXPECT_FALSE(fs::exists(v));
  EXPECT_EQ(Read(w), "BBBB-content");  // left alone
  EXPECT_EQ(Read(taken), "someone else's file");
  EXPECT_EQ(Cataloged().count(v), 0u);
}

TEST_F(DuplicateActionsTest, RechecksBytesAndStatRightBeforeActing) {
  Put(0, "a.jpg", "AAAA-content", 5);
  const std::string same_stat = Put(1, "a.jpg", "AAAA-content");
  Put(0, "b.jpg", "BBBB-content", 5);
  const std::string touched = Put(1, "b.jpg", "BBBB-content");
  Put(0, "c.jpg", "CCCC-content", 5);
  const std::string gone = Put(1, "c.jpg", "CCCC-content");
  const ActionPlan plan = Plan(ActionKind::kDelete);
  // Between the plan and the action: same size and mtime, other bytes...
  const auto mtime = fs::last_write_time(same_stat);
  std::ofstream(same_stat, std::ios::binary) << "AAAA-CHANGED";
  fs::last_write_time(same_stat, mtime);
  // ...an edit, and a file that vanished.
  std::ofstream(touched, std::ios::binary) << "BBBB-edited!";
  fs::remove(gone);
  ApplyReport r = Apply(plan);
  EXPECT_EQ(r.deleted, 0);
  EXPECT_EQ(r.skipped, 3);
  std::map<std::string, std::string> why;
  for (const ActionResult& res : r.results)
    why[res.action.victim.path] = res.reason;
  EXPECT_THAT(why[same_stat], HasSubstr("content differs"));
  EXPECT_THAT(why[touched], HasSubstr("changed since the scan"));
  EXPECT_THAT(why[gone], HasSubstr("gone"));
  EXPECT_EQ(Read(same_stat), "AAAA-CHANGED");
  EXPECT_EQ(Read(touched), "BBBB-edited!");
}

TEST_F(DuplicateActionsTest, NeverRemovesTheLastCopy) {
  const std::string keep = Put(0, "a.jpg", "AAAA-content", 5);
  const std::string v = Put(1, "a.jpg", "AAAA-content");
  const ActionPlan plan = Plan(ActionKind::kDelete);
  fs::remove(keep);  // the keeper went away after the plan
  ApplyReport r = Apply(plan);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_THAT(r.results[0].reason, HasSubstr("copy kept"));
  EXPECT_EQ(Read(v), "AAAA-content");
  // And a keeper that is the victim itself is never acted on.
  EXPECT_THAT(VerifyDuplicate(*fs_, plan.groups[0].actions[0].victim,
                              plan.groups[0].actions[0].victim, 12),
              HasSubstr("keeper itself"));
}

TEST_F(DuplicateActionsTest, AFailedStepLeavesEverythingInPlace) {
  const std::string keep = Put(0, "a.jpg", "AAAA-content", 5);
  const std::string v = Put(1, "a.jpg", "AAAA-content");
  const uint64_t v_ino = Ino(v);
  const ActionPlan plan = Plan(ActionKind::kHardLink);
  // The rename aside, the link at the victim's name, the removal of the
  // aside name.
  for (int step = 0; step < 3; ++step) {
    FailingFileOps failing(*ops_);
    failing.fail_rename = step == 0;
    failing.fail_link = step == 1;
    failing.fail_remove = step == 2 ? ".phodex-aside-" : "";
    ActionRecorder recorder(*cat_, *fs_, os::SystemClock(), op_);
    ActionEnv env{*fs_, failing, *journal_, recorder, step, nullptr};
    auto r = ApplyPlan(plan, env);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->failed, 1) << step;
    EXPECT_THAT(r->results[0].reason, HasSubstr("No space left")) << step;
    EXPECT_EQ(fs::hard_link_count(keep), 1u) << step;
    EXPECT_EQ(Ino(v), v_ino) << step;  // the original, back at its name
    EXPECT_EQ(Read(v), "AAAA-content");
    EXPECT_EQ(std::distance(fs::directory_iterator(roots_[1].path),
                            fs::directory_iterator()),
              1)
        << step;  // no aside name left
  }
}

TEST_F(DuplicateActionsTest, MoveToAnotherFileSystemCopiesVerifiesRemoves) {
  Put(0, "a.jpg", "AAAA-content", 5);
  const std::string v = Put(1, "2024/a.jpg", "AAAA-content", 3);
  const auto mtime = fs::last_write_time(v);
  fs::permissions(v, fs::perms::owner_read | fs::perms::group_read);
  FailingFileOps failing(*ops_);
  failing.cross_device = true;
  ActionRecorder recorder(*cat_, *fs_, os::SystemClock(), op_);
  ActionEnv env{*fs_, failing, *journal_, recorder, 1, nullptr};
  auto r = ApplyPlan(Plan(ActionKind::kMoveTo), env);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->moved, 1);
  EXPECT_EQ(r->bytes_moved, 12);
  EXPECT_EQ(r->failed + r->skipped, 0) << r->results[0].reason;
  const std::string target = dir_ / "quarantine/r2/2024/a.jpg";
  EXPECT_EQ(Read(target), "AAAA-content");
  EXPECT_EQ(fs::last_write_time(target), mtime);
  EXPECT_EQ(fs::status(target).permissions(),
            fs::perms::owner_read | fs::perms::group_read);
  EXPECT_FALSE(fs::exists(v));
  EXPECT_EQ(Cataloged().count(v), 0u);
  // Only the target in its folder: the temp took its name.
  const fs::path folder = fs::path(target).parent_path();
  EXPECT_EQ(
      std::distance(fs::directory_iterator(folder), fs::directory_iterator()),
      1);
  EXPECT_EQ(Read(journal_->path()), "");
}

TEST_F(DuplicateActionsTest, MoveToAnotherFileSystemNeverReplacesATarget) {
  Put(0, "a.jpg", "AAAA-content", 5);
  const std::string v = Put(1, "a.jpg", "AAAA-content");
  const std::string target = dir_ / "quarantine/r2/a.jpg";
  const ActionPlan plan = Plan(ActionKind::kMoveTo);
  fs::create_directories(fs::path(target).parent_path());
  FailingFileOps failing(*ops_);
  failing.cross_device = true;
  ActionRecorder recorder(*cat_, *fs_, os::SystemClock(), op_);
  ActionEnv env{*fs_, failing, *journal_, recorder, 1, nullptr};
  std::ofstream(target) << "someone else's file";
  auto r = ApplyPlan(plan, env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->moved, 0);
  EXPECT_THAT(r->results[0].reason, HasSubstr("target exists"));
  EXPECT_EQ(Read(target), "someone else's file");
  EXPECT_EQ(Read(v), "AAAA-content");
  // And the durable copy itself refuses an existing name.
  auto st = fs_->CopyFileDurable(v, target, "");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Read(target), "someone else's file");
  const fs::path folder = fs::path(target).parent_path();
  EXPECT_EQ(
      std::distance(fs::directory_iterator(folder), fs::directory_iterator()),
      1);  // no temp left
}

TEST_F(DuplicateActionsTest, AFailedRemovalAfterACopyAcrossUndoesTheCopy) {
  Put(0, "a.jpg", "AAAA-content", 5);
  const std::string v = Put(1, "a.jpg", "AAAA-content");
  FailingFileOps failing(*ops_);
  failing.cross_device = true;
  failing.fail_remove = ".phodex-aside-";
  ActionRecorder recorder(*cat_, *fs_, os::SystemClock(), op_);
  ActionEnv env{*fs_, failing, *journal_, recorder, 1, nullptr};
  auto r = ApplyPlan(Plan(ActionKind::kMoveTo), env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failed, 1);
  EXPECT_EQ(Read(v), "AAAA-content");
  EXPECT_FALSE(fs::exists(dir_ / "quarantine/r2/a.jpg"));
  EXPECT_TRUE(Cataloged().count(v));
}

TEST_F(DuplicateActionsTest, HardLinksAreNotWasteAndAreLeftAlone) {
  const std::string keep = Put(0, "a.jpg", "AAAA-content", 5);
  fs::create_hard_link(keep, roots_[0].path + "/link.jpg");
  Catalog(0, "link.jpg");
  EXPECT_THAT(Find().groups, IsEmpty());
  const ActionPlan plan = Plan(ActionKind::kDelete);
  EXPECT_THAT(plan.groups, IsEmpty());
}

// ---------------------------------------------------------------------------
// Path doubles: one file seen through two mounts (a bind mount, an overlay,
// a network or FUSE share of one folder) is byte-identical to itself, so
// the byte check passes. The actions must prove a second copy exists.

class PathDoubleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cat_ = std::move(*catalog::OpenSqliteCatalog(dir_ / "c.db", {}));
    lower_ = *cat_->AddRoot("/l", "l", 1);
    mount_ = *cat_->AddRoot("/m", "m", 1);
    auto j = ActionJournal::Open(fake_, "/data/c.db.dupes-journal");
    ASSERT_TRUE(j);
    journal_ = std::move(*j);
    fake_.AddFile("/l/d/only.jpg", "the only copy", kMtime);
  }
  DuplicateFile At(const std::string& path, const catalog::Root& root) {
    auto st = fake_.Stat(path, os::Follow::kNo);
    EXPECT_TRUE(st) << path;
    return {FileId{static_cast<int64_t>(st->ino)},
            path,
            root.path,
            path.substr(root.path.size() + 1),
            st->dev,
            st->ino,
            st->mtime};
  }
  // One action on `victim`, kept copy `keeper` (as a plan with --keep
  // root:m would have it).
  ActionPlan PlanOne(ActionKind kind, const std::string& victim,
                     const std::string& keeper) {
    PlannedAction a;
    a.kind = kind;
    a.victim = At(victim, lower_);
    a.victim_root = lower_.id;
    a.victim_root_name = lower_.name;
    a.keeper = At(keeper, mount_);
    a.size = 13;
    if (kind == ActionKind::kMoveTo) a.target = "/q/l/" + a.victim.rel;
    ActionPlan plan;
    plan.groups.emplace_back();
    plan.groups[0].kept.push_back(a.keeper);
    plan.groups[0].actions.push_back(a);
    return plan;
  }
  ApplyReport Apply(const ActionPlan& plan) {
    ActionRecorder recorder(*cat_, fake_, os::SystemClock(), OperationId{});
    ActionEnv env{fake_, *ops_, *journal_, recorder, 1, nullptr};
    auto r = ApplyPlan(plan, env);
    EXPECT_TRUE(r) << r.error().ToString();
    return *r;
  }
  std::string Content(const std::string& path) {
    auto f = fake_.OpenForRead(path, os::AccessPattern::kSequential);
    if (!f) return "<" + f.error().ToString() + ">";
    std::string out(static_cast<size_t>((*f)->size()), '\0');
    EXPECT_TRUE((*f)->ReadAt(0, out.data(), out.size()));
    return out;
  }
  // Every name in the folder, as a fresh listing shows it.
  std::vector<std::string> Names(const std::string& dir) {
    std::vector<std::string> out;
    auto list = fake_.ListDir(dir, os::Follow::kNo);
    if (list) {
      for (const os::DirEntry& e : *list) out.push_back(e.name);
    }
    return out;
  }

  static constexpr int64_t kMtime = 7'000'000'000;
  testing::TempDir dir_;
  testing::FakeFileSystem fake_;
  std::unique_ptr<FileOps> ops_ = NewFileOps(fake_);
  std::unique_ptr<catalog::Catalog> cat_;
  catalog::Root lower_;
  catalog::Root mount_;
  std::unique_ptr<ActionJournal> journal_;
};

TEST_F(PathDoubleTest, TheKeeperVanishingWithTheVictimKeepsTheOnlyCopy) {
  // Other inode numbers (an overlay with xino, a FUSE mount): stat alone
  // cannot tell, and the kernel's name cache still resolves the keeper's
  // path after the victim is renamed; only the folder's listing shows it.
  fake_.AddPathDouble("/m", "/l", 2,
                      testing::FakeFileSystem::DoubleIno::kOther);
  for (ActionKind kind :
       {ActionKind::kDelete, ActionKind::kHardLink, ActionKind::kMoveTo}) {
    const ActionPlan plan = PlanOne(kind, "/l/d/only.jpg", "/m/d/only.jpg");
    ASSERT_TRUE(VerifyDuplicate(fake_, plan.groups[0].actions[0].keeper,
                                plan.groups[0].actions[0].victim, 13)
                    .empty());  // the byte check passes: same file
    ApplyReport r = Apply(plan);
    EXPECT_EQ(r.deleted + r.linked + r.moved + r.failed, 0)
        << ActionKindName(kind);
    ASSERT_EQ(r.skipped, 1);
    EXPECT_EQ(r.results[0].reason, kKeeperVanished);
    EXPECT_EQ(r.skip_reasons.begin()->first,
              "the copy kept vanished when this copy was moved aside");
    EXPECT_EQ(Content("/l/d/only.jpg"), "the only copy");
    EXPECT_THAT(Names("/l/d"), ElementsAre("only.jpg"));  // no aside left
    EXPECT_FALSE(fake_.Stat("/q/l/d/only.jpg", os::Follow::kNo));
    EXPECT_TRUE(journal_->empty());
  }
}

TEST_F(PathDoubleTest, TheSameInodeNumberAndMtimeOnTwoDevicesIsSkippedFirst) {
  // An overlay of one file system, NFS, SMB: the real inode number shows.
  fake_.AddPathDouble("/m", "/l", 2, testing::FakeFileSystem::DoubleIno::kSame);
  const ActionPlan plan =
      PlanOne(ActionKind::kDelete, "/l/d/only.jpg", "/m/d/only.jpg");
  const int reads = fake_.read_calls();
  ApplyReport r = Apply(plan);
  ASSERT_EQ(r.skipped, 1);
  EXPECT_THAT(r.results[0].reason,
              HasSubstr("the same file seen through two mounts"));
  EXPECT_EQ(fake_.read_calls(), reads);  // decided before reading a byte
  EXPECT_EQ(Content("/l/d/only.jpg"), "the only copy");
}

TEST_F(PathDoubleTest, ASecondCopyThatStaysIsProofEnough) {
  fake_.AddFile("/m/d/only.jpg", "the only copy", kMtime + 1);
  ApplyReport r =
      Apply(PlanOne(ActionKind::kDelete, "/l/d/only.jpg", "/m/d/only.jpg"));
  EXPECT_EQ(r.deleted, 1) << (r.results.empty() ? "" : r.results[0].reason);
  EXPECT_TRUE(Names("/l/d").empty());  // neither the name nor its aside
  EXPECT_EQ(Content("/m/d/only.jpg"), "the only copy");
}

// Runs `on_rename` after each rename: the world changing at that moment.
class RenameHookOps final : public FileOps {
 public:
  RenameHookOps(FileOps& real, std::function<void()> on_rename)
      : real_(real), on_rename_(std::move(on_rename)) {}
  Status HardLink(const std::string& e, const std::string& l) override {
    return real_.HardLink(e, l);
  }
  Status Rename(const std::string& f, const std::string& t,
                os::Replace replace) override {
    Status st = real_.Rename(f, t, replace);
    on_rename_();
    return st;
  }
  Status RemoveFile(const std::string& p) override {
    return real_.RemoveFile(p);
  }

 private:
  FileOps& real_;
  std::function<void()> on_rename_;
};

TEST_F(PathDoubleTest, AKeeperThatChangesWhenTheVictimGoesAsideIsDoubt) {
  fake_.AddFile("/m/d/only.jpg", "the only copy", kMtime + 1);
  const ActionPlan plan =
      PlanOne(ActionKind::kDelete, "/l/d/only.jpg", "/m/d/only.jpg");
  // Same size and mtime, other bytes; then another mtime.
  const std::vector<std::pair<std::string, int64_t>> changes = {
      {"THE ONLY COPY", kMtime + 1}, {"the only copy", kMtime + 2}};
  for (const auto& [content, mtime] : changes) {
    fake_.AddFile("/m/d/only.jpg", "the only copy", kMtime + 1);
    RenameHookOps hooked(*ops_, [&, c = content, m = mtime] {
      fake_.AddFile("/m/d/only.jpg", c, m);
    });
    ActionRecorder recorder(*cat_, fake_, os::SystemClock(), OperationId{});
    ActionEnv env{fake_, hooked, *journal_, recorder, 1, nullptr};
    auto r = ApplyPlan(plan, env);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->skipped, 1) << content;
    EXPECT_THAT(r->results[0].reason,
                HasSubstr("the copy kept changed when this copy was moved "
                          "aside"));
    EXPECT_EQ(Content("/l/d/only.jpg"), "the only copy");
    EXPECT_THAT(Names("/l/d"), ElementsAre("only.jpg"));
  }
}

TEST(MoveToFolder, RefusesAFolderInsideOrAboveARootByPathOrByInode) {
  testing::FakeFileSystem fake;
  fake.AddDir("/lib/photos");
  fake.AddDir("/q");
  // /mnt/p: a bind mount of the root (same device and inode).
  fake.AddPathDouble("/mnt/p", "/lib/photos", 1,
                     testing::FakeFileSystem::DoubleIno::kSame);
  const std::vector<catalog::Root> roots = {
      {RootId{1}, "/lib/photos", "photos"}, {RootId{2}, "/offline", "gone"}};
  EXPECT_TRUE(CheckMoveToFolder(fake, "/q/dupes", roots));
  EXPECT_TRUE(CheckMoveToFolder(fake, "/lib/photos-dupes", roots));
  for (const char* inside : {"/lib/photos", "/lib/photos/_dupes", "/offline/x",
                             "/mnt/p", "/mnt/p/_dupes/new"}) {
    Status st = CheckMoveToFolder(fake, inside, roots);
    ASSERT_FALSE(st) << inside;
    EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(st.error().ToString(), HasSubstr("is inside root"));
  }
  for (const char* above : {"/", "/lib"}) {
    Status st = CheckMoveToFolder(fake, above, roots);
    ASSERT_FALSE(st) << above;
    EXPECT_THAT(st.error().ToString(), HasSubstr("holds root 'photos'"));
  }
}

// ---------------------------------------------------------------------------
// The journal.

TEST(ActionJournal, RecordsRoundTripIncludingNonUtf8Paths) {
  JournalRecord r;
  r.seq = 3;
  r.action = ActionKind::kMoveTo;
  r.victim = "/b/caf\xE9.jpg";
  r.keeper = "/a/x.jpg";
  r.target = "/q/b/caf\xE9.jpg";
  r.size = 12;
  r.hash = ContentHash{1, 2};
  r.victim_ino = 77;
  r.file_id = FileId{5};
  r.root = RootId{2};
  r.rel = "caf\xE9.jpg";
  const std::string line = ActionJournal::Encode(r);
  EXPECT_THAT(line, HasSubstr(R"("victim":{"hex":"2f622f636166e92e6a7067"})"));
  auto back = ActionJournal::Decode(line);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->victim, r.victim);
  EXPECT_EQ(back->rel, r.rel);
  EXPECT_EQ(back->hash, r.hash);
  EXPECT_EQ(back->victim_ino, 77u);
  EXPECT_EQ(back->action, ActionKind::kMoveTo);
  // The documented format, written by hand.
  auto hand = ActionJournal::Decode(
      R"({"seq":1,"state":"intent","action":"delete","victim":"/b/x.jpg",)"
      R"("keeper":"/a/x.jpg","target":"","temp":"","size":5,)"
      R"("hash":"000000000000000a000000000000000b","victim_dev":1,)"
      R"("victim_ino":2,"keeper_dev":1,"keeper_ino":3,"file_id":4,)"
      R"("root_id":2,"rel":"x.jpg"})");
  ASSERT_TRUE(hand) << hand.error().ToString();
  EXPECT_EQ(hand->hash, (ContentHash{10, 11}));
  EXPECT_EQ(hand->aside, "");  // journals of an older phodex have none
  r.aside = "/b/.x.jpg.phodex-aside-7-3";
  EXPECT_EQ(ActionJournal::Decode(ActionJournal::Encode(r))->aside, r.aside);
  EXPECT_EQ(ActionJournal::Decode(R"({"seq":1,"state":"done"})")->state,
            JournalState::kDone);
  EXPECT_FALSE(ActionJournal::Decode(R"({"seq":1,"state":"intent"})"));
  EXPECT_FALSE(ActionJournal::Decode("{not json"));
}

TEST(ActionJournal, ACorruptJournalIsRefused) {
  testing::TempDir dir;
  std::ofstream(dir / "j") << R"({"seq":1,"state":"done"})"
                           << "\ngarbage\n";
  auto fs = os::NewPosixFileSystem();
  auto j = ActionJournal::Open(*fs, dir / "j");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(j.error().ToString(), HasSubstr("line 2"));
}

// Crash points: each test builds, by hand, the files and the journal a
// crash at one step leaves, then lets the next run settle them.
class JournalRecoveryTest : public DuplicateActionsTest {
 protected:
  void SetUp() override {
    DuplicateActionsTest::SetUp();
    keep_ = Put(0, "a.jpg", "AAAA-content", 5);
    victim_ = Put(1, "sub/a.jpg", "AAAA-content");
  }
  // The intent the run journaled for its one action.
  JournalRecord Intent(ActionKind kind) {
    const PlannedAction a = Plan(kind).groups.at(0).actions.at(0);
    JournalRecord r;
    r.seq = 1;
    r.action = kind;
    r.victim = a.victim.path;
    r.keeper = a.keeper.path;
    r.target = a.target;
    if (kind == ActionKind::kHardLink) {
      r.temp = roots_[1].path + "/sub/.a.jpg.tmp";
    }
    if (kind == ActionKind::kMoveTo) {
      r.temp = os::DirName(a.target) + "/.a.jpg.phodex-copy-1-1";
    }
    r.aside = os::DirName(a.victim.path) + "/.a.jpg.phodex-aside-1-1";
    r.size = a.size;
    r.hash = a.hash;
    r.victim_dev = a.victim.dev;
    r.victim_ino = a.victim.ino;
    r.keeper_dev = a.keeper.dev;
    r.keeper_ino = a.keeper.ino;
    r.file_id = a.victim.id;
    r.root = a.victim_root;
    r.rel = a.victim.rel;
    EXPECT_TRUE(journal_->Append(r));
    return r;
  }
  void Outcome(JournalState state) {
    JournalRecord o;
    o.seq = 1;
    o.state = state;
    ASSERT_TRUE(journal_->Append(o));
  }
  // A progress record of a move across file systems.
  void Progress(JournalState state) { Outcome(state); }
  // The intent of a move across file systems, its "copying" record, and
  // the target's folder.
  JournalRecord CopyIntent() {
    const JournalRecord i = Intent(ActionKind::kMoveTo);
    Progress(JournalState::kCopying);
    fs::create_directories(fs::path(i.target).parent_path());
    return i;
  }
  // Settles the journal; expects one action with `state`.
  void ExpectSettled(JournalState state) {
    std::vector<RecoveredAction> r = Recover();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].state, state) << r[0].detail;
    EXPECT_EQ(Read(journal_->path()), "");
    EXPECT_THAT(Recover(), IsEmpty());  // settled once
  }
  bool VictimCataloged() { return Cataloged().count(victim_) > 0; }

  std::string keep_;
  std::string victim_;
};

TEST_F(JournalRecoveryTest, DeleteCrashBeforeUnlinkLeavesTheFile) {
  Intent(ActionKind::kDelete);
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_EQ(Read(victim_), "AAAA-content");
  EXPECT_TRUE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, DeleteCrashAfterUnlinkIsRecordedAsDone) {
  Intent(ActionKind::kDelete);
  fs::remove(victim_);
  ExpectSettled(JournalState::kDone);
  EXPECT_FALSE(VictimCataloged());
  EXPECT_TRUE(fs::exists(keep_));
}

TEST_F(JournalRecoveryTest, DeleteCrashAfterDoneRecordReachesTheCatalog) {
  Intent(ActionKind::kDelete);
  fs::remove(victim_);
  Outcome(JournalState::kDone);
  ExpectSettled(JournalState::kDone);
  EXPECT_FALSE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, HardLinkCrashBeforeLinking) {
  Intent(ActionKind::kHardLink);
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_NE(Ino(victim_), Ino(keep_));
}

TEST_F(JournalRecoveryTest, HardLinkCrashBetweenLinkAndRename) {
  const JournalRecord i = Intent(ActionKind::kHardLink);
  fs::create_hard_link(keep_, i.temp);
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_FALSE(fs::exists(i.temp));
  EXPECT_EQ(fs::hard_link_count(keep_), 1u);
  EXPECT_EQ(Read(victim_), "AAAA-content");
}

TEST_F(JournalRecoveryTest, HardLinkCrashAfterRename) {
  const JournalRecord i = Intent(ActionKind::kHardLink);
  fs::create_hard_link(keep_, i.temp);
  fs::rename(i.temp, victim_);
  ExpectSettled(JournalState::kDone);
  EXPECT_EQ(Cataloged().at(victim_), Ino(keep_));
  EXPECT_THAT(Find().groups, IsEmpty());
}

TEST_F(JournalRecoveryTest, MoveCrashBeforeLinking) {
  Intent(ActionKind::kMoveTo);
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_EQ(Read(victim_), "AAAA-content");
}

TEST_F(JournalRecoveryTest, MoveCrashBetweenLinkAndUnlinkFinishesTheMove) {
  const JournalRecord i = Intent(ActionKind::kMoveTo);
  fs::create_directories(fs::path(i.target).parent_path());
  fs::create_hard_link(victim_, i.target);
  ExpectSettled(JournalState::kDone);
  EXPECT_FALSE(fs::exists(victim_));
  EXPECT_EQ(Read(i.target), "AAAA-content");
  EXPECT_EQ(fs::hard_link_count(i.target), 1u);
  EXPECT_FALSE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, MoveCrashAfterUnlink) {
  const JournalRecord i = Intent(ActionKind::kMoveTo);
  fs::create_directories(fs::path(i.target).parent_path());
  fs::rename(victim_, i.target);
  ExpectSettled(JournalState::kDone);
  EXPECT_EQ(Read(i.target), "AAAA-content");
  EXPECT_FALSE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, AMoveTargetThatIsAnotherFileIsNeverTouched) {
  const JournalRecord i = Intent(ActionKind::kMoveTo);
  fs::create_directories(fs::path(i.target).parent_path());
  std::ofstream(i.target) << "not ours";
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_EQ(Read(i.target), "not ours");
  EXPECT_EQ(Read(victim_), "AAAA-content");
}

// Moves across file systems: copy (temp, then the target's name), verify,
// "copied", remove the original. Each crash point, settled.

TEST_F(JournalRecoveryTest, CopyMoveCrashBeforeTheCopyStarts) {
  CopyIntent();
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_EQ(Read(victim_), "AAAA-content");
  EXPECT_TRUE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, CopyMoveCrashMidCopyRemovesThePartialTemp) {
  const JournalRecord i = CopyIntent();
  std::ofstream(i.temp) << "AAAA";  // half written
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_FALSE(fs::exists(i.temp));
  EXPECT_FALSE(fs::exists(i.target));
  EXPECT_EQ(Read(victim_), "AAAA-content");
  EXPECT_TRUE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, CopyMoveCrashBetweenLinkAndTempRemoval) {
  const JournalRecord i = CopyIntent();
  std::ofstream(i.temp) << "AAAA-content";
  fs::create_hard_link(i.temp, i.target);
  ExpectSettled(JournalState::kDone);
  EXPECT_FALSE(fs::exists(i.temp));
  EXPECT_EQ(Read(i.target), "AAAA-content");
  EXPECT_EQ(fs::hard_link_count(i.target), 1u);
  EXPECT_FALSE(fs::exists(victim_));
  EXPECT_FALSE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, CopyMoveCrashBeforeVerifyFinishesACompleteCopy) {
  const JournalRecord i = CopyIntent();
  std::ofstream(i.target) << "AAAA-content";
  ExpectSettled(JournalState::kDone);
  EXPECT_EQ(Read(i.target), "AAAA-content");
  EXPECT_FALSE(fs::exists(victim_));
  EXPECT_FALSE(VictimCataloged());
  EXPECT_TRUE(fs::exists(keep_));
}

TEST_F(JournalRecoveryTest, CopyMoveCrashAfterCopiedRecordRemovesTheOriginal) {
  const JournalRecord i = CopyIntent();
  std::ofstream(i.target) << "AAAA-content";
  Progress(JournalState::kCopied);
  ExpectSettled(JournalState::kDone);
  EXPECT_EQ(Read(i.target), "AAAA-content");
  EXPECT_FALSE(fs::exists(victim_));
  EXPECT_FALSE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, CopyMoveCrashAfterRemovingTheOriginal) {
  const JournalRecord i = CopyIntent();
  std::ofstream(i.target) << "AAAA-content";
  Progress(JournalState::kCopied);
  fs::remove(victim_);
  ExpectSettled(JournalState::kDone);
  EXPECT_EQ(Read(i.target), "AAAA-content");
  EXPECT_FALSE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, CopyMoveCrashAfterDoneRecordReachesTheCatalog) {
  const JournalRecord i = CopyIntent();
  std::ofstream(i.target) << "AAAA-content";
  Progress(JournalState::kCopied);
  fs::remove(victim_);
  Outcome(JournalState::kDone);
  ExpectSettled(JournalState::kDone);
  EXPECT_FALSE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, CopyMoveTargetThatIsNotACompleteCopyIsLeftAlone) {
  const JournalRecord i = CopyIntent();
  std::ofstream(i.target) << "AAAA-conten!";  // same size, other bytes
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_EQ(Read(i.target), "AAAA-conten!");
  EXPECT_EQ(Read(victim_), "AAAA-content");
  EXPECT_TRUE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, CopyMoveNeverRemovesAChangedOriginal) {
  const JournalRecord i = CopyIntent();
  std::ofstream(i.target) << "AAAA-content";
  Progress(JournalState::kCopied);
  std::ofstream(victim_ + ".new") << "AAAA-content";  // a new file...
  fs::rename(victim_ + ".new", victim_);              // ...at its place
  std::vector<RecoveredAction> r = Recover();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].state, JournalState::kFailed);
  EXPECT_EQ(Read(victim_), "AAAA-content");
  EXPECT_EQ(Read(i.target), "AAAA-content");
}

// The victim renamed aside while the keeper is proven a second copy: a
// crash there never leaves the aside name.

TEST_F(JournalRecoveryTest, DeleteCrashWhileAsideIsPutBack) {
  const JournalRecord i = Intent(ActionKind::kDelete);
  fs::rename(victim_, i.aside);
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_EQ(Read(victim_), "AAAA-content");
  EXPECT_FALSE(fs::exists(i.aside));
  EXPECT_TRUE(VictimCataloged());
}

// A rename that never replaces is link + unlink where the file system has
// no RENAME_NOREPLACE (NFS): a crash between the two leaves the victim with
// both names. Recovery drops the aside name and keeps the victim's.
TEST_F(JournalRecoveryTest, CrashInsideALinkThenUnlinkRenameDropsTheAsideName) {
  const JournalRecord i = Intent(ActionKind::kDelete);
  const uint64_t ino = Ino(victim_);
  fs::create_hard_link(victim_, i.aside);
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_EQ(Ino(victim_), ino);
  EXPECT_EQ(Read(victim_), "AAAA-content");
  EXPECT_FALSE(fs::exists(i.aside));
  EXPECT_TRUE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, DeleteCrashAfterRemovingTheAsideNameIsDone) {
  const JournalRecord i = Intent(ActionKind::kDelete);
  fs::rename(victim_, i.aside);
  fs::remove(i.aside);
  ExpectSettled(JournalState::kDone);
  EXPECT_FALSE(VictimCataloged());
  EXPECT_EQ(Read(keep_), "AAAA-content");
}

TEST_F(JournalRecoveryTest, HardLinkCrashWhileAsideIsPutBack) {
  const JournalRecord i = Intent(ActionKind::kHardLink);
  const uint64_t ino = Ino(victim_);
  fs::rename(victim_, i.aside);
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_EQ(Ino(victim_), ino);
  EXPECT_FALSE(fs::exists(i.aside));
}

TEST_F(JournalRecoveryTest, HardLinkCrashAfterLinkFinishesAndDropsTheAside) {
  const JournalRecord i = Intent(ActionKind::kHardLink);
  fs::rename(victim_, i.aside);
  fs::create_hard_link(keep_, victim_);
  ExpectSettled(JournalState::kDone);
  EXPECT_FALSE(fs::exists(i.aside));
  EXPECT_EQ(Ino(victim_), Ino(keep_));
  EXPECT_EQ(Cataloged().at(victim_), Ino(keep_));
}

TEST_F(JournalRecoveryTest, MoveCrashWhileAsideIsPutBack) {
  const JournalRecord i = Intent(ActionKind::kMoveTo);
  fs::rename(victim_, i.aside);
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_EQ(Read(victim_), "AAAA-content");
  EXPECT_FALSE(fs::exists(i.aside));
  EXPECT_FALSE(fs::exists(i.target));
}

TEST_F(JournalRecoveryTest, MoveCrashAfterLinkAtTheTargetFinishes) {
  const JournalRecord i = Intent(ActionKind::kMoveTo);
  fs::rename(victim_, i.aside);
  fs::create_directories(fs::path(i.target).parent_path());
  fs::create_hard_link(i.aside, i.target);
  ExpectSettled(JournalState::kDone);
  EXPECT_FALSE(fs::exists(i.aside));
  EXPECT_FALSE(fs::exists(victim_));
  EXPECT_EQ(Read(i.target), "AAAA-content");
  EXPECT_EQ(fs::hard_link_count(i.target), 1u);
  EXPECT_FALSE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, CopyMoveCrashMidCopyPutsTheAsideBack) {
  const JournalRecord i = CopyIntent();
  fs::rename(victim_, i.aside);
  std::ofstream(i.temp) << "AAAA";  // half written
  ExpectSettled(JournalState::kRolledBack);
  EXPECT_FALSE(fs::exists(i.temp));
  EXPECT_FALSE(fs::exists(i.aside));
  EXPECT_FALSE(fs::exists(i.target));
  EXPECT_EQ(Read(victim_), "AAAA-content");
  EXPECT_TRUE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, CopyMoveCrashAfterACompleteCopyDropsTheAside) {
  const JournalRecord i = CopyIntent();
  fs::rename(victim_, i.aside);
  std::ofstream(i.target) << "AAAA-content";
  Progress(JournalState::kCopied);
  ExpectSettled(JournalState::kDone);
  EXPECT_FALSE(fs::exists(i.aside));
  EXPECT_FALSE(fs::exists(victim_));
  EXPECT_EQ(Read(i.target), "AAAA-content");
  EXPECT_FALSE(VictimCataloged());
}

TEST_F(JournalRecoveryTest, AnAsideWhoseNameWasTakenIsNeitherRemovedNorHidden) {
  const JournalRecord i = Intent(ActionKind::kDelete);
  fs::rename(victim_, i.aside);
  std::ofstream(victim_) << "a new file";  // someone's, at the old name
  std::vector<RecoveredAction> r = Recover();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].state, JournalState::kFailed);
  EXPECT_THAT(r[0].detail, HasSubstr(i.aside));
  EXPECT_EQ(Read(i.aside), "AAAA-content");
  EXPECT_EQ(Read(victim_), "a new file");
}

TEST(ActionJournal, ProgressRecordsAreNotOutcomes) {
  testing::TempDir dir;
  auto fs = os::NewPosixFileSystem();
  auto j = ActionJournal::Open(*fs, dir / "j");
  ASSERT_TRUE(j);
  JournalRecord intent;
  intent.seq = 1;
  intent.action = ActionKind::kMoveTo;
  ASSERT_TRUE((*j)->Append(intent));
  JournalRecord copying;
  copying.seq = 1;
  copying.state = JournalState::kCopying;
  ASSERT_TRUE((*j)->Append(copying));
  auto back = ActionJournal::Open(*fs, dir / "j");
  ASSERT_TRUE(back);
  std::vector<JournalEntry> e = (*back)->Entries();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].progress, JournalState::kCopying);
  EXPECT_FALSE(e[0].outcome);
  EXPECT_THAT(ActionJournal::Encode(copying),
              HasSubstr(R"("state":"copying")"));
}

}  // namespace
}  // namespace phodex::dedup
