// GET /api/v1/timeline and GET /api/v1/timeline/sections/{key}
// (server/timeline_routes.cc, library/timeline.h) on a real catalog.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "library/timeline.h"
#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

using ::testing::ElementsAre;
using nlohmann::json;

// One file of a batch: its capture time (null: undated), mtime, kind.
struct Photo {
  std::string rel;
  std::optional<std::string> taken;
  int64_t mtime_s = 1'600'000'000;
  MediaKind kind = MediaKind::kPhoto;
  std::optional<int> rating;
};

// "2024-05-01T10:00:00" plus `minutes`.
std::string Taken(int day, int minutes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2024-05-%02dT%02d:%02d:00", day,
                minutes / 60 % 24, minutes % 60);
  return buf;
}

class TimelineRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    auto root = catalog_->AddRoot("/photos", "photos", 1);
    ASSERT_TRUE(root) << root.error().ToString();
    photos_ = root->id;
  }

  // Writes `files` in one scan batch, with their metadata.
  void Add(const std::vector<Photo>& files) {
    catalog::ScanBatch b;
    b.root = photos_;
    b.now_ns = 10;
    for (const Photo& p : files) {
      catalog::FileUpsert u;
      u.rel = p.rel;
      u.stat.size = 1;
      u.stat.mtime = FileTime{p.mtime_s, 0};
      u.stat.ino = ++ino_;
      u.kind = p.kind;
      MediaMetadata m;
      m.taken = p.taken;
      m.rating = p.rating;
      u.metadata = m;
      b.upserts.push_back(u);
    }
    ASSERT_TRUE(catalog_->ApplyBatch(b));
  }
  FileId Id(const std::string& rel) {
    auto row = catalog_->FindFile(photos_, rel);
    EXPECT_TRUE(row && *row) << rel;
    return row && *row ? (*row)->id : FileId{};
  }

  json List(const std::string& query = "") {
    Response r = Get("/api/v1/timeline" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r);
  }
  json Section(const std::string& key, const std::string& query = "") {
    Response r = Get("/api/v1/timeline/sections/" + key + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r);
  }
  // The ids of every section of `listing`, read by key, in order.
  std::vector<int64_t> ReadAll(const json& listing) {
    std::vector<int64_t> ids;
    for (const json& s : listing["sections"]) {
      json sec = Section(s["key"]);
      for (const json& id : sec["items"]["id"]) ids.push_back(id);
      EXPECT_TRUE(sec["next"].is_null());
    }
    return ids;
  }
  int Status(const std::string& target) { return Get(target).status; }

  RootId photos_;
  uint64_t ino_ = 0;
};

TEST_F(TimelineRoutesTest, EmptyLibraryHasNoSections) {
  json j = List();
  EXPECT_EQ(j["size"], 500);
  EXPECT_EQ(j["total"], 0);
  EXPECT_TRUE(j["sections"].empty());
  // The key of everything ("~"): nothing.
  json all = Section(library::TimelineKey({}));
  EXPECT_EQ(all["count"], 0);
  EXPECT_TRUE(all["items"]["id"].empty());
}

TEST_F(TimelineRoutesTest, SectionsAreBoundedByCountNewestFirst) {
  std::vector<Photo> files;
  for (int i = 0; i < 250; ++i) {
    files.push_back({"p" + std::to_string(i) + ".jpg", Taken(1 + i / 60, i)});
  }
  Add(files);
  json j = List("?size=100");
  EXPECT_EQ(j["size"], 100);
  EXPECT_EQ(j["total"], 250);
  ASSERT_EQ(j["sections"].size(), 3u);
  EXPECT_EQ(j["sections"][0]["count"], 100);
  EXPECT_EQ(j["sections"][1]["count"], 100);
  EXPECT_EQ(j["sections"][2]["count"], 50);
  EXPECT_EQ(j["sections"][0]["first"], Taken(5, 249));
  EXPECT_EQ(j["sections"][2]["last"], Taken(1, 0));
  EXPECT_EQ(j["sections"][0]["undated"], false);
  for (size_t i = 0; i + 1 < 3; ++i) {
    EXPECT_GT(j["sections"][i]["last"], j["sections"][i + 1]["first"]);
  }
  std::vector<int64_t> ids = ReadAll(j);
  ASSERT_EQ(ids.size(), 250u);
  for (int i = 0; i < 250; ++i) {
    EXPECT_EQ(ids[i], Id("p" + std::to_string(249 - i) + ".jpg").value);
  }
}

TEST_F(TimelineRoutesTest, OneBigDayIsSeveralSections) {
  std::vector<Photo> files;
  // 230 photos of one day, 30 of them taken in the same second: the id
  // orders those.
  for (int i = 0; i < 230; ++i) {
    files.push_back({"d" + std::to_string(i) + ".jpg",
                     Taken(7, i < 30 ? 0 : i)});
  }
  Add(files);
  json j = List("?size=100");
  ASSERT_EQ(j["sections"].size(), 3u);
  for (const json& s : j["sections"]) {
    EXPECT_EQ(s["first"].get<std::string>().substr(0, 10), "2024-05-07");
    EXPECT_EQ(s["last"].get<std::string>().substr(0, 10), "2024-05-07");
  }
  std::vector<int64_t> ids = ReadAll(j);
  ASSERT_EQ(ids.size(), 230u);
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 230u);
  // The same second: newest id first.
  EXPECT_GT(ids[200], ids[201]);
}

TEST_F(TimelineRoutesTest, UndatedFilesComeLastByMtimeAndOthersAreLeftOut) {
  Add({{"old.jpg", Taken(1, 0)},
       {"new.mp4", Taken(2, 0), 1, MediaKind::kVideo},
       {"raw.cr2", Taken(1, 30), 1, MediaKind::kRaw},
       {"u1.png", std::nullopt, 1'700'000'000},
       {"u2.png", std::nullopt, 1'800'000'000},
       {"new.xmp", Taken(3, 0), 1, MediaKind::kSidecar},
       {"notes.txt", Taken(3, 0), 1, MediaKind::kOther},
       {"gone.jpg", Taken(4, 0)}});
  // No metadata at all (never read): undated too.
  catalog::ScanBatch b;
  b.root = photos_;
  catalog::FileUpsert u;
  u.rel = "unread.jpg";
  u.stat.size = 1;
  u.stat.mtime = FileTime{1'750'000'000, 5};
  u.stat.ino = 99;
  u.kind = MediaKind::kPhoto;
  b.upserts.push_back(u);
  b.removals.push_back(Id("gone.jpg"));
  ASSERT_TRUE(catalog_->ApplyBatch(b));

  json j = List();
  EXPECT_EQ(j["total"], 6);
  ASSERT_EQ(j["sections"].size(), 2u);
  EXPECT_EQ(j["sections"][0]["count"], 3);
  EXPECT_EQ(j["sections"][1]["count"], 3);
  EXPECT_EQ(j["sections"][1]["undated"], true);
  EXPECT_EQ(j["sections"][1]["first"], "2027-01-15T08:00:00.000000000Z");
  EXPECT_THAT(ReadAll(j),
              ElementsAre(Id("new.mp4").value, Id("raw.cr2").value,
                          Id("old.jpg").value, Id("u2.png").value,
                          Id("unread.jpg").value, Id("u1.png").value));
  json undated = Section(j["sections"][1]["key"]);
  EXPECT_THAT(undated["items"]["taken"],
              ElementsAre(nullptr, nullptr, nullptr));
  json dated = Section(j["sections"][0]["key"]);
  EXPECT_THAT(dated["items"]["kind"], ElementsAre("video", "raw", "photo"));
  EXPECT_EQ(dated["items"]["taken"][0], Taken(2, 0));
}

TEST_F(TimelineRoutesTest, NoGapNoRepeatWhileFilesAreAdded) {
  std::vector<Photo> files;
  for (int i = 0; i < 250; ++i) {
    files.push_back({"a" + std::to_string(i) + ".jpg", Taken(10 + i % 5, i)});
  }
  for (int i = 0; i < 30; ++i) {
    files.push_back({"u" + std::to_string(i) + ".png", std::nullopt,
                     1'600'000'000 + i});
  }
  Add(files);
  json before = List("?size=100");
  ASSERT_EQ(before["total"], 280);
  // Between the listing and the reads: files newer than all, older than
  // all, inside every section, undated ones among the undated.
  std::vector<Photo> added;
  for (int i = 0; i < 120; ++i) {
    added.push_back({"b" + std::to_string(i) + ".jpg",
                     Taken(8 + i % 10, (i * 7) % 300)});
  }
  for (int i = 0; i < 10; ++i) {
    added.push_back({"v" + std::to_string(i) + ".png", std::nullopt,
                     1'599'999'990 + 5 * i});
  }
  Add(added);
  std::vector<int64_t> ids = ReadAll(before);
  std::set<int64_t> seen(ids.begin(), ids.end());
  EXPECT_EQ(seen.size(), ids.size()) << "an item was repeated";
  for (const Photo& p : files) {
    EXPECT_TRUE(seen.count(Id(p.rel).value)) << p.rel << " was skipped";
  }
  // The new files are all there too: the keys tile the whole timeline.
  EXPECT_EQ(ids.size(), 410u);
  json after = List("?size=100");
  EXPECT_EQ(after["total"], 410);
  EXPECT_EQ(ReadAll(after), ids);
}

TEST_F(TimelineRoutesTest, ItemsAreParallelArrays) {
  // A photo turned a quarter (orientation 6), a RAW the pixel stage
  // measured, a rejected one, a favorite whose rating is its sidecar's, a
  // video with its duration, one without a size.
  catalog::ScanBatch b;
  b.root = photos_;
  auto add = [&](const std::string& rel, MediaKind kind, int minute,
                 auto&& fill) {
    catalog::FileUpsert u;
    u.rel = rel;
    u.stat.size = 1;
    u.stat.ino = ++ino_;
    u.kind = kind;
    MediaMetadata m;
    m.taken = Taken(1, minute);
    fill(m, u);
    u.metadata = m;
    b.upserts.push_back(u);
  };
  auto none = [](MediaMetadata&, catalog::FileUpsert&) {};
  add("turned.jpg", MediaKind::kPhoto, 6, [](MediaMetadata& m, auto&) {
    m.width = 4000;
    m.height = 3000;
    m.orientation = 6;
    m.label = "Red";
  });
  add("measured.cr2", MediaKind::kRaw, 5, [](MediaMetadata& m, auto& u) {
    m.width = 6000;
    m.height = 4000;
    u.hash = ContentHash{7, 7};
  });
  add("rejected.jpg", MediaKind::kPhoto, 4,
      [](MediaMetadata& m, auto&) { m.rating = -1; });
  add("fav.jpg", MediaKind::kPhoto, 3,
      [](MediaMetadata& m, auto&) { m.rating = 1; });
  add("fav.jpg.xmp", MediaKind::kSidecar, 3,
      [](MediaMetadata& m, auto&) { m.rating = 5; });
  add("clip.mp4", MediaKind::kVideo, 2, [](MediaMetadata& m, auto&) {
    m.duration = 12.5;
    m.width = 1920;
    m.height = 1080;
  });
  add("bare.jpg", MediaKind::kPhoto, 1, none);
  b.links.push_back({"fav.jpg.xmp", "fav.jpg"});
  ASSERT_TRUE(catalog_->ApplyBatch(b));
  catalog::PixelFacts facts;
  facts.version = 1;
  facts.width = 300;
  facts.height = 600;
  ASSERT_TRUE(catalog_->SetPixels({{ContentHash{7, 7}, facts}}));

  json j = List();
  ASSERT_EQ(j["sections"].size(), 1u);
  json s = Section(j["sections"][0]["key"]);
  EXPECT_EQ(s["count"], 6);
  const json& it = s["items"];
  EXPECT_EQ(it["id"][0], Id("turned.jpg").value);
  EXPECT_THAT(it["aspect"], ElementsAre(0.75, 0.5, nullptr, nullptr, 1.7778,
                                        nullptr));
  EXPECT_THAT(it["placeholder"], ElementsAre(nullptr, nullptr, nullptr,
                                             nullptr, nullptr, nullptr));
  EXPECT_THAT(it["rating"], ElementsAre(nullptr, nullptr, -1, 5, nullptr,
                                        nullptr));
  EXPECT_THAT(it["label"], ElementsAre("Red", nullptr, nullptr, nullptr,
                                       nullptr, nullptr));
  EXPECT_THAT(it["flags"], ElementsAre(0, 0, library::kTimelineRejected,
                                       library::kTimelineFavorite, 0, 0));
  EXPECT_THAT(it["kind"], ElementsAre("photo", "raw", "photo", "photo",
                                      "video", "photo"));
  EXPECT_THAT(it["duration"], ElementsAre(nullptr, nullptr, nullptr, nullptr,
                                          12.5, nullptr));
  EXPECT_EQ(it["taken"][0], Taken(1, 6));
}

TEST_F(TimelineRoutesTest, ScannedFilesWithMetadataSetThroughTheCatalog) {
  WriteJpeg("a.jpg", "a");
  WriteJpeg("b.jpg", "bb");
  OpenAndScan();
  json j = List();
  // Read without metadata (the tests' reader reads none): undated.
  ASSERT_EQ(j["sections"].size(), 1u);
  EXPECT_EQ(j["sections"][0]["undated"], true);
  std::vector<catalog::MetadataUpdate> updates;
  for (const char* rel : {"a.jpg", "b.jpg"}) {
    auto row = catalog_->FindFile(root_.id, rel);
    ASSERT_TRUE(row && *row);
    MediaMetadata m;
    m.taken = rel[0] == 'a' ? "2020-01-01T00:00:00" : "2019-01-01T00:00:00";
    updates.push_back({(*row)->id, (*row)->size, (*row)->mtime, (*row)->ino,
                       m, std::nullopt, 1});
  }
  ASSERT_TRUE(catalog_->SetMetadata(updates));
  j = List();
  ASSERT_EQ(j["sections"].size(), 1u);
  EXPECT_EQ(j["sections"][0]["undated"], false);
  EXPECT_EQ(j["sections"][0]["first"], "2020-01-01T00:00:00");
  EXPECT_EQ(j["sections"][0]["last"], "2019-01-01T00:00:00");
}

TEST_F(TimelineRoutesTest, LimitAnswersASectionInParts) {
  std::vector<Photo> files;
  for (int i = 0; i < 120; ++i) {
    files.push_back({"p" + std::to_string(i) + ".jpg", Taken(3, i)});
  }
  Add(files);
  json j = List("?size=100");
  std::vector<int64_t> whole = ReadAll(j);
  std::vector<int64_t> parts;
  for (const json& s : j["sections"]) {
    std::string key = s["key"];
    for (int guard = 0; guard < 10; ++guard) {
      json part = Section(key, "?limit=30");
      EXPECT_LE(part["count"], 30);
      for (const json& id : part["items"]["id"]) parts.push_back(id);
      if (part["next"].is_null()) break;
      key = part["next"];
    }
  }
  EXPECT_EQ(parts, whole);
}

TEST_F(TimelineRoutesTest, BadSizesLimitsAndKeysAre400) {
  Add({{"p.jpg", Taken(1, 0)}});
  for (const char* q :
       {"?size=abc", "?size=-1", "?size=0", "?size=99", "?size=5001",
        "?size=18446744073709551616", "?size=1e3", "?size=", "?size=%2E%2E",
        "?size=+100", "?size=100x"}) {
    Response r = Get(std::string("/api/v1/timeline") + q);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.content_type, "application/problem+json") << q;
  }
  EXPECT_EQ(Status("/api/v1/timeline?size=100&unknown=1"), 200);
  const std::string key = List()["sections"][0]["key"];
  for (const char* q : {"?limit=0", "?limit=-5", "?limit=abc", "?limit=10001",
                        "?limit=9223372036854775808"}) {
    EXPECT_EQ(Status("/api/v1/timeline/sections/" + key + q), 400) << q;
  }
  // Not keys: not base64url, bad lengths, forged contents, traversal.
  const std::vector<std::string> bad = {
      "abc!", "A", "AAAA", "%2E%2E", "..%2F..", "a%00b",
      std::string(500, 'A'),
      // "d1.99.x~": a length past the end; "x1.1.a~": no such tag;
      // "d0.1.a~": id 0; "~~": two ends; "u1.5.1000000000~": nsec.
      "ZDEuOTkueH4", "eDEuMS5hfg", "ZDAuMS5hfg", "fn4",
      "dTEuNS4xMDAwMDAwMDAwfg"};
  for (const std::string& k : bad) {
    int status = Status("/api/v1/timeline/sections/" + k);
    EXPECT_TRUE(status == 400 || status == 404) << k << ": " << status;
  }
}

TEST_F(TimelineRoutesTest, StaleAndForgedKeysAnswerTheirRange) {
  Add({{"p.jpg", Taken(1, 0)}, {"q.jpg", Taken(2, 0)}});
  // A key made for ids and times no file has: its range, maybe empty.
  catalog::TimelinePos far;
  far.taken = "9999-12-31T23:59:59";
  far.id = FileId{std::numeric_limits<int64_t>::max()};
  catalog::TimelinePos undated;
  undated.undated = true;
  undated.mtime = FileTime{std::numeric_limits<int64_t>::min(), 0};
  undated.id = FileId{1};
  EXPECT_EQ(Section(library::TimelineKey({far, std::nullopt}))["count"], 2);
  EXPECT_EQ(Section(library::TimelineKey({undated, std::nullopt}))["count"],
            0);
  // Bounds out of order: empty.
  catalog::TimelinePos old;
  old.taken = "1990-01-01T00:00:00";
  old.id = FileId{1};
  EXPECT_EQ(Section(library::TimelineKey({old, far}))["count"], 0);
  // A listed key after its files were removed: the rest of its range.
  json j = List();
  catalog::ScanBatch b;
  b.root = photos_;
  b.removals = {Id("q.jpg")};
  ASSERT_TRUE(catalog_->ApplyBatch(b));
  json s = Section(j["sections"][0]["key"]);
  EXPECT_THAT(s["items"]["id"], ElementsAre(Id("p.jpg").value));
  EXPECT_EQ(List()["total"], 1);
}

TEST(TimelineKey, RoundTrips) {
  catalog::TimelinePos d;
  d.taken = "2021-02-13T19:29:01.25+01:00";
  d.id = FileId{42};
  catalog::TimelinePos u;
  u.undated = true;
  u.mtime = FileTime{-2'208'988'800, 999'999'999};
  u.id = FileId{7};
  for (const catalog::TimelineRange& r :
       {catalog::TimelineRange{}, catalog::TimelineRange{d, std::nullopt},
        catalog::TimelineRange{std::nullopt, u}, catalog::TimelineRange{d, u},
        catalog::TimelineRange{u, u}}) {
    std::string key = library::TimelineKey(r);
    EXPECT_EQ(key.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-_"),
              std::string::npos);
    auto back = library::ParseTimelineKey(key);
    ASSERT_TRUE(back) << key;
    EXPECT_EQ(back->from, r.from);
    EXPECT_EQ(back->to, r.to);
  }
}

}  // namespace
}  // namespace phodex::server
