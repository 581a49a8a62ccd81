#pragma once
// Forward-only schema migrations (docs/catalog.md). Version N's SQL turns a
// catalog at version N-1 into version N; each runs in one transaction.
// Never edit a released migration: add a new one.
//
// The SQLite backend's schema: its DDL is SQLite's dialect (paths are BLOB,
// file names being bytes), so it lives here, with the backend; a
// PostgreSQL backend keeps its own migrations (bytea) under
// catalog/postgres/, with the same version numbers for the same tables.

#include <span>

namespace phodex::catalog {

struct Migration {
  int version;
  const char* description;
  const char* sql;  // SQLite DDL
};

std::span<const Migration> AllMigrations();
int LatestSchemaVersion();

}  // namespace phodex::catalog
