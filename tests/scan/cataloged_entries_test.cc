// scan::NamedEntriesAsCataloged (scan/cataloged_entries.h): whether the
// entries a watcher named in a folder are as the catalog holds them, on an
// in-memory tree and a real SQLite catalog.

#include "scan/cataloged_entries.h"

#include <gtest/gtest.h>

#include "scan/pipeline.h"
#include "tests/fakes/fake_clock.h"
#include "tests/scan/scan_world.h"

namespace phodex::scan {
namespace {

class CatalogedEntriesTest : public ScanWorldTest {
 protected:
  void SetUp() override {
    ScanWorldTest::SetUp();
    AddJpeg("/lib/a/x.jpg");
    AddJpeg("/lib/a/y.jpg");
    fs_.AddFile("/lib/a/x.xmp", "<x:xmpmeta/>");
    Scan();
  }
  void Scan() {
    ScanProgress progress;
    auto r = ScanRoot(*cat_, fs_, clock_, Fresh(root_.id), "", {}, progress,
                      jobs::CancelToken());
    ASSERT_TRUE(r) << r.error().ToString();
  }
  // Folder "a" as a watcher's work lists it: its media files.
  FolderChanges ListingOfA() {
    std::vector<WalkEntry> files;
    auto listing = fs_.ListDir("/lib/a", os::Follow::kNo);
    EXPECT_TRUE(listing);
    if (!listing) return {};
    for (os::DirEntry& e : *listing) {
      const MediaKind kind = KindFromName(e.name);
      if (!e.stat || kind == MediaKind::kOther) continue;
      files.push_back(WalkEntry{e.name, *e.stat, kind});
    }
    return FolderChanges::Folder("a", std::move(files));
  }
  bool AsCataloged(const std::vector<std::string>& names,
                   DetectorWants wants = {.content_version =
                                              kContentStagesVersionNoMetadata}) {
    auto r = NamedEntriesAsCataloged(*cat_, root_.id, ListingOfA(), names,
                                     wants);
    EXPECT_TRUE(r) << r.error().ToString();
    return r && *r;
  }

  testing::FakeClock clock_;
};

TEST_F(CatalogedEntriesTest, FilesAsScannedAreAsCataloged) {
  EXPECT_TRUE(AsCataloged({"x.jpg", "x.xmp", "y.jpg"}));
  EXPECT_TRUE(AsCataloged({}));
}

TEST_F(CatalogedEntriesTest, AChangedOrNewFileIsNot) {
  fs_.Touch("/lib/a/y.jpg", 123);
  EXPECT_FALSE(AsCataloged({"y.jpg"}));
  EXPECT_TRUE(AsCataloged({"x.jpg"}));  // only the named entries count
  AddJpeg("/lib/a/new.jpg");
  EXPECT_FALSE(AsCataloged({"new.jpg"}));
}

TEST_F(CatalogedEntriesTest, AGoneFileIsNotButANameNeverCatalogedIs) {
  fs_.Remove("/lib/a/y.jpg");
  EXPECT_FALSE(AsCataloged({"y.jpg"}));
  // Not media, or a temporary that came and went: nothing to hold.
  fs_.AddFile("/lib/a/notes.txt", "text");
  EXPECT_TRUE(AsCataloged({"notes.txt", "z.jpg.part"}));
  // News of the folder itself is not judged by names.
  EXPECT_FALSE(AsCataloged({""}));
}

TEST_F(CatalogedEntriesTest, ASidecarWhosePhotoChangedIsNot) {
  // x.xmp describes x.jpg; with a raw beside it, the raw (the scan's rule).
  AddJpeg("/lib/a/x.cr2");
  EXPECT_FALSE(AsCataloged({"x.xmp"}));
}

TEST_F(CatalogedEntriesTest, AFileTheStagesHaveNotProcessedIsNot) {
  EXPECT_FALSE(AsCataloged({"x.jpg"}, {.content_version = 99}));
  EXPECT_FALSE(AsCataloged(
      {"x.jpg"},
      {.content_version = kContentStagesVersionNoMetadata, .full_hash = true}));
}

TEST_F(CatalogedEntriesTest, AListingWithErrorsIsNot) {
  FolderChanges listing = ListingOfA();
  listing.errors.push_back(
      {"a/x.jpg", MakeError(ErrorCode::kPermissionDenied, "denied").error()});
  auto r = NamedEntriesAsCataloged(*cat_, root_.id, listing, {"y.jpg"},
                                   DetectorWants{});
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
}

}  // namespace
}  // namespace phodex::scan
