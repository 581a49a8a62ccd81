#include "scan/change_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace phodex::scan {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

catalog::KnownFile Known(int64_t id, std::string rel, int64_t size = 10,
                         int64_t mtime = 100, uint64_t ino = 1) {
  catalog::KnownFile k;
  k.id = FileId{id};
  k.rel = std::move(rel);
  k.size = size;
  k.mtime = FileTime::FromNanos(mtime);
  k.ino = ino;
  return k;
}

WalkEntry Entry(std::string name, int64_t size = 10, int64_t mtime = 100,
                uint64_t ino = 1) {
  WalkEntry e;
  e.name = std::move(name);
  e.stat.size = size;
  e.stat.mtime = FileTime::FromNanos(mtime);
  e.stat.ino = ino;
  e.stat.type = FileType::kRegular;
  e.kind = KindFromName(e.name);
  return e;
}

std::vector<WalkEntry> Entries(std::initializer_list<WalkEntry> l) {
  return std::vector<WalkEntry>(l);
}

TEST(ChangeDetector, UnchangedFilesProduceNoWrites) {
  ChangeDetector d;
  d.AddKnown(Known(1, "a/x.jpg"));
  d.AddKnown(Known(2, "a/y.jpg"));
  d.Seal();
  DirChanges c = d.Detect("a", Entries({Entry("x.jpg"), Entry("y.jpg")}));
  EXPECT_EQ(c.unchanged, 2);
  EXPECT_THAT(c.changes, IsEmpty());
  EXPECT_THAT(d.Unseen(), IsEmpty());
}

TEST(ChangeDetector, SizeMtimeOrInodeChangeIsAChange) {
  ChangeDetector d;
  d.AddKnown(Known(1, "s.jpg"));
  d.AddKnown(Known(2, "m.jpg"));
  d.AddKnown(Known(3, "i.jpg"));
  d.Seal();
  DirChanges c = d.Detect("", Entries({Entry("s.jpg", 11), Entry("m.jpg", 10, 101),
                                       Entry("i.jpg", 10, 100, 2),
                                       Entry("new.jpg")}));
  EXPECT_EQ(c.unchanged, 0);
  ASSERT_EQ(c.changes.size(), 4u);
  int news = 0;
  for (const FileChange& ch : c.changes) news += ch.is_new;
  EXPECT_EQ(news, 1);
}

// Times past 2262 (ext4 holds them to 2446, tmpfs and btrfs further):
// compared whole, never as int64 nanoseconds, where 2446-05-01 and a time
// 2^64 ns (584 years) later wrapped to the same value.
TEST(ChangeDetector, FarFutureMtimesCompareExactly) {
  const FileTime t2446{15'031'569'600, 5};
  const FileTime wrapped{t2446.sec + 18'446'744'073, t2446.nsec + 709'551'616};
  ChangeDetector d;
  for (int64_t id : {1, 2, 3, 4}) {
    catalog::KnownFile k = Known(id, "f" + std::to_string(id) + ".jpg");
    k.mtime = t2446;
    d.AddKnown(std::move(k));
  }
  d.Seal();
  auto at = [](const char* name, FileTime t) {
    WalkEntry e = Entry(name);
    e.stat.mtime = t;
    return e;
  };
  DirChanges c = d.Detect(
      "", Entries({at("f1.jpg", t2446), at("f2.jpg", {t2446.sec, 6}),
                   at("f3.jpg", {t2446.sec + 1, 5}), at("f4.jpg", wrapped)}));
  EXPECT_EQ(c.unchanged, 1);
  std::vector<std::string> changed;
  for (const FileChange& ch : c.changes) changed.push_back(ch.upsert.rel);
  EXPECT_THAT(changed, UnorderedElementsAre("f2.jpg", "f3.jpg", "f4.jpg"));
}

TEST(ChangeDetector, UnseenFilesAreRemovedUnlessProtected) {
  ChangeDetector d;
  d.AddKnown(Known(1, "a/gone.jpg"));
  d.AddKnown(Known(2, "locked/x.jpg"));
  d.AddKnown(Known(3, "locked/deep/y.jpg"));
  d.AddKnown(Known(4, "lockedness/z.jpg"));  // same prefix, other folder
  d.AddKnown(Known(5, "a/unstattable.jpg"));
  d.Seal();
  d.Detect("a", {});
  d.Protect("locked");
  d.Protect("a/unstattable.jpg");
  EXPECT_THAT(d.Unseen(), UnorderedElementsAre(FileId{1}, FileId{4}));
}

TEST(ChangeDetector, RootLevelProtectionKeepsEverything) {
  ChangeDetector d;
  d.AddKnown(Known(1, "x.jpg"));
  d.Seal();
  d.Protect("");
  EXPECT_THAT(d.Unseen(), IsEmpty());
}

TEST(ChangeDetector, SidecarTargets) {
  auto files = Entries({Entry("IMG_1.CR2"), Entry("IMG_1.JPG"),
                        Entry("IMG_1.xmp"), Entry("IMG_1.JPG.xmp"),
                        Entry("IMG_2.MOV"), Entry("img_2.xmp"),
                        Entry("IMG_3.xmp"), Entry("IMG_4.HEIC"),
                        Entry("IMG_4.AAE")});
  // IMG_1.xmp describes the raw, as Lightroom writes it.
  EXPECT_EQ(ChangeDetector::SidecarTarget("IMG_1.xmp", files), "IMG_1.CR2");
  EXPECT_EQ(ChangeDetector::SidecarTarget("IMG_1.JPG.xmp", files), "IMG_1.JPG");
  EXPECT_EQ(ChangeDetector::SidecarTarget("img_2.xmp", files), "IMG_2.MOV");
  EXPECT_EQ(ChangeDetector::SidecarTarget("IMG_3.xmp", files), "");
  EXPECT_EQ(ChangeDetector::SidecarTarget("IMG_4.AAE", files), "IMG_4.HEIC");
}

TEST(ChangeDetector, LinksOnlyWhatChanged) {
  ChangeDetector d;
  catalog::KnownFile sidecar = Known(2, "d/IMG_1.xmp");
  sidecar.sidecar_target = "d/IMG_1.CR2";
  d.AddKnown(Known(1, "d/IMG_1.CR2"));
  d.AddKnown(std::move(sidecar));
  d.Seal();
  // Same files: nothing to link again.
  DirChanges c = d.Detect("d", Entries({Entry("IMG_1.CR2"), Entry("IMG_1.xmp")}));
  EXPECT_THAT(c.links, IsEmpty());

  // The raw is gone: the sidecar is unlinked.
  ChangeDetector d2;
  catalog::KnownFile s2 = Known(2, "d/IMG_1.xmp");
  s2.sidecar_target = "d/IMG_1.CR2";
  d2.AddKnown(std::move(s2));
  d2.Seal();
  c = d2.Detect("d", Entries({Entry("IMG_1.xmp")}));
  ASSERT_EQ(c.links.size(), 1u);
  EXPECT_EQ(c.links[0].sidecar_rel, "d/IMG_1.xmp");
  EXPECT_FALSE(c.links[0].target_rel.has_value());
}

// For the removal limit: a file gone from one name and found under
// another (same inode, size and mtime) is a rename, not a loss.
TEST(ChangeDetector, UnseenFilesFoundUnderAnotherNameAreRenames) {
  ChangeDetector d;
  d.AddKnown(Known(1, "2019/a.jpg", 10, 100, 7));
  d.AddKnown(Known(2, "2019/b.jpg", 20, 100, 8));
  d.AddKnown(Known(3, "2019/c.jpg", 30, 100, 9));
  d.AddKnown(Known(4, "keep.jpg", 40, 100, 10));
  d.Seal();
  d.Detect("2019", {});
  d.Detect("archive", Entries({Entry("a.jpg", 10, 100, 7),
                               // same inode, other content: not b
                               Entry("b.jpg", 21, 100, 8)}));
  d.Detect("", Entries({Entry("keep.jpg", 40, 100, 10)}));
  EXPECT_THAT(d.Unseen(),
              UnorderedElementsAre(FileId{1}, FileId{2}, FileId{3}));
  EXPECT_THAT(d.UnseenNotFoundElsewhere(),
              UnorderedElementsAre(FileId{2}, FileId{3}));
  EXPECT_EQ(d.SeenCount(), 1);
}

}  // namespace
}  // namespace phodex::scan
