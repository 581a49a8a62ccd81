#include "library/data_folder.h"

#include <gtest/gtest.h>

#include <fnmatch.h>

namespace phodex::library {
namespace {

bool Excluded(const DataFolder& d, const std::string& path) {
  for (const std::string& g : d.OwnFileGlobs("/real")) {
    if (fnmatch(g.c_str(), path.c_str(), FNM_PATHNAME) == 0) return true;
  }
  return false;
}

// The names are those of every phodex before the data folder was made
// explicit: a new binary must find the locks and the journal an older one
// holds or left.
TEST(DataFolder, BesideACatalogKeepsTheNamesOfItsFiles) {
  const DataFolder d = DataFolderBeside("/data/phodex/catalog.db");
  EXPECT_EQ(d.dir, "/data/phodex");
  EXPECT_EQ(d.ThumbsDir(), "/data/phodex/thumbs");
  EXPECT_EQ(d.DupesJournalPath(), "/data/phodex/catalog.db.dupes-journal");
  EXPECT_EQ(d.DupesLockPath(), "/data/phodex/catalog.db.dupes.lock");
  EXPECT_EQ(d.RootLockPath(RootId{3}), "/data/phodex/catalog.db.root-3.lock");
  EXPECT_EQ(d.LogPath(), "/data/phodex/phodex.log");
  EXPECT_EQ(d.ServeLockPath(), "/data/phodex/catalog.db.serve.lock");
  EXPECT_EQ(d.ServiceStatusPath(),
            "/data/phodex/catalog.db.serve-status.json");
}

TEST(DataFolder, OwnFilesAreExcludedOthersAreNot) {
  const DataFolder d = DataFolderBeside("/data/my[1]*.db");
  for (const char* own :
       {"/real/my[1]*.db", "/real/my[1]*.db-wal", "/real/my[1]*.db-shm",
        "/real/my[1]*.db-journal", "/real/my[1]*.db.v7.bak",
        "/real/my[1]*.db.dupes-journal", "/real/my[1]*.db.dupes.lock",
        "/real/my[1]*.db.root-12.lock", "/real/my[1]*.db.serve.lock",
        "/real/my[1]*.db.serve-status.json", "/real/phodex.log",
        "/real/phodex.1.log"}) {
    EXPECT_TRUE(Excluded(d, own)) << own;
  }
  for (const char* theirs : {"/real/my1x.db", "/real/IMG_1.jpg",
                             "/real/sub/phodex.log", "/other/my[1]*.db"}) {
    EXPECT_FALSE(Excluded(d, theirs)) << theirs;
  }
}

}  // namespace
}  // namespace phodex::library
