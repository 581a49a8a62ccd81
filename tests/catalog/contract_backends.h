#pragma once
// The catalog backends that the contract suites run against, one typed
// test per backend (catalog_contract_test.cc): a new backend (PostgreSQL)
// adds its type to ContractBackends and must pass every suite unchanged.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_catalog.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::catalog {

// A backend under test: Open() makes a new, empty catalog in `dir` (a
// second call with another `name` makes another one).
struct SqliteBackend {
  static Result<std::unique_ptr<Catalog>> Open(testing::TempDir& dir,
                                               const std::string& name) {
    return OpenSqliteCatalog(dir / (name + ".db"), {});
  }
};

using ContractBackends = ::testing::Types<SqliteBackend>;

}  // namespace phodex::catalog
