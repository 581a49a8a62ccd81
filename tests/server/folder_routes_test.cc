// GET /api/v1/roots/{id}/folders: counts in and below each folder and
// directly in it, covers, paging by name to the end while folders come and
// go, removed files not counted, and what a client may not send.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "server/http_types.h"
#include "tests/catalog/upsert_for_test.h"
#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

using catalog::FileUpsert;
using catalog::Upsert;

class FolderRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    auto root = catalog_->AddRoot(RootPath(), "lib", 1);
    ASSERT_TRUE(root) << root.error().ToString();
    root_ = *root;
  }
  // Writes files into the catalog as a scan would (nothing on disk: the
  // route never looks there).
  void Add(std::vector<FileUpsert> upserts) {
    catalog::ScanBatch b;
    b.root = root_.id;
    b.now_ns = 10;
    b.upserts = std::move(upserts);
    ASSERT_TRUE(catalog_->ApplyBatch(b));
  }
  void Remove(const std::string& rel) {
    auto row = catalog_->FindFile(root_.id, rel);
    ASSERT_TRUE(row && *row) << rel;
    catalog::ScanBatch b;
    b.root = root_.id;
    b.removals = {(*row)->id};
    ASSERT_TRUE(catalog_->ApplyBatch(b));
  }
  int64_t IdOf(const std::string& rel) {
    auto row = catalog_->FindFile(root_.id, rel);
    return row && *row ? (*row)->id.value : -1;
  }
  static FileUpsert Taken(FileUpsert u, const char* when) {
    MediaMetadata m;
    m.taken = when;
    u.metadata = m;
    return u;
  }
  std::string Folders(const std::string& query = "") {
    return "/api/v1/roots/" + std::to_string(root_.id.value) + "/folders" +
           query;
  }
  // The page's folders as name -> {media, direct_media}.
  static std::vector<std::string> Names(const nlohmann::json& page) {
    std::vector<std::string> out;
    for (const auto& f : page["folders"]) out.push_back(f["name"]);
    return out;
  }
};

TEST_F(FolderRoutesTest, CountsAreRecursiveAndDirect) {
  Add({Upsert("a.jpg"), Upsert("2024/x.jpg"),
       Upsert("2024/x.xmp", 1, MediaKind::kSidecar),
       Upsert("2024/notes.txt", 1, MediaKind::kOther),
       Upsert("2024/summer/y.jpg"),
       Upsert("2024/summer/z.mp4", 1, MediaKind::kVideo),
       Upsert("2024/winter/deep/w.cr2", 1, MediaKind::kRaw),
       Upsert("2023/q.jpg")});
  const Response r = Get(Folders());
  ASSERT_EQ(r.status, 200) << r.body;
  const nlohmann::json j = Body(r);
  EXPECT_EQ(j["root"], root_.id.value);
  EXPECT_EQ(j["parent"]["rel"], "");
  EXPECT_EQ(j["parent"]["media"], 6);
  EXPECT_EQ(j["parent"]["direct_media"], 1);
  EXPECT_EQ(j["parent"]["subfolders"], 2);
  ASSERT_EQ(Names(j), (std::vector<std::string>{"2023", "2024"}));
  EXPECT_EQ(j["folders"][1]["rel"], "2024");
  EXPECT_EQ(j["folders"][1]["media"], 4);  // not the sidecar nor the text
  EXPECT_EQ(j["folders"][1]["direct_media"], 1);
  EXPECT_TRUE(j["next_cursor"].is_null());

  const nlohmann::json sub = Body(Get(Folders("?parent=2024")));
  ASSERT_EQ(Names(sub), (std::vector<std::string>{"summer", "winter"}));
  EXPECT_EQ(sub["parent"]["media"], 4);
  EXPECT_EQ(sub["folders"][0]["media"], 2);
  EXPECT_EQ(sub["folders"][0]["direct_media"], 2);
  // A folder with no file of its own, only a subfolder's.
  EXPECT_EQ(sub["folders"][1]["rel"], "2024/winter");
  EXPECT_EQ(sub["folders"][1]["media"], 1);
  EXPECT_EQ(sub["folders"][1]["direct_media"], 0);
  EXPECT_EQ(sub["folders"][1]["subfolders"], 1);
  // A leaf: its own figures, no subfolders.
  const nlohmann::json leaf = Body(Get(Folders("?parent=2024/winter/deep")));
  EXPECT_EQ(leaf["parent"]["media"], 1);
  EXPECT_TRUE(leaf["folders"].empty());
}

TEST_F(FolderRoutesTest, TheCoverIsTheNewestCapturedPhotoBelow) {
  Add({Taken(Upsert("2024/old.jpg"), "2024-01-01T10:00:00"),
       Taken(Upsert("2024/summer/new.jpg"), "2024-07-01T10:00:00"),
       Taken(Upsert("2024/summer/clip.mp4", 1, MediaKind::kVideo),
             "2024-12-31T10:00:00"),
       Taken(Upsert("2024/winter/raw.cr2", 1, MediaKind::kRaw),
             "2024-02-01T10:00:00"),
       Upsert("undated/x.jpg")});
  const nlohmann::json top = Body(Get(Folders()));
  EXPECT_EQ(top["parent"]["cover"], IdOf("2024/summer/new.jpg"));
  ASSERT_EQ(Names(top), (std::vector<std::string>{"2024", "undated"}));
  EXPECT_EQ(top["folders"][0]["cover"], IdOf("2024/summer/new.jpg"));
  EXPECT_TRUE(top["folders"][1]["cover"].is_null());
  const nlohmann::json sub = Body(Get(Folders("?parent=2024")));
  EXPECT_EQ(sub["folders"][1]["cover"], IdOf("2024/winter/raw.cr2"));
  // The newest goes: the next newest takes its place.
  Remove("2024/summer/new.jpg");
  EXPECT_EQ(Body(Get(Folders()))["parent"]["cover"], IdOf("2024/winter/raw.cr2"));
}

TEST_F(FolderRoutesTest, RemovedFilesAreNotCountedAndEmptiedFoldersGo) {
  Add({Upsert("a/1.jpg"), Upsert("a/2.jpg"), Upsert("b/1.jpg")});
  EXPECT_EQ(Body(Get(Folders()))["parent"]["media"], 3);
  Remove("a/2.jpg");
  nlohmann::json j = Body(Get(Folders()));
  EXPECT_EQ(j["parent"]["media"], 2);
  EXPECT_EQ(j["folders"][0]["media"], 1);
  Remove("b/1.jpg");
  j = Body(Get(Folders()));
  EXPECT_EQ(Names(j), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Get(Folders("?parent=b")).status, 404);
}

TEST_F(FolderRoutesTest, PagesReachTheEndWithoutGapsOrRepeatsWhileFoldersChange) {
  std::vector<FileUpsert> ups;
  std::set<std::string> kept;
  for (int i = 0; i < 25; ++i) {
    const std::string name = "f" + std::to_string(100 + i);
    ups.push_back(Upsert(name + "/x.jpg"));
    kept.insert(name);
  }
  Add(ups);
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0;; ++page) {
    ASSERT_LT(page, 10);
    std::string q = "?limit=7";
    if (!cursor.empty()) q += "&cursor=" + cursor;
    const Response r = Get(Folders(q));
    ASSERT_EQ(r.status, 200) << r.body;
    const nlohmann::json j = Body(r);
    ASSERT_LE(j["folders"].size(), 7u);
    for (const std::string& n : Names(j)) seen.push_back(n);
    if (page == 0) {
      // Folders come before and after the cursor; one that was listed goes.
      Add({Upsert("a-new/x.jpg"), Upsert("f1105/x.jpg"), Upsert("z-new/x.jpg")});
      Remove("f100/x.jpg");
    }
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
  }
  ASSERT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
  std::set<std::string> got(seen.begin(), seen.end());
  for (const std::string& k : kept) EXPECT_TRUE(got.count(k)) << k;
  EXPECT_TRUE(got.count("f1105"));  // added after the cursor
  EXPECT_TRUE(got.count("z-new"));
  EXPECT_FALSE(got.count("a-new"));  // added before it: on page one's side
}

TEST_F(FolderRoutesTest, AnEmptyRootHasAnEmptyTopFolder) {
  const Response r = Get(Folders());
  ASSERT_EQ(r.status, 200) << r.body;
  const nlohmann::json j = Body(r);
  EXPECT_EQ(j["parent"]["media"], 0);
  EXPECT_TRUE(j["parent"]["cover"].is_null());
  EXPECT_TRUE(j["folders"].empty());
  EXPECT_TRUE(j["next_cursor"].is_null());
}

TEST_F(FolderRoutesTest, ParentsThatAreNotRelsInTheRootAreRefused) {
  Add({Upsert("a/b/x.jpg")});
  for (const char* parent :
       {"%2Fetc", "/", "..", "a/..", "a/../a", "./a", "a/.", "a//b", "a/",
        "..%2F..%2Fetc", "%2E%2E"}) {
    const Response r = Get(Folders(std::string("?parent=") + parent));
    EXPECT_EQ(r.status, 400) << parent << ": " << r.body;
  }
  // NUL never reaches the route (ParseTarget refuses it), nor would pass.
  EXPECT_EQ(Get(Folders("?parent=a%00b")).status, 400);
  EXPECT_FALSE(library::ValidateFolderRel(std::string("a\0b", 3)));
  // Well-formed but not a folder with media.
  EXPECT_EQ(Get(Folders("?parent=a/b/x.jpg")).status, 404);
  EXPECT_EQ(Get(Folders("?parent=nowhere")).status, 404);
  EXPECT_EQ(Get(Folders("?parent=a%2Fb")).status, 200);
}

TEST_F(FolderRoutesTest, UnknownRootsAre404) {
  for (const char* id : {"999", "0", "-1", "abc", "01", "1.5", "1e3",
                         "9223372036854775808", "%2E%2E", "1%20"}) {
    const Response r = Get(std::string("/api/v1/roots/") + id + "/folders");
    EXPECT_EQ(r.status, id == std::string("%2E%2E") ? 400 : 404) << id;
  }
  // A removed root is unknown too.
  ASSERT_TRUE(catalog_->RemoveRoot(root_.id, catalog::Purge::kNo, 5));
  EXPECT_EQ(Get(Folders()).status, 404);
}

TEST_F(FolderRoutesTest, BadLimitsAndCursorsAre400) {
  Add({Upsert("a/x.jpg")});
  for (const char* q : {"?limit=0", "?limit=-5", "?limit=1001", "?limit=abc",
                        "?limit=99999999999999999999", "?limit=", "?cursor=zz",
                        "?cursor=abc", "?cursor=AB"}) {
    EXPECT_EQ(Get(Folders(q)).status, 400) << q;
  }
  EXPECT_EQ(Get(Folders("?limit=1000")).status, 200);
  // A cursor from elsewhere is only a name: the page starts after it.
  const nlohmann::json j = Body(Get(Folders("?cursor=ffff&unknown=1")));
  EXPECT_TRUE(j["folders"].empty());
}

}  // namespace
}  // namespace phodex::server
