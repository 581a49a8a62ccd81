// The whole scan on an in-memory tree (so permission errors and vanishing
// files can be staged, even as root) against a real SQLite catalog.

#include "scan/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/fakes/fake_file_system.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::scan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg data";

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = catalog::OpenSqliteCatalog(dir_ / "catalog.db", {});
    ASSERT_TRUE(c);
    cat_ = std::move(*c);
    fs_.AddDir("/lib");
    root_ = *cat_->AddRoot("/lib", "lib", 1);
  }

  ScanReport Scan(const std::string& scope = "", ScanOptions opts = {},
                  const std::atomic<bool>* cancel = nullptr) {
    progress_ = std::make_unique<ScanProgress>();
    opts.threads = 3;
    auto roots = cat_->ListRoots();  // the root as the catalog holds it now
    for (const catalog::Root& r : *roots) {
      if (r.id == root_.id) root_ = r;
    }
    auto r = ScanRoot(*cat_, fs_, os::SystemClock(), root_, scope, opts,
                      *progress_, cancel);
    EXPECT_TRUE(r) << r.error().ToString();
    return *r;
  }

  // Present rels, or removed ones.
  std::vector<std::string> Rels(catalog::FileQuery::Presence p =
                                    catalog::FileQuery::Presence::kPresent) {
    catalog::FileQuery q;
    q.presence = p;
    std::vector<std::string> out;
    EXPECT_TRUE(cat_->ForEachFile(q, [&](const catalog::FileRow& r) {
      out.push_back(r.rel);
    }));
    return out;
  }

  // A JPEG whose content is unique to its path (files with equal content
  // are moves or duplicates, which other tests plant on purpose).
  void AddJpeg(const std::string& path) { fs_.AddFile(path, kJpeg + path); }

  catalog::FileRow Row(const std::string& rel) {
    catalog::FileRow out;
    catalog::FileQuery q;
    q.presence = catalog::FileQuery::Presence::kAll;
    EXPECT_TRUE(cat_->ForEachFile(q, [&](const catalog::FileRow& r) {
      if (r.rel == rel) out = r;
    }));
    return out;
  }

  testing::TempDir dir_;
  testing::FakeFileSystem fs_;
  std::unique_ptr<catalog::Catalog> cat_;
  catalog::Root root_;
  std::unique_ptr<ScanProgress> progress_;
};

TEST_F(PipelineTest, FirstScanAddsRescanChangesNothing) {
  AddJpeg("/lib/a/1.jpg");
  AddJpeg("/lib/a/2.jpg");
  AddJpeg("/lib/b/3.jpg");
  ScanReport r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(r.counts.added, 3);
  EXPECT_THAT(Rels(), ElementsAre("a/1.jpg", "a/2.jpg", "b/3.jpg"));
  const int reads = fs_.read_calls();

  r = Scan();
  EXPECT_EQ(r.counts.added, 0);
  EXPECT_EQ(r.counts.updated, 0);
  EXPECT_EQ(r.counts.scanned, 3);
  // Unchanged files cost a stat and nothing else: not one read.
  EXPECT_EQ(fs_.read_calls(), reads);
}

TEST_F(PipelineTest, ChangedAddedAndRemovedFiles) {
  AddJpeg("/lib/keep.jpg");
  AddJpeg("/lib/change.jpg");
  AddJpeg("/lib/old/gone.jpg");
  Scan();
  const FileId change_id = Row("change.jpg").id;
  fs_.Touch("/lib/change.jpg", 2'000'000'000);
  fs_.Remove("/lib/old");
  AddJpeg("/lib/new.jpg");
  ScanReport r = Scan();
  EXPECT_EQ(r.counts.added, 1);
  EXPECT_EQ(r.counts.updated, 1);
  EXPECT_EQ(r.counts.removed, 1);
  EXPECT_THAT(Rels(), ElementsAre("change.jpg", "keep.jpg", "new.jpg"));
  EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved),
              ElementsAre("old/gone.jpg"));
  EXPECT_EQ(Row("change.jpg").id, change_id);
  EXPECT_EQ(Row("change.jpg").mtime, (FileTime{2, 0}));
}

TEST_F(PipelineTest, PartialScanLeavesTheRestAlone) {
  AddJpeg("/lib/2020/a.jpg");
  AddJpeg("/lib/2021/b.jpg");
  Scan();
  fs_.Remove("/lib/2021/b.jpg");     // outside the partial scan
  fs_.Remove("/lib/2020/a.jpg");     // inside it
  AddJpeg("/lib/2020/c.jpg");
  ScanReport r = Scan("2020");
  EXPECT_EQ(r.counts.removed, 1);
  EXPECT_THAT(Rels(), ElementsAre("2020/c.jpg", "2021/b.jpg"));
}

TEST_F(PipelineTest, UnreadableFolderKeepsItsRecordsAndIsRecorded) {
  AddJpeg("/lib/open/a.jpg");
  AddJpeg("/lib/nas/b.jpg");
  AddJpeg("/lib/nas/deep/c.jpg");
  Scan();
  fs_.DenyList("/lib/nas");
  ScanReport r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(r.counts.removed, 0);
  EXPECT_EQ(r.counts.errors, 1);
  EXPECT_THAT(Rels(), ElementsAre("nas/b.jpg", "nas/deep/c.jpg", "open/a.jpg"));
  auto errors = cat_->ListFileErrors(r.op, 10);
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].path, "/lib/nas");
  EXPECT_THAT((*errors)[0].reason, HasSubstr("Permission denied"));
}

TEST_F(PipelineTest, FileVanishingDuringTheScanIsNotAdded) {
  AddJpeg("/lib/a.jpg");
  AddJpeg("/lib/b.jpg");
  fs_.VanishOnRead("/lib/b.jpg");
  ScanReport r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_THAT(Rels(), ElementsAre("a.jpg"));
  ASSERT_EQ(r.first_errors.size(), 1u);
  EXPECT_THAT(r.first_errors[0].reason, HasSubstr("vanished"));
}

TEST_F(PipelineTest, UnreadableFileIsCatalogedAndRetriedNextScan) {
  AddJpeg("/lib/a.jpg");
  fs_.DenyRead("/lib/a.jpg");
  ScanReport r = Scan();
  EXPECT_EQ(r.counts.added, 1);
  EXPECT_EQ(r.counts.errors, 1);
  EXPECT_THAT(Row("a.jpg").last_error, HasSubstr("Permission denied"));
  EXPECT_FALSE(Row("a.jpg").quick_hash.has_value());
  fs_.AllowRead("/lib/a.jpg");
  r = Scan();  // unchanged stat, but its content was never read
  EXPECT_EQ(r.counts.updated, 1);
  EXPECT_TRUE(Row("a.jpg").quick_hash.has_value());
  EXPECT_TRUE(Row("a.jpg").last_error.empty());
}

TEST_F(PipelineTest, KindIsConfirmedByContent) {
  AddJpeg("/lib/real.jpg");
  fs_.AddFile("/lib/fake.jpg", "just text");
  AddJpeg("/lib/jpeg.png");
  Scan();
  EXPECT_TRUE(Row("real.jpg").last_error.empty());
  EXPECT_THAT(Row("fake.jpg").last_error, HasSubstr("not what the extension"));
  EXPECT_EQ(Row("jpeg.png").kind, MediaKind::kPhoto);
  EXPECT_THAT(Row("jpeg.png").last_error, HasSubstr("JPEG"));
}

TEST_F(PipelineTest, DiscoverOnlyReadsNothingAndTheNextScanChecksOnce) {
  AddJpeg("/lib/a.jpg");
  fs_.AddFile("/lib/fake.jpg", "text");
  ScanOptions discover;
  discover.discover_only = true;
  ScanReport r = Scan("", discover);
  EXPECT_EQ(r.counts.added, 2);
  EXPECT_EQ(fs_.read_calls(), 0);
  EXPECT_TRUE(Row("fake.jpg").last_error.empty());  // not checked yet
  // A full scan hands the discovered files to the stages once.
  r = Scan();
  EXPECT_EQ(r.counts.updated, 2);
  EXPECT_EQ(fs_.read_calls(), 2);
  EXPECT_THAT(Row("fake.jpg").last_error, HasSubstr("not what the extension"));
  r = Scan();
  EXPECT_EQ(r.counts.updated, 0);
  EXPECT_EQ(fs_.read_calls(), 2);
  // A later discover-only scan does not undo what the stages found.
  r = Scan("", discover);
  EXPECT_EQ(r.counts.updated, 0);
  EXPECT_THAT(Row("fake.jpg").last_error, HasSubstr("not what the extension"));
}

TEST_F(PipelineTest, SidecarsAreLinkedToTheirMedia) {
  fs_.AddFile("/lib/d/IMG_1.CR2", "II*\0raw");
  fs_.AddFile("/lib/d/IMG_1.xmp", "<x:xmpmeta/>");
  AddJpeg("/lib/d/IMG_2.JPG");
  fs_.AddFile("/lib/d/IMG_2.JPG.xmp", "<x:xmpmeta/>");
  Scan();
  EXPECT_EQ(Row("d/IMG_1.xmp").sidecar_of, Row("d/IMG_1.CR2").id);
  EXPECT_EQ(Row("d/IMG_2.JPG.xmp").sidecar_of, Row("d/IMG_2.JPG").id);
  fs_.Remove("/lib/d/IMG_1.CR2");
  Scan();
  EXPECT_FALSE(Row("d/IMG_1.xmp").sidecar_of.has_value());
}

TEST_F(PipelineTest, EmptyRootWithKnownFilesIsRefused) {
  AddJpeg("/lib/a.jpg");
  Scan();
  fs_.Remove("/lib/a.jpg");  // the drive was unmounted, say
  ScanReport r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kFailed);
  EXPECT_THAT(r.error, HasSubstr("is the drive mounted"));
  EXPECT_THAT(Rels(), ElementsAre("a.jpg"));
  ScanOptions allow;
  allow.allow_empty_root = true;
  r = Scan("", allow);
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_THAT(Rels(), IsEmpty());
}

TEST_F(PipelineTest, MissingRootFailsTheScanAndKeepsRecords) {
  AddJpeg("/lib/a.jpg");
  Scan();
  fs_.Remove("/lib");
  ScanReport r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kFailed);
  EXPECT_THAT(Rels(), ElementsAre("a.jpg"));
  auto ops = cat_->ListOperations(1);
  EXPECT_EQ((*ops)[0].status, catalog::OperationStatus::kFailed);
  EXPECT_FALSE((*ops)[0].error.empty());
}

TEST_F(PipelineTest, InterruptedScanCommitsWhatItHasAndMarksNothingRemoved) {
  AddJpeg("/lib/a.jpg");
  Scan();
  fs_.Remove("/lib/a.jpg");
  AddJpeg("/lib/b.jpg");
  std::atomic<bool> cancel{true};
  ScanReport r = Scan("", {}, &cancel);
  EXPECT_EQ(r.status, catalog::OperationStatus::kInterrupted);
  EXPECT_THAT(Rels(), ElementsAre("a.jpg"));  // not marked removed
  r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_THAT(Rels(), ElementsAre("b.jpg"));
}

TEST_F(PipelineTest, RenameKeepsTheFileId) {
  AddJpeg("/lib/a.jpg");
  Scan();
  const catalog::FileRow before = Row("a.jpg");
  fs_.AddFile("/lib/renamed.jpg", kJpeg + "/lib/a.jpg");
  fs_.Remove("/lib/a.jpg");
  ScanReport r = Scan();
  EXPECT_EQ(r.counts.moved, 1);
  EXPECT_EQ(r.counts.added, 0);
  EXPECT_EQ(r.counts.removed, 0);
  EXPECT_THAT(Rels(), ElementsAre("renamed.jpg"));
  EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved), IsEmpty());
  EXPECT_EQ(Row("renamed.jpg").id, before.id);
  EXPECT_EQ(Row("renamed.jpg").first_seen_ns, before.first_seen_ns);
}

TEST_F(PipelineTest, FolderMoveKeepsIdsAndSidecarLinks) {
  for (const char* f : {"IMG_1.CR2", "IMG_2.jpg", "IMG_3.jpg"}) {
    fs_.AddFile(std::string("/lib/2020/trip/") + f, kJpeg + f);
  }
  fs_.AddFile("/lib/2020/trip/IMG_1.xmp", "<x:xmpmeta rating=1/>");
  Scan();
  std::map<std::string, FileId> ids;
  for (const char* f : {"IMG_1.CR2", "IMG_2.jpg", "IMG_3.jpg", "IMG_1.xmp"}) {
    ids[f] = Row(std::string("2020/trip/") + f).id;
  }
  fs_.Remove("/lib/2020/trip");
  for (const char* f : {"IMG_1.CR2", "IMG_2.jpg", "IMG_3.jpg"}) {
    fs_.AddFile(std::string("/lib/archive/2020-trip/") + f, kJpeg + f);
  }
  fs_.AddFile("/lib/archive/2020-trip/IMG_1.xmp", "<x:xmpmeta rating=1/>");
  ScanReport r = Scan();
  EXPECT_EQ(r.counts.moved, 4);
  EXPECT_EQ(r.counts.added, 0);
  EXPECT_EQ(r.counts.removed, 0);
  for (const auto& [f, id] : ids) {
    EXPECT_EQ(Row("archive/2020-trip/" + f).id, id) << f;
  }
  EXPECT_EQ(Row("archive/2020-trip/IMG_1.xmp").sidecar_of, ids["IMG_1.CR2"]);
}

TEST_F(PipelineTest, EmptyFilesAreNeverMoves) {
  fs_.AddFile("/lib/a.jpg", "");
  AddJpeg("/lib/keep.jpg");
  Scan();
  const FileId a = Row("a.jpg").id;
  fs_.Remove("/lib/a.jpg");
  fs_.AddFile("/lib/b.jpg", "");
  ScanReport r = Scan();
  EXPECT_EQ(r.counts.moved, 0);
  EXPECT_NE(Row("b.jpg").id, a);
}

TEST_F(PipelineTest, CopiesAndEditedFilesAreNotMoves) {
  AddJpeg("/lib/a.jpg");
  AddJpeg("/lib/b.jpg");
  Scan();
  const FileId a = Row("a.jpg").id;
  fs_.AddFile("/lib/copy-of-a.jpg", kJpeg + "/lib/a.jpg");  // a stays
  fs_.Remove("/lib/b.jpg");
  fs_.AddFile("/lib/b-edited.jpg", kJpeg + "/lib/b.jpg, edited");
  ScanReport r = Scan();
  EXPECT_EQ(r.counts.moved, 0);
  EXPECT_EQ(r.counts.added, 2);
  EXPECT_EQ(r.counts.removed, 1);
  EXPECT_EQ(Row("a.jpg").id, a);
  EXPECT_NE(Row("copy-of-a.jpg").id, a);
}

TEST_F(PipelineTest, FullHashConfirmsMovesWhereItIsKnown) {
  // Same size, same first and last 64 KiB, different middle: the quick
  // hashes agree, the full hashes do not.
  const std::string head = kJpeg + std::string(70 * 1024, 'h');
  const std::string tail(70 * 1024, 't');
  fs_.AddFile("/lib/a.jpg", head + std::string(10, 'A') + tail);
  ScanOptions full;
  full.content.full_hash = true;
  Scan("", full);
  ASSERT_TRUE(Row("a.jpg").hash.has_value());
  fs_.Remove("/lib/a.jpg");
  fs_.AddFile("/lib/b.jpg", head + std::string(10, 'B') + tail);
  ScanReport r = Scan();
  EXPECT_EQ(r.counts.moved, 0);
  EXPECT_EQ(r.counts.added, 1);
  // The same bytes again are a move, confirmed by the full hash.
  fs_.Remove("/lib/b.jpg");
  fs_.AddFile("/lib/c.jpg", head + std::string(10, 'A') + tail);
  const FileId a = Row("a.jpg").id;
  r = Scan();
  EXPECT_EQ(r.counts.moved, 1);
  EXPECT_EQ(Row("c.jpg").id, a);
  EXPECT_TRUE(Row("c.jpg").hash.has_value());
}

TEST_F(PipelineTest, MoveBetweenRootsInTheNextScan) {
  fs_.AddDir("/other");
  catalog::Root other = *cat_->AddRoot("/other", "other", 1);
  AddJpeg("/lib/a.jpg");
  Scan();
  const FileId a = Row("a.jpg").id;
  fs_.AddFile("/other/moved.jpg", kJpeg + "/lib/a.jpg");
  fs_.Remove("/lib/a.jpg");
  AddJpeg("/lib/keep.jpg");  // the root must not look unmounted
  ScanReport r = Scan();     // lib: a.jpg is gone
  EXPECT_EQ(r.counts.removed, 1);
  catalog::Root lib = root_;
  root_ = other;
  r = Scan();                // other: it turns up here
  root_ = lib;
  EXPECT_EQ(r.counts.moved, 1);
  EXPECT_EQ(r.counts.added, 0);
  catalog::FileRow moved = Row("moved.jpg");
  EXPECT_EQ(moved.id, a);
  EXPECT_EQ(moved.root, other.id);
  EXPECT_TRUE(moved.present);
}

TEST_F(PipelineTest, FullHashAndSha256OnRequestAndKeptWhileUnchanged) {
  AddJpeg("/lib/a.jpg");
  Scan();
  EXPECT_TRUE(Row("a.jpg").quick_hash.has_value());
  EXPECT_FALSE(Row("a.jpg").hash.has_value());
  ScanOptions full;
  full.content.full_hash = true;
  full.content.sha256 = true;
  ScanReport r = Scan("", full);  // unchanged files get their full hash
  EXPECT_EQ(r.counts.updated, 1);
  const catalog::FileRow hashed = Row("a.jpg");
  ASSERT_TRUE(hashed.hash.has_value());
  ASSERT_TRUE(hashed.sha256.has_value());
  EXPECT_EQ(hashed.sha256->size(), 32u);
  const int reads = fs_.read_calls();
  Scan("", full);  // the hash cache: nothing is read again
  EXPECT_EQ(fs_.read_calls(), reads);
  Scan();  // a quick scan keeps the full hash of an unchanged file
  EXPECT_EQ(Row("a.jpg").hash, hashed.hash);
  fs_.AddFile("/lib/a.jpg", kJpeg + "changed content");
  fs_.Touch("/lib/a.jpg", 5'000'000'000);
  Scan();  // changed: the old full hash is dropped, not kept stale
  EXPECT_FALSE(Row("a.jpg").hash.has_value());
  EXPECT_NE(Row("a.jpg").quick_hash, hashed.quick_hash);
}

TEST_F(PipelineTest, SmallBatchesGiveTheSameResult) {
  for (int d = 0; d < 10; ++d) {
    for (int f = 0; f < 25; ++f) {
      AddJpeg("/lib/d" + std::to_string(d) + "/f" + std::to_string(f) +
              ".jpg");
    }
  }
  ScanOptions opts;
  opts.batch.max_rows = 7;
  ScanReport r = Scan("", opts);
  EXPECT_EQ(r.counts.added, 250);
  EXPECT_EQ(Rels().size(), 250u);
  auto ops = cat_->ListOperations(1);
  EXPECT_THAT((*ops)[0].checkpoint, HasSubstr("\"files_committed\":250"));
}

}  // namespace
}  // namespace phodex::scan
