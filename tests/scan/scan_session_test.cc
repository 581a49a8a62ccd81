// The scan session (scan/scan_session.h) on an in-memory tree and a real
// SQLite catalog, driven by a fake clock: what one Apply touches, moves
// within a session, the move search's reach, cancellation and how the
// operation ends.

#include "scan/scan_session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "scan/pipeline.h"
#include "tests/fakes/fake_clock.h"
#include "tests/scan/scan_world.h"

namespace phodex::scan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

class ScanSessionTest : public ScanWorldTest {
 protected:
  // The root as the catalog holds it now (last_scanned_ns, generation).
  catalog::Root Fresh(RootId id) {
    const auto roots = cat_->ListRoots();
    EXPECT_TRUE(roots);
    if (!roots) return {};
    for (const catalog::Root& r : *roots) {
      if (r.id == id) return r;
    }
    return {};
  }

  // A whole-root scan, on the fake clock, then a second passes.
  void ScanAll(RootId id = RootId{}) {
    const catalog::Root root = Fresh(id.value == 0 ? root_.id : id);
    ScanProgress progress;
    ScanOptions opts;
    opts.threads = 2;
    auto r = ScanRoot(*cat_, fs_, clock_, root, "", opts, progress, {});
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(r->status, catalog::OperationStatus::kCompleted) << r->error;
    clock_.Advance(1s);
  }

  std::unique_ptr<ScanSession> Begin(jobs::CancelToken cancel = {},
                                     ScanOptions opts = {},
                                     std::optional<StageSet> stages = {}) {
    stages_ = std::make_unique<ScanStages>(fs_, opts);
    auto s = ScanSession::Begin({*cat_, fs_, clock_, progress_},
                                Fresh(root_.id),
                                {.type = "watch", .scope = ""}, opts,
                                stages.value_or(stages_->set()), cancel);
    EXPECT_TRUE(s) << s.error().ToString();
    return s ? std::move(*s) : nullptr;
  }

  // What a watcher would hand over: folder `rel` of /lib as it is now.
  FolderChanges Look(const std::string& rel) {
    std::vector<WalkEntry> files;
    const std::string abs = os::JoinPath("/lib", rel);
    auto listing = fs_.ListDir(abs, os::Follow::kNo);
    if (listing) {
      for (const os::DirEntry& e : *listing) {
        if (!e.stat || e.stat->type != FileType::kRegular) continue;
        const MediaKind kind = KindFromName(e.name);
        if (kind == MediaKind::kOther) continue;
        files.push_back(WalkEntry{e.name, *e.stat, kind});
      }
    }
    return FolderChanges::Folder(rel, std::move(files));
  }

  catalog::Operation LastOperation() {
    auto ops = cat_->ListOperations(1);
    EXPECT_TRUE(ops && !ops->empty());
    return ops && !ops->empty() ? ops->front() : catalog::Operation{};
  }

  testing::FakeClock clock_;
  ScanProgress progress_;
  std::unique_ptr<ScanStages> stages_;
};

TEST_F(ScanSessionTest, ApplyOfOneFolderTouchesOnlyThatFolder) {
  AddJpeg("/lib/a/gone.jpg");
  AddJpeg("/lib/a/changed.jpg");
  AddJpeg("/lib/a/sub/deep.jpg");
  AddJpeg("/lib/b/elsewhere.jpg");
  ScanAll();
  const FileId changed_id = Row("a/changed.jpg").id;
  fs_.Remove("/lib/a/gone.jpg");
  fs_.Touch("/lib/a/changed.jpg", 2'000'000'000);
  AddJpeg("/lib/a/new.jpg");
  // Gone too, but not in the folder applied: their records stay.
  fs_.Remove("/lib/a/sub");
  fs_.Remove("/lib/b/elsewhere.jpg");

  auto session = Begin();
  const int reads = fs_.read_calls();
  auto applied = session->Apply(Look("a"));
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->stopped, "");
  EXPECT_EQ(applied->counts.added, 1);
  EXPECT_EQ(applied->counts.updated, 1);
  EXPECT_EQ(applied->counts.removed, 1);
  EXPECT_EQ(applied->known, 2);  // a/sub is not a's
  EXPECT_EQ(fs_.read_calls() - reads, 2);  // the new and the changed file
  auto report = session->Finish();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, catalog::OperationStatus::kCompleted);
  EXPECT_THAT(Rels(), ElementsAre("a/changed.jpg", "a/new.jpg",
                                  "a/sub/deep.jpg", "b/elsewhere.jpg"));
  EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved),
              ElementsAre("a/gone.jpg"));
  EXPECT_EQ(Row("a/changed.jpg").id, changed_id);
  const catalog::Operation op = LastOperation();
  EXPECT_EQ(op.type, "watch");
  EXPECT_EQ(op.status, catalog::OperationStatus::kCompleted);
}

TEST_F(ScanSessionTest, ApplyOfASubTreeRemovesWhatItsFoldersNoLongerHold) {
  AddJpeg("/lib/a/1.jpg");
  AddJpeg("/lib/a/sub/2.jpg");
  AddJpeg("/lib/a/gone/3.jpg");
  AddJpeg("/lib/a/gone/4.jpg");
  AddJpeg("/lib/b/5.jpg");
  ScanAll();
  fs_.Remove("/lib/a/gone");
  AddJpeg("/lib/a/sub/6.jpg");
  FolderChanges tree;
  tree.rel = "a";
  tree.extent = FolderChanges::Extent::kTree;
  for (const char* dir : {"a", "a/sub"}) {
    tree.folders.push_back(std::move(Look(dir).folders[0]));
  }
  auto session = Begin();
  auto applied = session->Apply(std::move(tree));
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->known, 4);
  EXPECT_EQ(applied->counts.added, 1);
  EXPECT_EQ(applied->counts.removed, 2);
  ASSERT_TRUE(session->Finish());
  EXPECT_THAT(Rels(), ElementsAre("a/1.jpg", "a/sub/2.jpg", "a/sub/6.jpg",
                                  "b/5.jpg"));
}

TEST_F(ScanSessionTest, TwoAppliesAddUpInOneOperation) {
  AddJpeg("/lib/a/1.jpg");
  AddJpeg("/lib/b/2.jpg");
  ScanAll();
  AddJpeg("/lib/a/3.jpg");
  fs_.Remove("/lib/b/2.jpg");
  AddJpeg("/lib/b/4.jpg");
  auto session = Begin();
  auto first = session->Apply(Look("a"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->counts.added, 1);
  EXPECT_EQ(first->counts.removed, 0);
  auto second = session->Apply(Look("b"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->counts.added, 1);
  EXPECT_EQ(second->counts.removed, 1);
  auto report = session->Finish();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->counts.added, 2);
  EXPECT_EQ(report->counts.removed, 1);
  EXPECT_EQ(report->counts.scanned, 3);  // the files listed
  EXPECT_THAT(Rels(), ElementsAre("a/1.jpg", "a/3.jpg", "b/4.jpg"));
  const catalog::Operation op = LastOperation();
  EXPECT_EQ(op.id, session->op());
  EXPECT_EQ(op.counts.added, 2);
  EXPECT_EQ(op.counts.removed, 1);
}

TEST_F(ScanSessionTest, FileMovedBetweenFoldersKeepsItsId) {
  AddJpeg("/lib/a/x.jpg");
  AddJpeg("/lib/a/stays.jpg");
  ScanAll();
  const FileId id = Row("a/x.jpg").id;
  fs_.AddFile("/lib/b/x.jpg", kJpeg + "/lib/a/x.jpg");  // same bytes
  fs_.Remove("/lib/a/x.jpg");
  auto session = Begin();
  // The watcher sees the new name first, then the old one gone.
  ASSERT_TRUE(session->Apply(Look("b")));
  ASSERT_TRUE(session->Apply(Look("a")));
  auto report = session->Finish();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->counts.moved, 1);
  EXPECT_EQ(report->counts.added, 0);
  EXPECT_EQ(report->counts.removed, 0);
  EXPECT_EQ(Row("b/x.jpg").id, id);
  EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved), IsEmpty());
}

TEST_F(ScanSessionTest, ManyMovesGoThroughTheSearchInChunksAndByGeneration) {
  for (int i = 0; i < 300; ++i) AddJpeg("/lib/a/" + std::to_string(i) + ".jpg");
  ScanAll();
  const FileId id7 = Row("a/7.jpg").id;
  // Twice: the written files as a list, then too many for one.
  for (const size_t listed : {size_t{10'000}, size_t{10}}) {
    SCOPED_TRACE(listed);
    for (int i = 0; i < 300; ++i) {  // a/ moves to b/
      const std::string name = std::to_string(i) + ".jpg";
      fs_.AddFile("/lib/b/" + name, kJpeg + "/lib/a/" + name);
    }
    fs_.Remove("/lib/a");
    auto session = Begin();
    session->SetMaxListedWritesForTesting(listed);
    ASSERT_TRUE(session->Apply(Look("b")));
    auto removed = session->Apply(Look("a"));
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->stopped, "");  // moves are not removals for the limit
    auto report = session->Finish();
    ASSERT_TRUE(report);
    EXPECT_EQ(report->counts.moved, 300);
    EXPECT_EQ(Row("b/7.jpg").id, id7);
    // Back again, by a whole-root scan.
    for (int i = 0; i < 300; ++i) {
      const std::string name = std::to_string(i) + ".jpg";
      fs_.AddFile("/lib/a/" + name, kJpeg + "/lib/a/" + name);
    }
    fs_.Remove("/lib/b");
    clock_.Advance(1s);
    ScanAll();
    ASSERT_EQ(Row("a/7.jpg").id, id7);
  }
}

TEST_F(ScanSessionTest, MoveSearchLeavesUnrelatedRemovedFilesAlone) {
  AddJpeg("/lib/p.jpg");
  ScanAll();
  const catalog::FileRow p = Row("p.jpg");
  ASSERT_TRUE(p.quick_hash);
  // Another root holds a removed file with p's content, removed before p
  // was first seen, and never paired: the whole-catalog search would pair
  // them, though this session touches neither.
  fs_.AddDir("/other");
  const catalog::Root other = *cat_->AddRoot("/other", "other", 1);
  catalog::ScanBatch add;
  add.root = other.id;
  add.now_ns = 1;
  catalog::FileUpsert u;
  u.rel = "r.jpg";
  u.stat = FileStat{.dev = 1, .ino = 99, .size = p.size, .mtime = p.mtime,
                    .type = FileType::kRegular};
  u.kind = MediaKind::kPhoto;
  u.quick_hash = p.quick_hash;
  add.upserts.push_back(u);
  ASSERT_TRUE(cat_->ApplyBatch(add));
  const FileId r_id = Row("r.jpg").id;
  catalog::ScanBatch remove;
  remove.root = other.id;
  remove.now_ns = 2;
  remove.removals_last_seen_ns = 1;
  remove.removals.push_back(r_id);
  ASSERT_TRUE(cat_->ApplyBatch(remove));
  auto everything = cat_->FindMoveCandidates(root_.id, 0);
  ASSERT_TRUE(everything);
  ASSERT_EQ(everything->size(), 1u);

  AddJpeg("/lib/a/new.jpg");
  auto session = Begin();
  ASSERT_TRUE(session->Apply(Look("a")));
  auto report = session->Finish();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->counts.moved, 0);
  EXPECT_EQ(report->counts.added, 1);
  EXPECT_EQ(Row("p.jpg").id, p.id);
  EXPECT_FALSE(Row("r.jpg").present);
}

// Cancels its session on the first file it sees.
class CancellingStage final : public Stage {
 public:
  explicit CancellingStage(jobs::CancelSource& source) : source_(source) {}
  const char* name() const override { return "cancel"; }
  Status Process(const std::string&, catalog::FileUpsert&) override {
    source_.Cancel();
    return {};
  }

 private:
  jobs::CancelSource& source_;
};

TEST_F(ScanSessionTest, CancelStopsAnApplyBetweenFiles) {
  AddJpeg("/lib/a/known.jpg");
  ScanAll();
  fs_.Remove("/lib/a/known.jpg");
  for (int i = 0; i < 40; ++i) AddJpeg("/lib/a/" + std::to_string(i) + ".jpg");
  jobs::CancelSource source;
  CancellingStage stage(source);
  Stage* const list[] = {&stage};
  DetectorWants wants;
  wants.content_version = 2;
  auto session = Begin(source.token(), {}, StageSet{list, wants});
  auto applied = session->Apply(Look("a"));
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->stopped, "interrupted by the user");
  // What the stages finished is written; the rest waits for the next scan.
  EXPECT_GE(applied->counts.added, 1);
  EXPECT_LT(applied->counts.added, 40);
  EXPECT_EQ(applied->counts.removed, 0);  // an interrupted listing
  EXPECT_TRUE(session->stopped());
  auto later = session->Apply(Look("a"));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->counts.added, 0);
  auto report = session->Finish();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, catalog::OperationStatus::kInterrupted);
  EXPECT_EQ(LastOperation().status, catalog::OperationStatus::kInterrupted);
  EXPECT_TRUE(Row("a/known.jpg").present);
}

TEST_F(ScanSessionTest, SessionDroppedWithoutFinishEndsItsOperationFailed) {
  AddJpeg("/lib/a/1.jpg");
  {
    auto session = Begin();
    ASSERT_TRUE(session->Apply(Look("a")));
    clock_.Advance(3s);
  }
  const catalog::Operation op = LastOperation();
  EXPECT_EQ(op.status, catalog::OperationStatus::kFailed);
  EXPECT_THAT(op.error, HasSubstr("ended without a result"));
  EXPECT_EQ(op.ended_ns, testing::FakeClock::kStartUnixNs + 3'000'000'000);
  EXPECT_THAT(Rels(), ElementsAre("a/1.jpg"));  // what it committed stays
}

TEST_F(ScanSessionTest, OperationTimesComeFromTheClock) {
  AddJpeg("/lib/a/1.jpg");
  auto session = Begin();
  clock_.Advance(2s);
  ASSERT_TRUE(session->Apply(Look("a")));
  clock_.Advance(5s);
  auto report = session->Finish();
  ASSERT_TRUE(report);
  EXPECT_DOUBLE_EQ(report->seconds, 7.0);
  const catalog::Operation op = LastOperation();
  EXPECT_EQ(op.started_ns, testing::FakeClock::kStartUnixNs);
  EXPECT_EQ(op.ended_ns, testing::FakeClock::kStartUnixNs + 7'000'000'000);
  EXPECT_EQ(Row("a/1.jpg").first_seen_ns,
            testing::FakeClock::kStartUnixNs + 2'000'000'000);
}

TEST_F(ScanSessionTest, RemovalsOverTheLimitStopTheSession) {
  for (int i = 0; i < 6; ++i) AddJpeg("/lib/a/" + std::to_string(i) + ".jpg");
  AddJpeg("/lib/b/1.jpg");
  ScanAll();
  fs_.Remove("/lib/a");
  auto session = Begin();
  auto applied = session->Apply(Look("a"));
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->removals_withheld, 6);
  EXPECT_EQ(applied->root_present, 7);
  EXPECT_THAT(applied->stopped, HasSubstr("none were marked removed"));
  auto report = session->Finish();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, catalog::OperationStatus::kFailed);
  EXPECT_EQ(report->removals_withheld, 6);
  EXPECT_EQ(Rels().size(), 7u);

  ScanOptions accept;
  accept.accept_removals = true;
  session = Begin({}, accept);
  applied = session->Apply(Look("a"));
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->counts.removed, 6);
  ASSERT_TRUE(session->Finish());
  EXPECT_THAT(Rels(), ElementsAre("b/1.jpg"));
}

TEST_F(ScanSessionTest, UnreadableEntriesKeepTheirRecords) {
  AddJpeg("/lib/a/1.jpg");
  AddJpeg("/lib/a/2.jpg");
  ScanAll();
  FolderChanges seen = Look("a");
  std::erase_if(seen.folders[0].files,
                [](const WalkEntry& e) { return e.name == "2.jpg"; });
  seen.errors.push_back(
      {"a/2.jpg", Error(ErrorCode::kPermissionDenied, "denied", "stat")});
  auto session = Begin();
  auto applied = session->Apply(std::move(seen));
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->counts.removed, 0);
  EXPECT_EQ(applied->counts.errors, 1);
  auto report = session->Finish();
  ASSERT_TRUE(report);
  EXPECT_THAT(Rels(), ElementsAre("a/1.jpg", "a/2.jpg"));
  ASSERT_EQ(report->first_errors.size(), 1u);
  EXPECT_EQ(report->first_errors[0].path, "/lib/a/2.jpg");
}

TEST_F(ScanSessionTest, HeldFilesAreNeitherAddedChangedNorRemoved) {
  AddJpeg("/lib/a/rewritten.jpg");
  AddJpeg("/lib/a/IMG_1.xmp");
  ScanAll();
  const catalog::FileRow before = Row("a/rewritten.jpg");
  // Still being written: a new file, a known one rewritten (bigger), and
  // the media file the known sidecar would now link to.
  fs_.AddFile("/lib/a/rewritten.jpg", kJpeg + "a longer body being written");
  AddJpeg("/lib/a/copying.jpg");
  AddJpeg("/lib/a/IMG_1.jpg");
  AddJpeg("/lib/a/done.jpg");
  ScanOptions opts;
  std::vector<std::string> asked;
  opts.hold = [&](std::string_view rel, const FileStat&) {
    asked.emplace_back(rel);
    return rel != "a/done.jpg";
  };
  auto session = Begin({}, opts);
  auto applied = session->Apply(Look("a"));
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->stopped, "");
  EXPECT_EQ(applied->held, 3);
  EXPECT_EQ(applied->counts.added, 1);
  EXPECT_EQ(applied->counts.updated, 0);
  EXPECT_EQ(applied->counts.removed, 0);
  ASSERT_TRUE(session->Finish());
  // Only new and changed files are asked about.
  EXPECT_THAT(asked, ::testing::UnorderedElementsAre(
                         "a/IMG_1.jpg", "a/copying.jpg", "a/done.jpg",
                         "a/rewritten.jpg"));
  EXPECT_THAT(Rels(), ElementsAre("a/IMG_1.xmp", "a/done.jpg",
                                  "a/rewritten.jpg"));
  const catalog::FileRow after = Row("a/rewritten.jpg");
  EXPECT_EQ(after.id, before.id);
  EXPECT_EQ(after.size, before.size);
  EXPECT_FALSE(Row("a/IMG_1.xmp").sidecar_of);

  // Settled: applied once, with the final content, the sidecar linked.
  auto again = Begin();
  auto applied2 = again->Apply(Look("a"));
  ASSERT_TRUE(applied2);
  EXPECT_EQ(applied2->held, 0);
  EXPECT_EQ(applied2->counts.added, 2);
  EXPECT_EQ(applied2->counts.updated, 1);
  ASSERT_TRUE(again->Finish());
  EXPECT_EQ(Row("a/rewritten.jpg").id, before.id);
  EXPECT_GT(Row("a/rewritten.jpg").size, before.size);
  EXPECT_EQ(Row("a/IMG_1.xmp").sidecar_of, Row("a/IMG_1.jpg").id);
}

TEST_F(ScanSessionTest, ListingOutsideTheFolderIsRefused) {
  auto session = Begin();
  FolderChanges c = Look("a");
  c.folders[0].rel_dir = "b";
  auto applied = session->Apply(std::move(c));
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(session->stopped());
  ASSERT_TRUE(session->Finish());
}

}  // namespace
}  // namespace phodex::scan
