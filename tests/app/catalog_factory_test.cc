#include "app/catalog_factory.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/fakes/temp_dir.h"

namespace phodex::app {
namespace {

TEST(CatalogFactory, APathOpensASqliteCatalog) {
  testing::TempDir dir;
  auto c = OpenCatalogFrom(dir / "catalog.db", {});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_TRUE((*c)->AddRoot("/p", "p", 1));
  EXPECT_TRUE(std::filesystem::exists(dir / "catalog.db"));
}

TEST(CatalogFactory, PostgresLocationsAreAClearUnsupportedError) {
  for (const char* location :
       {"postgresql://user:secret@db/phodex", "postgres://db/phodex"}) {
    EXPECT_TRUE(IsPostgresLocation(location));
    auto c = OpenCatalogFrom(location, {});
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code(), ErrorCode::kUnsupported);
    EXPECT_EQ(c.error().message(), "PostgreSQL catalogs are not built yet");
    // The location may hold a password: it is not repeated.
    EXPECT_EQ(c.error().ToString().find("secret"), std::string::npos);
  }
  EXPECT_FALSE(IsPostgresLocation("/home/me/postgres://x"));
}

}  // namespace
}  // namespace phodex::app
