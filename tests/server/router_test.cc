#include "server/router.h"

#include <gtest/gtest.h>

#include "server/http_types.h"

namespace phodex::server {
namespace {

Response Named(std::string name) {
  Response r;
  r.body = std::move(name);
  return r;
}

TEST(RouterTest, LiteralSegmentsWinOverParametersAndParametersAreCaptured) {
  Router r;
  r.Get("/api/v1/files/{id}", [](Call&) { return Named("one"); });
  r.Get("/api/v1/files/count", [](Call&) { return Named("count"); });
  r.Get("/api/v1/files/{id}/original", [](Call&) { return Named("orig"); });
  Router::Match m = r.Find(Method::kGet, "/api/v1/files/count");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/files/count");
  m = r.Find(Method::kGet, "/api/v1/files/42/original");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/files/{id}/original");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "42");
}

TEST(RouterTest, AnUnknownPathIsNotFoundAndAWrongMethodSaysWhatIsAllowed) {
  Router r;
  r.Get("/api/v1/roots", [](Call&) { return Named("list"); });
  r.Post("/api/v1/roots", [](Call&) { return Named("add"); });
  EXPECT_EQ(r.Find(Method::kGet, "/api/v1/nothing").route, nullptr);
  EXPECT_TRUE(r.Find(Method::kGet, "/api/v1/nothing").allowed.empty());
  EXPECT_EQ(r.Find(Method::kGet, "/api/v1/roots/extra").route, nullptr);
  Router::Match m = r.Find(Method::kDelete, "/api/v1/roots");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed.size(), 2u);
  // HEAD is answered by the GET route.
  ASSERT_NE(r.Find(Method::kHead, "/api/v1/roots").route, nullptr);
  EXPECT_FALSE(r.Find(Method::kGet, "/api/v1/roots").route->writes);
  EXPECT_TRUE(r.Find(Method::kPost, "/api/v1/roots").route->writes);
}

TEST(ParseTargetTest, DecodesThePathAndTheQuery) {
  std::string path;
  Pairs query;
  ASSERT_TRUE(ParseTarget("/api/v1/search?q=red+car&make=Nikon%20Z&id=1&id=2",
                          path, query));
  EXPECT_EQ(path, "/api/v1/search");
  ASSERT_EQ(query.size(), 4u);
  EXPECT_EQ(query[0], (std::pair<std::string, std::string>{"q", "red car"}));
  EXPECT_EQ(query[1].second, "Nikon Z");
  Request req;
  req.query = query;
  EXPECT_EQ(req.QueryAll("id").size(), 2u);
  EXPECT_EQ(*req.Query("make"), "Nikon Z");
  EXPECT_FALSE(req.Query("model"));
}

TEST(ParseTargetTest, RefusesTraversalControlCharactersAndBadEscapes) {
  std::string path;
  Pairs query;
  for (const char* bad :
       {"api/v1/files", "/api/v1/../../etc/passwd", "/api/v1/%2e%2e/x",
        "/api/v1/files/%2E%2E", "/a/./b", "/a//b", "/a/%00b", "/a/%0a",
        "/a%5c..%5cb", "/a/%zz", "/a/%4", "/a?x=%", "/a?x=%00"}) {
    EXPECT_FALSE(ParseTarget(bad, path, query)) << bad;
  }
  EXPECT_TRUE(ParseTarget("/", path, query));
  EXPECT_TRUE(ParseTarget("/api/v1/files/", path, query));
}

TEST(PercentTest, EncodeThenDecodeIsTheIdentity) {
  const std::string raw = std::string("a b/c?d=e&f%\xff\x01", 14);
  std::string back;
  ASSERT_TRUE(PercentDecode(PercentEncode(raw), false, back));
  EXPECT_EQ(back, raw);
}

}  // namespace
}  // namespace phodex::server
