#pragma once
// Forward-only schema migrations (docs/catalog.md). Version N's SQL turns a
// catalog at version N-1 into version N; each runs in one transaction.
// Never edit a released migration: add a new one.
//
// Each migration carries its SQL per dialect. SQLite stores paths as BLOB
// (file names are bytes); PostgreSQL's dialect will use bytea.

#include <span>

namespace phodex::catalog {

struct Migration {
  int version;
  const char* description;
  const char* sqlite_sql;
};

std::span<const Migration> AllMigrations();
int LatestSchemaVersion();

}  // namespace phodex::catalog
