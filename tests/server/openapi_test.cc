// The OpenAPI document (docs/openapi.json, served at /api/v1/openapi.json)
// is the API's contract: every route the server registers is in it, with
// its method, and it describes no route the server lacks.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class OpenApiTest : public ApiTest {};

TEST_F(OpenApiTest, TheDocumentAndTheRoutesAgreeBothWays) {
  const Response r = Get("/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  const nlohmann::json doc = Body(r);
  ASSERT_TRUE(doc.contains("paths"));
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::string> documented;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      documented.insert(Lower(method) + " " + path);
      EXPECT_TRUE(op.contains("responses")) << method << " " << path;
      EXPECT_TRUE(op.contains("operationId")) << method << " " << path;
    }
  }
  std::set<std::string> registered;
  for (const Route& route : router_.routes()) {
    registered.insert(Lower(MethodName(route.method)) + " " + route.pattern);
  }
  for (const std::string& r : registered) {
    EXPECT_TRUE(documented.count(r)) << r << " is served but not documented";
  }
  for (const std::string& d : documented) {
    EXPECT_TRUE(registered.count(d)) << d << " is documented but not served";
  }
}

TEST_F(OpenApiTest, OpenRoutesAreExactlyThoseTheDocumentMarksWithoutSecurity) {
  const nlohmann::json doc = Body(Get("/api/v1/openapi.json"));
  for (const Route& route : router_.routes()) {
    const auto& op =
        doc["paths"][route.pattern][Lower(MethodName(route.method))];
    const bool open_in_doc =
        op.contains("security") && op["security"].empty();
    EXPECT_EQ(route.open, open_in_doc) << route.pattern;
  }
}

TEST_F(OpenApiTest, HealthSaysItIsAlive) {
  const Response r = Get("/api/v1/health");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(Body(r)["ok"].get<bool>());
}

}  // namespace
}  // namespace phodex::server
