#include "scan/filter.h"

#include <gtest/gtest.h>

namespace phodex::scan {
namespace {

TEST(Filter, BuiltinExclusions) {
  Filter f(FilterOptions{});
  for (const char* name :
       {".hidden", ".DS_Store", "Thumbs.db", "desktop.ini", "photo.jpg.tmp",
        "x.TEMP", "backup~", "@eaDir", "$RECYCLE.BIN",
        "System Volume Information", ".Trash-1000", "lost+found",
        ".thumbnails"}) {
    EXPECT_TRUE(f.ExcludesFile(name, name) || f.ExcludesDir(name, name, ""))
        << name;
  }
  EXPECT_FALSE(f.ExcludesFile("IMG_0001.JPG", "IMG_0001.JPG"));
  EXPECT_FALSE(f.ExcludesDir("2024", "2024", "/p/2024"));
  EXPECT_FALSE(f.ExcludesFile("template.jpg", "template.jpg"));
}

TEST(Filter, BuiltinsApplyEvenWithHiddenIncluded) {
  FilterOptions o;
  o.include_hidden = true;
  Filter f(o);
  EXPECT_FALSE(f.ExcludesFile(".hidden.jpg", ".hidden.jpg"));
  EXPECT_TRUE(f.ExcludesFile(".DS_Store", ".DS_Store"));
  EXPECT_TRUE(f.ExcludesDir(".Trash-1000", ".Trash-1000", "/x/.Trash-1000"));
}

TEST(Filter, UserGlobsByNameAndByPath) {
  FilterOptions o;
  o.exclude_globs = {"*.psd", "Exports", "2019/tmp/*"};
  Filter f(o);
  EXPECT_TRUE(f.ExcludesFile("layers.psd", "2020/a/layers.psd"));
  EXPECT_TRUE(f.ExcludesDir("Exports", "2020/Exports", "/r/2020/Exports"));
  EXPECT_TRUE(f.ExcludesFile("a.jpg", "2019/tmp/a.jpg"));
  EXPECT_FALSE(f.ExcludesFile("a.jpg", "2019/keep/a.jpg"));
  EXPECT_FALSE(f.ExcludesFile("a.jpg", "2020/tmp/a.jpg"));
}

TEST(Filter, AbsoluteFolders) {
  FilterOptions o;
  o.exclude_abs_dirs = {"/home/me/.local/share/phodex/"};
  o.include_hidden = true;
  Filter f(o);
  EXPECT_TRUE(f.ExcludesDir("phodex", "share/phodex",
                            "/home/me/.local/share/phodex"));
  EXPECT_FALSE(f.ExcludesDir("phodex2", "share/phodex2",
                             "/home/me/.local/share/phodex2"));
}

// phodex's own data is never a media file (issue: a catalog whose folder
// was a root cataloged its thumbnails, again and again).
TEST(Filter, PhodexOwnFilesWhereverTheyLive) {
  FilterOptions o;
  o.include_hidden = true;
  o.exclude_abs_file_globs = {"/r/c.jpg", "/r/c.jpg-*", "/r/c.jpg.root-*.lock",
                              "/r/phodex.*.log"};
  Filter f(o);
  EXPECT_TRUE(f.ExcludesFileIn("/r", "c.jpg"));
  EXPECT_TRUE(f.ExcludesFileIn("/r", "c.jpg-wal"));
  EXPECT_TRUE(f.ExcludesFileIn("/r", "c.jpg.root-12.lock"));
  EXPECT_TRUE(f.ExcludesFileIn("/r", "phodex.1.log"));
  // Only in the catalog's folder.
  EXPECT_FALSE(f.ExcludesFileIn("/r/2020", "c.jpg"));
  EXPECT_FALSE(f.ExcludesFileIn("/r", "d.jpg"));
  EXPECT_FALSE(f.ExcludesFileIn("/rr", "c.jpg"));
  // Anywhere, hidden or not: the root marker and temporary files.
  for (const char* name :
       {".phodex-root", ".a.jpg.phodex-tmp-Xy12Z9", ".a.jpg.phodex-copy-3-1",
        ".a.jpg.phodex-link-3-1", ".phodex-root.phodex-tmp-abcdef"}) {
    EXPECT_TRUE(f.ExcludesFile(name, std::string("x/") + name)) << name;
  }
  EXPECT_FALSE(f.ExcludesFile("phodex-tmp.jpg", "phodex-tmp.jpg"));
}

}  // namespace
}  // namespace phodex::scan
