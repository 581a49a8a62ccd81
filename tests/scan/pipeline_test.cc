// The whole scan on an in-memory tree (so permission errors and vanishing
// files can be staged, even as root) against a real SQLite catalog.

#include "scan/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalog/sqlite/sqlite_catalog.h"
#include "scan/kind_sniff_stage.h"
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
    KindSniffStage sniff(fs_);
    std::vector<Stage*> stages = {&sniff};
    progress_ = std::make_unique<ScanProgress>();
    opts.threads = 3;
    auto r = ScanRoot(*cat_, fs_, os::SystemClock(), root_, scope, opts,
                      stages, *progress_, cancel);
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
  fs_.AddFile("/lib/a/1.jpg", kJpeg);
  fs_.AddFile("/lib/a/2.jpg", kJpeg);
  fs_.AddFile("/lib/b/3.jpg", kJpeg);
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
  fs_.AddFile("/lib/keep.jpg", kJpeg);
  fs_.AddFile("/lib/change.jpg", kJpeg);
  fs_.AddFile("/lib/old/gone.jpg", kJpeg);
  Scan();
  const FileId change_id = Row("change.jpg").id;
  fs_.Touch("/lib/change.jpg", 2'000'000'000);
  fs_.Remove("/lib/old");
  fs_.AddFile("/lib/new.jpg", kJpeg);
  ScanReport r = Scan();
  EXPECT_EQ(r.counts.added, 1);
  EXPECT_EQ(r.counts.updated, 1);
  EXPECT_EQ(r.counts.removed, 1);
  EXPECT_THAT(Rels(), ElementsAre("change.jpg", "keep.jpg", "new.jpg"));
  EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved),
              ElementsAre("old/gone.jpg"));
  EXPECT_EQ(Row("change.jpg").id, change_id);
  EXPECT_EQ(Row("change.jpg").mtime_ns, 2'000'000'000);
}

TEST_F(PipelineTest, PartialScanLeavesTheRestAlone) {
  fs_.AddFile("/lib/2020/a.jpg", kJpeg);
  fs_.AddFile("/lib/2021/b.jpg", kJpeg);
  Scan();
  fs_.Remove("/lib/2021/b.jpg");     // outside the partial scan
  fs_.Remove("/lib/2020/a.jpg");     // inside it
  fs_.AddFile("/lib/2020/c.jpg", kJpeg);
  ScanReport r = Scan("2020");
  EXPECT_EQ(r.counts.removed, 1);
  EXPECT_THAT(Rels(), ElementsAre("2020/c.jpg", "2021/b.jpg"));
}

TEST_F(PipelineTest, UnreadableFolderKeepsItsRecordsAndIsRecorded) {
  fs_.AddFile("/lib/open/a.jpg", kJpeg);
  fs_.AddFile("/lib/nas/b.jpg", kJpeg);
  fs_.AddFile("/lib/nas/deep/c.jpg", kJpeg);
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
  fs_.AddFile("/lib/a.jpg", kJpeg);
  fs_.AddFile("/lib/b.jpg", kJpeg);
  fs_.VanishOnRead("/lib/b.jpg");
  ScanReport r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_THAT(Rels(), ElementsAre("a.jpg"));
  ASSERT_EQ(r.first_errors.size(), 1u);
  EXPECT_THAT(r.first_errors[0].reason, HasSubstr("vanished"));
}

TEST_F(PipelineTest, KindIsConfirmedByContent) {
  fs_.AddFile("/lib/real.jpg", kJpeg);
  fs_.AddFile("/lib/fake.jpg", "just text");
  fs_.AddFile("/lib/jpeg.png", kJpeg);
  Scan();
  EXPECT_TRUE(Row("real.jpg").last_error.empty());
  EXPECT_THAT(Row("fake.jpg").last_error, HasSubstr("not what the extension"));
  EXPECT_EQ(Row("jpeg.png").kind, MediaKind::kPhoto);
  EXPECT_THAT(Row("jpeg.png").last_error, HasSubstr("JPEG"));
}

TEST_F(PipelineTest, DiscoverOnlyReadsNothingAndTheNextScanChecksOnce) {
  fs_.AddFile("/lib/a.jpg", kJpeg);
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
  fs_.AddFile("/lib/d/IMG_2.JPG", kJpeg);
  fs_.AddFile("/lib/d/IMG_2.JPG.xmp", "<x:xmpmeta/>");
  Scan();
  EXPECT_EQ(Row("d/IMG_1.xmp").sidecar_of, Row("d/IMG_1.CR2").id);
  EXPECT_EQ(Row("d/IMG_2.JPG.xmp").sidecar_of, Row("d/IMG_2.JPG").id);
  fs_.Remove("/lib/d/IMG_1.CR2");
  Scan();
  EXPECT_FALSE(Row("d/IMG_1.xmp").sidecar_of.has_value());
}

TEST_F(PipelineTest, EmptyRootWithKnownFilesIsRefused) {
  fs_.AddFile("/lib/a.jpg", kJpeg);
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
  fs_.AddFile("/lib/a.jpg", kJpeg);
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
  fs_.AddFile("/lib/a.jpg", kJpeg);
  Scan();
  fs_.Remove("/lib/a.jpg");
  fs_.AddFile("/lib/b.jpg", kJpeg);
  std::atomic<bool> cancel{true};
  ScanReport r = Scan("", {}, &cancel);
  EXPECT_EQ(r.status, catalog::OperationStatus::kInterrupted);
  EXPECT_THAT(Rels(), ElementsAre("a.jpg"));  // not marked removed
  r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_THAT(Rels(), ElementsAre("b.jpg"));
}

TEST_F(PipelineTest, SmallBatchesGiveTheSameResult) {
  for (int d = 0; d < 10; ++d) {
    for (int f = 0; f < 25; ++f) {
      fs_.AddFile("/lib/d" + std::to_string(d) + "/f" + std::to_string(f) +
                      ".jpg",
                  kJpeg);
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
