#pragma once
// What SQLite's planner does with a statement (EXPLAIN QUERY PLAN's
// lines), on the catalog file at `path`, for the tests that hold the
// catalog's statements to their indexes.

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace phodex::catalog {

// The lines of EXPLAIN QUERY PLAN for `sql`.
inline std::vector<std::string> QueryPlan(const std::string& path,
                                   std::string_view sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string explain = "EXPLAIN QUERY PLAN " + std::string(sql);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, explain.c_str(), -1, &st, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  std::vector<std::string> lines;
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    lines.emplace_back(
        reinterpret_cast<const char*>(sqlite3_column_text(st, 3)));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return lines;
}

}  // namespace phodex::catalog
