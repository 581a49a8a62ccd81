#include "library/catalog_admin.h"

#include <gtest/gtest.h>

#include "tests/library/library_fixture.h"

namespace phodex::library {
namespace {

using CatalogAdminTest = LibraryTest;

TEST_F(CatalogAdminTest, CheckAndBackupAFreshCatalog) {
  auto check = CheckCatalog(*lib_);
  ASSERT_TRUE(check) << check.error().ToString();
  EXPECT_FALSE(check->damaged);
  auto schema = GetSchemaStatus(*lib_);
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->current, schema->latest);

  const std::string file = dir_ / "backup.db";
  auto size = BackupCatalog(*lib_, file);
  ASSERT_TRUE(size) << size.error().ToString();
  EXPECT_GT(*size, 0);
  // Never replaces a file.
  auto again = BackupCatalog(*lib_, file);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  // The copy opens as a catalog.
  auto copy = catalog::OpenSqliteCatalog(file, {});
  ASSERT_TRUE(copy) << copy.error().ToString();
}

}  // namespace
}  // namespace phodex::library
