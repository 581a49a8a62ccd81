#pragma once
// A small world for scan tests: an in-memory tree (so permission errors and
// vanishing files can be staged, even as root) with a root at /lib, and a
// real SQLite catalog in a temporary folder, with helpers to read back what
// the catalog holds. Single-threaded (a gtest fixture).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/fakes/fake_file_system.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::scan {

// The first bytes of a JPEG, so the content stage confirms the kind.
inline const std::string kJpeg =
    std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg data";

class ScanWorldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = catalog::OpenSqliteCatalog(dir_ / "catalog.db", {});
    ASSERT_TRUE(c);
    cat_ = std::move(*c);
    fs_.AddDir("/lib");
    root_ = *cat_->AddRoot("/lib", "lib", 1);
  }

  // The root `id` as the catalog holds it now (last scanned, generation);
  // a default root if none.
  catalog::Root Fresh(RootId id) {
    const auto roots = cat_->ListRoots();
    EXPECT_TRUE(roots);
    if (!roots) return {};
    for (const catalog::Root& r : *roots) {
      if (r.id == id) return r;
    }
    return {};
  }

  // A JPEG whose content is unique to its path (files with equal content
  // are moves or duplicates, which tests plant on purpose).
  void AddJpeg(const std::string& path) { fs_.AddFile(path, kJpeg + path); }

  // Present rels of every root, or removed ones.
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

  // The row of `rel` (any root, present or not) as `q` reads it (tags,
  // pairs); a default row if none.
  catalog::FileRow Row(const std::string& rel, catalog::FileQuery q = {}) {
    catalog::FileRow out;
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
};

}  // namespace phodex::scan
