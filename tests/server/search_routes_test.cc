// GET /api/v1/search and /search/count through the router on a real
// catalog (ApiTest): each filter, combined filters, text with hostile
// strings, paging while files are added, bad parameters; and the query's
// two forms (parameters, JSON) and ForEachMatch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "library/search.h"
#include "server/search_params.h"
#include "tests/catalog/upsert_for_test.h"
#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class SearchRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    auto root = catalog_->AddRoot("/lib", "lib", 1);
    ASSERT_TRUE(root) << root.error().ToString();
    root_id_ = root->id;
    auto other = catalog_->AddRoot("/other", "other", 1);
    ASSERT_TRUE(other);
    other_id_ = other->id;
  }

  // Writes files in one scan batch of `root` (lib by default).
  void Add(std::vector<catalog::FileUpsert> files,
           std::vector<catalog::SidecarLink> links = {},
           std::optional<RootId> root = std::nullopt) {
    catalog::ScanBatch b;
    b.root = root.value_or(root_id_);
    b.upserts = std::move(files);
    b.links = std::move(links);
    ASSERT_TRUE(catalog_->ApplyBatch(b));
  }
  static catalog::FileUpsert File(std::string rel, MediaMetadata m,
                                  MediaKind kind = MediaKind::kPhoto) {
    catalog::FileUpsert u = catalog::Upsert(std::move(rel), 1, kind);
    u.metadata = std::move(m);
    return u;
  }
  static MediaMetadata Taken(std::string t) {
    MediaMetadata m;
    m.taken = std::move(t);
    return m;
  }

  // The rels a search lists, in order, reading every page of `limit`.
  std::vector<std::string> Rels(const std::string& params,
                                int limit = 1000) {
    std::vector<std::string> out;
    std::string cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      std::string target = "/api/v1/search?limit=" + std::to_string(limit);
      if (!params.empty()) target += "&" + params;
      if (!cursor.empty()) target += "&cursor=" + cursor;
      Response r = Get(target);
      EXPECT_EQ(r.status, 200) << target << " " << r.body << r.log_detail;
      if (r.status != 200) break;
      const auto j = Body(r);
      for (const auto& f : j["files"]) out.push_back(f["rel"]);
      if (j["next"].is_null()) break;
      cursor = j["next"];
    }
    return out;
  }
  int64_t Count(const std::string& params) {
    Response r = Get("/api/v1/search/count?" + params);
    EXPECT_EQ(r.status, 200) << params << " " << r.body;
    return Body(r)["count"];
  }

  // A small library, one file per distinguishing fact.
  void AddSample() {
    MediaMetadata canon = Taken("2021-02-13T19:29:01");
    canon.make = "Canon";
    canon.model = "EOS R5";
    canon.lens = "RF24-105mm F4 L IS USM";
    canon.focal_length = 105;
    canon.iso = 3200;
    canon.f_number = 4;
    canon.rating = 5;
    canon.label = "Red";
    canon.keywords = {"Paris", "Eiffel tower"};
    canon.gps = GpsPosition{48.85, 2.29, std::nullopt};
    MediaMetadata nikon = Taken("2020-07-01T08:00:00+02:00");
    nikon.make = "NIKON CORPORATION";
    nikon.focal_length = 35;
    nikon.iso = 100;
    nikon.f_number = 1.8;
    nikon.rating = 2;
    nikon.title = "Café au lait";
    MediaMetadata rejected = Taken("2019-12-31T23:59:59.5");
    rejected.rating = -1;
    rejected.description = "blurry NEAR the lake";
    MediaMetadata raw = Taken("2022-05-05T10:00:00");
    MediaMetadata jpeg_of_raw = raw;
    Add({File("2021/paris/IMG_0001.JPG", canon),
         File("2020/NIK_0002.JPG", nikon), File("2019/bad.jpg", rejected),
         File("2022/DSC_7.ARW", raw, MediaKind::kRaw),
         File("2022/DSC_7.JPG", jpeg_of_raw),
         File("2022/clip.mov", Taken("2022-06-01T12:00:00"),
              MediaKind::kVideo),
         File("undated/scan.png", MediaMetadata{}),
         File("notes.txt", MediaMetadata{}, MediaKind::kOther)});
    Add({File("2021/paris/elsewhere.jpg", Taken("2021-02-14"))}, {},
        other_id_);
  }

  RootId root_id_;
  RootId other_id_;
};

TEST_F(SearchRoutesTest, EmptyCatalogGivesAnEmptyLastPage) {
  Response r = Get("/api/v1/search");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(Body(r), nlohmann::json::parse(R"({"files": [], "next": null})"));
  EXPECT_EQ(Count(""), 0);
}

TEST_F(SearchRoutesTest, NewestCaptureFirstThenUndatedByIdAndTheFilesJson) {
  AddSample();
  EXPECT_THAT(Rels(""),
              ElementsAre("2022/clip.mov", "2022/DSC_7.JPG", "2022/DSC_7.ARW",
                          "2021/paris/elsewhere.jpg",
                          "2021/paris/IMG_0001.JPG", "2020/NIK_0002.JPG",
                          "2019/bad.jpg", "undated/scan.png"));
  const auto j = Body(Get("/api/v1/search?make=canon"));
  ASSERT_EQ(j["files"].size(), 1u);
  const auto& f = j["files"][0];
  EXPECT_EQ(f["rel"], "2021/paris/IMG_0001.JPG");
  EXPECT_EQ(f["make"], "Canon");  // the JSON of ls --json
  EXPECT_EQ(f["rating"], 5);
  EXPECT_TRUE(f.contains("id"));
  EXPECT_EQ(Count(""), 8);
}

TEST_F(SearchRoutesTest, EachFilter) {
  AddSample();
  const std::string lib = std::to_string(root_id_.value);
  const std::map<std::string, std::set<std::string>> cases = {
      {"from=2021-02-13&to=2021-02-13", {"2021/paris/IMG_0001.JPG"}},
      {"from=2021-02-13T19:29:01&to=2021-02-14",
       {"2021/paris/IMG_0001.JPG", "2021/paris/elsewhere.jpg"}},
      {"to=2019-12-31T23:59:59", {"2019/bad.jpg"}},  // .5 within the second
      {"from=2020-07-01T08:00:00Z&to=2020-07-01T08:00",
       {"2020/NIK_0002.JPG"}},  // the offset is the camera's, dropped
      {"make=nikon%20corporation", {"2020/NIK_0002.JPG"}},
      {"model=eos%20r5", {"2021/paris/IMG_0001.JPG"}},
      {"lens=RF24-105MM%20F4%20L%20IS%20USM", {"2021/paris/IMG_0001.JPG"}},
      {"focal_min=50", {"2021/paris/IMG_0001.JPG"}},
      {"focal_max=35", {"2020/NIK_0002.JPG"}},
      {"iso_min=200&iso_max=6400", {"2021/paris/IMG_0001.JPG"}},
      {"aperture_max=2", {"2020/NIK_0002.JPG"}},
      {"aperture_min=2.8", {"2021/paris/IMG_0001.JPG"}},
      {"rating_min=2", {"2021/paris/IMG_0001.JPG", "2020/NIK_0002.JPG"}},
      {"rejected=true", {"2019/bad.jpg"}},
      {"favorite=true", {"2021/paris/IMG_0001.JPG"}},
      {"label=red", {"2021/paris/IMG_0001.JPG"}},
      {"kind=raw", {"2022/DSC_7.ARW"}},
      {"kind=video", {"2022/clip.mov"}},
      {"pair=true", {"2022/DSC_7.ARW", "2022/DSC_7.JPG"}},
      {"gps=true", {"2021/paris/IMG_0001.JPG"}},
      {"root=" + std::to_string(other_id_.value), {"2021/paris/elsewhere.jpg"}},
      {"root=" + lib + "&folder=2021/paris", {"2021/paris/IMG_0001.JPG"}},
      {"root=" + lib + "&folder=/2021/", {"2021/paris/IMG_0001.JPG"}},
      {"root=" + lib + "&folder=202", {}},  // folders, not name prefixes
      {"root=" + lib + "&folder=2021/par%25", {}},  // no LIKE wildcards
      {"q=eiffel", {"2021/paris/IMG_0001.JPG"}},
      {"q=cafe", {"2020/NIK_0002.JPG"}},            // diacritics folded
      {"q=img_00", {"2021/paris/IMG_0001.JPG"}},    // name, prefix
      {"q=paris", {"2021/paris/IMG_0001.JPG", "2021/paris/elsewhere.jpg"}},
      {"q=lake%20blur", {"2019/bad.jpg"}},          // every word, last prefix
      {"q=lake%20eiffel", {}},
      {"q=notes", {}},  // not a photo, RAW or video
  };
  for (const auto& [params, want] : cases) {
    const auto got = Rels(params);
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want) << params;
    EXPECT_EQ(Count(params), static_cast<int64_t>(want.size())) << params;
  }
  // The opposites.
  EXPECT_EQ(Count("rejected=false"), 7);
  EXPECT_EQ(Count("favorite=false"), 7);
  EXPECT_EQ(Count("pair=false"), 6);
  EXPECT_EQ(Count("gps=false"), 7);
}

TEST_F(SearchRoutesTest, CombinedFilters) {
  AddSample();
  EXPECT_THAT(Rels("make=canon&rating_min=5&from=2021-01-01&q=paris&gps=true"),
              ElementsAre("2021/paris/IMG_0001.JPG"));
  EXPECT_THAT(Rels("make=canon&rating_min=5&kind=raw"), IsEmpty());
  EXPECT_THAT(Rels("from=2022-01-01&kind=photo"), ElementsAre("2022/DSC_7.JPG"));
}

TEST_F(SearchRoutesTest, SidecarRatingLabelAndWordsCountForTheirPhoto) {
  MediaMetadata xmp;
  xmp.rating = 5;
  xmp.label = "Green";
  xmp.keywords = {"sunset"};
  MediaMetadata own = Taken("2023-01-01T00:00:00");
  own.rating = 1;
  own.label = "Red";
  Add({File("a.jpg", own), File("a.xmp", xmp, MediaKind::kSidecar)},
      {{"a.xmp", "a.jpg"}});
  EXPECT_THAT(Rels("rating_min=5"), ElementsAre("a.jpg"));
  EXPECT_THAT(Rels("label=green"), ElementsAre("a.jpg"));
  EXPECT_THAT(Rels("label=red"), IsEmpty());
  EXPECT_THAT(Rels("q=sunset"), ElementsAre("a.jpg"));
}

TEST_F(SearchRoutesTest, HostileTextNeverFailsTheQuery) {
  AddSample();
  MediaMetadata odd = Taken("2018-01-01");
  odd.title = "AND OR \"quoted\" NEAR(x) -minus star* 日本語 😀";
  Add({File("odd.jpg", odd)});
  const std::vector<std::string> hostile = {
      "%22",          "*",         "NEAR(",        "-",
      "AND%20OR",     "%22a%22%20OR%20%22b%22",    "(",
      ")",            "^",         ":",            "title:x",
      "a%20NOT%20b",  "%5C",       "%27",          "%E6%97%A5%E6%9C%AC",
      "%F0%9F%98%80", "NEAR(a%20b,%202)",          "%2B",
      "%22%22%22",    "*%20*",     "{}",           "%25",
  };
  for (const std::string& q : hostile) {
    Response r = Get("/api/v1/search?q=" + q);
    EXPECT_EQ(r.status, 200) << q << " " << r.body;
    Response c = Get("/api/v1/search/count?q=" + q);
    EXPECT_EQ(c.status, 200) << q << " " << c.body;
  }
  // They are words, not syntax.
  EXPECT_THAT(Rels("q=NEAR(x"), ElementsAre("odd.jpg"));
  EXPECT_THAT(Rels("q=AND%20OR"), ElementsAre("odd.jpg"));
  EXPECT_THAT(Rels("q=%22quoted%22"), ElementsAre("odd.jpg"));
  EXPECT_THAT(Rels("q=%E6%97%A5%E6%9C%AC%E8%AA%9E"), ElementsAre("odd.jpg"));
  EXPECT_THAT(Rels("q=-"), IsEmpty());  // nothing searchable: no match
}

TEST_F(SearchRoutesTest, PagesToTheEndWithoutGapsOrRepeatsWhileFilesAreAdded) {
  std::vector<catalog::FileUpsert> files;
  for (int i = 0; i < 120; ++i) {
    // Few distinct times, so pages end inside runs of equal times.
    char t[32];
    std::snprintf(t, sizeof t, "2020-01-%02dT10:00:00", 1 + i % 9);
    files.push_back(File("f" + std::to_string(i) + ".jpg",
                         i % 10 == 0 ? MediaMetadata{} : Taken(t)));
  }
  Add(files);
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string target = "/api/v1/search?limit=7";
    if (!cursor.empty()) target += "&cursor=" + cursor;
    const auto j = Body(Get(target));
    ASSERT_LE(j["files"].size(), 7u);
    for (const auto& f : j["files"]) seen.push_back(f["rel"]);
    // Files added before, among and after what was read.
    Add({File("new" + std::to_string(page) + ".jpg",
              Taken("20" + std::to_string(10 + page % 15) + "-01-05"))});
    if (j["next"].is_null()) break;
    cursor = j["next"];
  }
  std::set<std::string> distinct(seen.begin(), seen.end());
  EXPECT_EQ(distinct.size(), seen.size()) << "a file was listed twice";
  for (int i = 0; i < 120; ++i) {
    EXPECT_TRUE(distinct.count("f" + std::to_string(i) + ".jpg")) << i;
  }
}

TEST_F(SearchRoutesTest, BadParametersAre400) {
  const std::vector<std::string> bad = {
      "limit=0",           "limit=1001",         "limit=-1",
      "limit=abc",         "limit=1&limit=2",    "cursor=zz",
      "cursor=abc",        "cursor=00",          "cursor=7331",
      "root=abc",          "root=-1",            "root=0",
      "root=9223372036854775808",                "folder=a",
      "root=1&folder=../x", "root=1&folder=a//b", "root=1&folder=a/./b",
      "root=1&folder=a%1Fb", "from=2021-13-01",   "from=yesterday",
      "from=2021-02-13T25:00", "to=2021-02-13T10:00+1", "from=2021-02-14&to=2021-02-13",
      "rating_min=6",      "rating_min=-1",      "rating_min=1.5",
      "rejected=yes",      "favorite=1",         "pair=",
      "gps=TRUE",          "kind=sidecar",       "kind=other",
      "focal_min=-1",      "focal_min=nan",      "focal_min=inf",
      "iso_min=2&iso_max=1", "aperture_min=abc", "make=",
      "make=a&make=b",     "unknown=1",          "rating-min=5",
      "q=%FF",             "q=a%01b",            "label=" + std::string(300, 'x'),
  };
  for (const std::string& p : bad) {
    Response r = Get("/api/v1/search?" + p);
    EXPECT_EQ(r.status, 400) << p << " " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json") << p;
  }
  // A NUL never reaches the route: the server refuses the target.
  EXPECT_EQ(Get("/api/v1/search?root=1&folder=a%00b").status, 400);
  EXPECT_EQ(Get("/api/v1/search/count?limit=5").status, 400);
  EXPECT_EQ(Get("/api/v1/search/count?rating_min=9").status, 400);
  // A well-formed cursor of no row is a position, not an error.
  const std::string forged =
      library::EncodeSearchCursor({false, "2999-01-01", FileId{1}});
  EXPECT_EQ(Get("/api/v1/search?cursor=" + forged).status, 200);
}

TEST_F(SearchRoutesTest, TheJsonFormIsTheParametersForm) {
  Request req;
  ASSERT_TRUE(ParseTarget("/api/v1/search?make=Canon&rating_min=3&pair=true"
                          "&root=1&folder=a/b&q=x%20y&aperture_max=2.8"
                          "&from=2021-01-01",
                          req.path, req.query));
  auto from_params = ParseSearchQuery(req);
  ASSERT_TRUE(from_params) << from_params.error().ToString();
  auto from_json = ParseSearchQueryJson(nlohmann::json::parse(R"({
      "make": "Canon", "rating_min": 3, "pair": true, "root": 1,
      "folder": "a/b", "q": "x y", "aperture_max": 2.8,
      "from": "2021-01-01", "label": null})"));
  ASSERT_TRUE(from_json) << from_json.error().ToString();
  EXPECT_EQ(*from_params, *from_json);
  // And back: SearchQueryToJson reads as the same query.
  auto again = ParseSearchQueryJson(library::SearchQueryToJson(*from_json));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *from_json);
  for (const char* bad :
       {R"([])", R"({"make": ["a"]})", R"({"rating_min": 9})",
        R"({"ratings": 1})", R"({"root": 9223372036854775808})",
        R"({"folder": "a"})", R"({"gps": "maybe"})"}) {
    EXPECT_FALSE(ParseSearchQueryJson(nlohmann::json::parse(bad))) << bad;
  }
}

TEST_F(SearchRoutesTest, ForEachMatchGivesEveryIdOnce) {
  std::vector<catalog::FileUpsert> files;
  for (int i = 0; i < 2500; ++i) {
    MediaMetadata m = Taken("2020-01-01T00:00:00");
    m.rating = i % 2 == 0 ? 4 : 1;
    files.push_back(File("f" + std::to_string(i) + ".jpg", m));
  }
  Add(files);
  library::SearchQuery q;
  q.rating_min = 3;
  std::set<int64_t> ids;
  int calls = 0;
  ASSERT_TRUE(library::ForEachMatch(
      *lib_, q, [&](const std::vector<FileId>& page) -> Status {
        ++calls;
        EXPECT_LE(page.size(), catalog::FileQueries::kFilePage);
        for (FileId id : page) EXPECT_TRUE(ids.insert(id.value).second);
        return {};
      }));
  EXPECT_EQ(ids.size(), 1250u);
  EXPECT_EQ(calls, 2);
  // An error from the callback stops the walk and comes back.
  auto st = library::ForEachMatch(*lib_, q, [](const std::vector<FileId>&) {
    return Status(MakeError(ErrorCode::kBusy, "stop"));
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kBusy);
}

}  // namespace
}  // namespace phodex::server
