// The whole scan on an in-memory tree (so permission errors and vanishing
// files can be staged, even as root) against a real SQLite catalog.

#include "scan/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>

#include "catalog/sqlite/sqlite_catalog.h"
#include "scan/root_identity.h"
#include "tests/fakes/fake_file_system.h"
#include "tests/fakes/temp_dir.h"
#include "tests/scan/scan_world.h"

namespace phodex::scan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class PipelineTest : public ScanWorldTest {
 protected:
  ScanReport Scan(const std::string& scope = "", ScanOptions opts = {},
                  jobs::CancelToken cancel = {}) {
    progress_ = std::make_unique<ScanProgress>();
    opts.threads = 3;
    root_ = Fresh(root_.id);
    auto r = ScanRoot(*cat_, fs_, os::SystemClock(), root_, scope, opts,
                      *progress_, cancel);
    EXPECT_TRUE(r) << r.error().ToString();
    return *r;
  }

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
  ScanReport r = Scan("", {}, jobs::CancelToken(cancel));
  EXPECT_EQ(r.status, catalog::OperationStatus::kInterrupted);
  EXPECT_THAT(Rels(), ElementsAre("a.jpg"));  // not marked removed
  ScanOptions accept;  // all of the root's one file is gone: accept that
  accept.accept_removals = true;
  r = Scan("", accept);
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
  AddJpeg("/lib/stays.jpg");  // one of two going is within the removal limit
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

// --- Root identity: an unmounted drive is not a deleted library ----------

const FileSystemIdentity kDrive{"1234-ABCD", "exfat", 77};
const FileSystemIdentity kOtherDrive{"9876-FEDC", "exfat", 78};

// A root on a drive mounted at /mnt/drive, added as `root add` does: its
// identity (marker file and file system) recorded.
class DriveTest : public PipelineTest {
 protected:
  void SetUp() override {
    PipelineTest::SetUp();
    fs_.AddDir("/mnt/drive");
    fs_.SetFileSystemIdentity("/mnt/drive", kDrive);
    for (const char* f : {"a.jpg", "b.jpg", "2020/c.jpg"}) {
      AddJpeg(std::string("/mnt/drive/") + f);
    }
    root_ = *cat_->AddRoot("/mnt/drive", "drive", 1);
    auto id = RecordRootIdentity(fs_, "/mnt/drive", 2);
    ASSERT_TRUE(id) << id.error().ToString();
    ASSERT_TRUE(id->identity.marker) << id->marker_error;
    ASSERT_TRUE(cat_->SetRootIdentity(root_.id, id->identity));
    ScanReport r = Scan();
    ASSERT_EQ(r.status, catalog::OperationStatus::kCompleted);
    ASSERT_EQ(Rels().size(), 3u);
  }
  // The drive goes: its mount point is an empty folder on the parent
  // file system.
  void Unmount() {
    fs_.Remove("/mnt/drive");
    fs_.AddDir("/mnt/drive");
    fs_.UnsetFileSystemIdentity("/mnt/drive");
  }
  void ExpectOfflineAndNothingRemoved(const std::string& why) {
    ScanReport r = Scan();
    EXPECT_TRUE(r.offline);
    EXPECT_EQ(r.status, catalog::OperationStatus::kFailed);
    EXPECT_THAT(r.error, HasSubstr(why));
    EXPECT_THAT(r.error, HasSubstr("nothing was marked removed"));
    EXPECT_EQ(r.counts.removed, 0);
    EXPECT_EQ(Rels().size(), 3u);
    EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved), IsEmpty());
    auto ops = cat_->ListOperations(1);
    EXPECT_EQ((*ops)[0].status, catalog::OperationStatus::kFailed);
    EXPECT_THAT((*ops)[0].error, HasSubstr("offline"));
  }
};

TEST_F(DriveTest, StrayFileInTheEmptyMountPointIsOffline) {
  Unmount();
  fs_.AddFile("/mnt/drive/.DS_Store", "finder");
  ExpectOfflineAndNothingRemoved("marker file .phodex-root is not there");
}

TEST_F(DriveTest, EmptyFolderInTheMountPointIsOffline) {
  Unmount();
  fs_.AddDir("/mnt/drive/2020");
  ExpectOfflineAndNothingRemoved("not there");
  // The old net is behind it too: an empty mount point.
  fs_.Remove("/mnt/drive/2020");
  ExpectOfflineAndNothingRemoved("not there");
}

TEST_F(DriveTest, AnotherDriveMountedThereIsOffline) {
  Unmount();
  fs_.SetFileSystemIdentity("/mnt/drive", kOtherDrive);
  AddJpeg("/mnt/drive/other.jpg");
  ASSERT_TRUE(WriteMarker(fs_, "/mnt/drive", NewRootUuid()));
  ExpectOfflineAndNothingRemoved("belongs to another root");
  // Even with a copy of this root's marker (a clone of the drive), its
  // file system's UUID tells it apart.
  ASSERT_TRUE(WriteMarker(fs_, "/mnt/drive", root_.identity->uuid));
  ExpectOfflineAndNothingRemoved("UUID 9876-FEDC");
}

TEST_F(DriveTest, PlainFolderWithACopiedMarkerIsOffline) {
  const std::string marker = [&] {
    auto f = fs_.OpenForRead("/mnt/drive/.phodex-root",
                             os::AccessPattern::kSequential);
    std::string text(static_cast<size_t>((*f)->size()), '\0');
    EXPECT_TRUE((*f)->ReadAt(0, text.data(), text.size()));
    return text;
  }();
  Unmount();
  fs_.AddFile("/mnt/drive/.phodex-root", marker);  // on "fakefs"
  ExpectOfflineAndNothingRemoved("another file system (fakefs)");
}

TEST_F(DriveTest, DeletedMarkerIsOffline) {
  fs_.Remove("/mnt/drive/.phodex-root");
  ExpectOfflineAndNothingRemoved("not there");
}

TEST_F(DriveTest, RemountedDriveIsTheSameRootAndNothingIsRemoved) {
  const int64_t before = root_.identity->recorded_ns;
  Unmount();
  fs_.AddFile("/mnt/drive/.DS_Store", "finder");
  ExpectOfflineAndNothingRemoved("not there");
  // Plugged in again (say as another device: FAT's statfs id changes).
  fs_.Remove("/mnt/drive");
  for (const char* f : {"a.jpg", "b.jpg", "2020/c.jpg"}) {
    AddJpeg(std::string("/mnt/drive/") + f);
  }
  ASSERT_TRUE(WriteMarker(fs_, "/mnt/drive", root_.identity->uuid));
  FileSystemIdentity replugged = kDrive;
  replugged.fsid = 99;
  fs_.SetFileSystemIdentity("/mnt/drive", replugged);
  ScanReport r = Scan();
  EXPECT_FALSE(r.offline);
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(r.counts.removed, 0);
  EXPECT_EQ(Rels().size(), 3u);
  EXPECT_EQ(root_.identity->recorded_ns, before);  // nothing new to record
}

// The drive is unplugged while it is walked (here when the walk meets a
// new file): the identity is checked again once the walk is done, so
// whatever the walk did or did not see, nothing is marked removed.
TEST_F(DriveTest, DriveUnmountedDuringTheWalkIsOffline) {
  AddJpeg("/mnt/drive/new.jpg");
  ScanOptions opts;
  std::atomic<bool> unmounted = false;
  opts.hold = [&](std::string_view, const FileStat&) {
    if (!unmounted.exchange(true)) Unmount();
    return false;
  };
  ScanReport r = Scan("", opts);
  ASSERT_TRUE(unmounted);
  EXPECT_TRUE(r.offline);
  EXPECT_EQ(r.status, catalog::OperationStatus::kFailed);
  EXPECT_THAT(r.error, HasSubstr("went offline during the scan"));
  EXPECT_THAT(r.error, HasSubstr("nothing was marked removed"));
  EXPECT_EQ(Rels().size(), 3u);
  EXPECT_THAT(Rels(catalog::FileQuery::Presence::kRemoved), IsEmpty());
}

TEST_F(DriveTest, MissingRootFolderIsOffline) {
  fs_.Remove("/mnt/drive");
  ExpectOfflineAndNothingRemoved("its folder is missing");
}

// A read-only root (a camera card): no marker, its file system alone
// identifies it.
TEST_F(PipelineTest, ReadOnlyRootReliesOnItsFileSystem) {
  fs_.AddDir("/media/card");
  fs_.SetFileSystemIdentity("/media/card", kDrive);
  AddJpeg("/media/card/DCIM/1.jpg");
  fs_.DenyWrite("/media/card");
  root_ = *cat_->AddRoot("/media/card", "card", 1);
  auto id = RecordRootIdentity(fs_, "/media/card", 2);
  ASSERT_TRUE(id);
  EXPECT_FALSE(id->identity.marker);
  EXPECT_THAT(id->marker_error, HasSubstr("Permission denied"));
  ASSERT_TRUE(cat_->SetRootIdentity(root_.id, id->identity));
  EXPECT_EQ(Scan().status, catalog::OperationStatus::kCompleted);
  // Card out, another card in: another UUID.
  fs_.SetFileSystemIdentity("/media/card", kOtherDrive);
  fs_.Remove("/media/card/DCIM/1.jpg");
  AddJpeg("/media/card/DCIM/2.jpg");
  ScanReport r = Scan();
  EXPECT_TRUE(r.offline);
  EXPECT_THAT(Rels(), ElementsAre("DCIM/1.jpg"));
  // No UUID known (no /dev/disk/by-uuid), same type: the statfs id.
  FileSystemIdentity no_uuid = kDrive;
  no_uuid.uuid = "";
  no_uuid.fsid = 12;
  fs_.SetFileSystemIdentity("/media/card", no_uuid);
  r = Scan();
  EXPECT_TRUE(r.offline);
  EXPECT_THAT(r.error, HasSubstr("statfs id"));
}

// Roots from catalogs older than schema v7 (this fixture's root has no
// identity) get one from their first scan that finds the cataloged files.
TEST_F(PipelineTest, RootWithoutIdentityGetsOneFromAScanThatFindsItsFiles) {
  fs_.SetFileSystemIdentity("/lib", kDrive);
  AddJpeg("/lib/a.jpg");
  AddJpeg("/lib/b.jpg");
  ASSERT_FALSE(root_.identity);
  ScanReport r = Scan();  // nothing known yet: files found are evidence
  ASSERT_TRUE(r.identity_recorded);
  EXPECT_TRUE(r.identity_recorded->marker);
  EXPECT_EQ(r.identity_recorded->fs, kDrive);
  auto roots = cat_->ListRoots();
  ASSERT_TRUE((*roots)[0].identity);
  EXPECT_EQ(*(*roots)[0].identity, *r.identity_recorded);
  EXPECT_EQ(ReadMarker(fs_, "/lib", r.identity_recorded->uuid).state,
            MarkerState::kNames);
  EXPECT_FALSE(Scan().identity_recorded);  // recorded once
}

TEST_F(PipelineTest, RootWithoutIdentityIsNotAdoptedByAnEmptyMountPoint) {
  // A catalog from before identities: files cataloged, none recorded (here:
  // the file system could not be looked at then).
  AddJpeg("/lib/a.jpg");
  AddJpeg("/lib/b.jpg");
  fs_.FailIdentify("/lib");
  ASSERT_EQ(Scan().status, catalog::OperationStatus::kCompleted);
  fs_.AllowIdentify("/lib");
  ASSERT_FALSE((*cat_->ListRoots())[0].identity);
  // Unmounted, with a stray file: nothing confirms or contradicts the
  // root, but the removal limit holds.
  fs_.Remove("/lib");
  fs_.AddFile("/lib/.DS_Store", "finder");
  ScanReport r = Scan();
  EXPECT_FALSE(r.offline);
  EXPECT_EQ(r.status, catalog::OperationStatus::kFailed);
  EXPECT_EQ(r.removals_withheld, 2);
  EXPECT_THAT(Rels(), ElementsAre("a.jpg", "b.jpg"));
  EXPECT_FALSE(r.identity_recorded);  // the mount point is not the drive
  EXPECT_FALSE((*cat_->ListRoots())[0].identity);
  // The drive is back: its files are where the catalog expects them.
  fs_.Remove("/lib/.DS_Store");
  AddJpeg("/lib/a.jpg");
  AddJpeg("/lib/b.jpg");
  r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  ASSERT_TRUE(r.identity_recorded);
  EXPECT_TRUE(r.identity_recorded->marker);
}

// --- The removal limit ------------------------------------------------

TEST_F(PipelineTest, MoreThanHalfRemovedIsWithheldUnlessAccepted) {
  for (int i = 0; i < 4; ++i) AddJpeg("/lib/" + std::to_string(i) + ".jpg");
  Scan();
  for (int i = 0; i < 3; ++i) fs_.Remove("/lib/" + std::to_string(i) + ".jpg");
  AddJpeg("/lib/new.jpg");
  ScanReport r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kFailed);
  EXPECT_EQ(r.removals_withheld, 3);
  EXPECT_EQ(r.root_present, 4);
  EXPECT_THAT(r.error, HasSubstr("3 of the root's 4 files"));
  EXPECT_THAT(r.error, HasSubstr("--accept-removals"));
  // Nothing was marked removed; what was found otherwise is committed.
  EXPECT_THAT(Rels(),
              ElementsAre("0.jpg", "1.jpg", "2.jpg", "3.jpg", "new.jpg"));
  EXPECT_EQ(r.counts.added, 1);
  // The root was not marked scanned: its last complete scan stands.
  EXPECT_EQ((*cat_->ListRoots())[0].last_scanned_ns, root_.last_scanned_ns);
  ScanOptions accept;
  accept.accept_removals = true;
  r = Scan("", accept);
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(r.counts.removed, 3);
  EXPECT_THAT(Rels(), ElementsAre("3.jpg", "new.jpg"));
}

TEST_F(PipelineTest, HalfRemovedIsNotOverTheLimitAndTheLimitIsConfigurable) {
  for (int i = 0; i < 4; ++i) AddJpeg("/lib/" + std::to_string(i) + ".jpg");
  Scan();
  fs_.Remove("/lib/0.jpg");
  ScanOptions strict;
  strict.max_removed_fraction = 0.2;  // 1 of 4 is over 20%
  EXPECT_EQ(Scan("", strict).removals_withheld, 1);
  fs_.Remove("/lib/1.jpg");
  ScanReport r = Scan();  // 2 of 4: not more than half
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(r.counts.removed, 2);
}

TEST_F(PipelineTest, ExcludingEverythingIsCaughtByTheLimit) {
  AddJpeg("/lib/a.jpg");
  AddJpeg("/lib/b/c.jpg");
  Scan();
  ScanOptions all;
  all.filter.exclude_globs = {"*"};
  ScanReport r = Scan("", all);
  EXPECT_EQ(r.status, catalog::OperationStatus::kFailed);
  EXPECT_EQ(r.removals_withheld, 2);
  EXPECT_THAT(Rels(), ElementsAre("a.jpg", "b/c.jpg"));
}

TEST_F(PipelineTest, MovesAreNotRemovalsForTheLimit) {
  // Every file moves to another folder: a move, not a loss (the fake's
  // "move" is a new inode with the same bytes, as across file systems).
  for (int i = 0; i < 3; ++i) AddJpeg("/lib/old/" + std::to_string(i) + ".jpg");
  Scan();
  fs_.Remove("/lib/old");
  for (int i = 0; i < 3; ++i) {
    fs_.AddFile("/lib/new/" + std::to_string(i) + ".jpg",
                kJpeg + "/lib/old/" + std::to_string(i) + ".jpg");
  }
  ScanReport r = Scan();
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(r.counts.moved, 3);
}

TEST_F(PipelineTest, PartialScanIsMeasuredAgainstTheWholeRoot) {
  for (int i = 0; i < 6; ++i)
    AddJpeg("/lib/keep/" + std::to_string(i) + ".jpg");
  for (int i = 0; i < 4; ++i)
    AddJpeg("/lib/cull/" + std::to_string(i) + ".jpg");
  Scan();
  for (int i = 0; i < 3; ++i)
    fs_.Remove("/lib/cull/" + std::to_string(i) + ".jpg");
  ScanReport r = Scan("cull");  // 3 of the folder's 4, of the root's 10
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_EQ(r.counts.removed, 3);
}

TEST_F(PipelineTest, EmptyRootAllowedIsEmptiedDespiteTheLimit) {
  AddJpeg("/lib/a.jpg");
  AddJpeg("/lib/b.jpg");
  Scan();
  fs_.Remove("/lib/a.jpg");
  fs_.Remove("/lib/b.jpg");
  ScanOptions allow;
  allow.allow_empty_root = true;  // "yes, it is empty": mark them removed
  ScanReport r = Scan("", allow);
  EXPECT_EQ(r.status, catalog::OperationStatus::kCompleted);
  EXPECT_THAT(Rels(), IsEmpty());
}

// A marker longer than phodex reads (other catalogs' roots past the cut)
// is never rewritten: the roots it names past 1 MiB would be lost.
TEST(RootMarker, AMarkerTooLongToReadWholeIsNotRewritten) {
  testing::TempDir dir;
  const std::string marker =
      os::JoinPath(dir.path(), std::string(kRootMarkerName));
  const std::string big(1024 * 1024 + 100, 'x');
  {
    std::ofstream out(marker, std::ios::binary);
    out << big;
  }
  auto fs = os::NewPosixFileSystem();
  Status st = WriteMarker(*fs, dir.path(), "0123456789abcdef0123456789abcdef");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  std::ifstream in(marker, std::ios::binary);
  std::string after((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  EXPECT_EQ(after, big);
}

}  // namespace
}  // namespace phodex::scan
