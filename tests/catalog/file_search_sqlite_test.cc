// The plans of SqliteCatalog::SearchFileIds (catalog/sqlite/file_search.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "catalog/sqlite/sqlite_catalog.h"
#include "catalog/sqlite/sqlite_catalog_impl.h"
#include "tests/catalog/query_plan.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::catalog {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Search's common filters walk an index in the search order: no scan of
// a table, no sort (catalog/file_search.h, docs/catalog.md v10).
TEST(FileSearchSqliteTest, CommonFiltersWalkAnOrderIndexWithoutSorting) {
  testing::TempDir dir;
  const std::string path_ = dir / "catalog.db";
  ASSERT_TRUE(OpenSqliteCatalog(path_, {}));
  struct Case {
    const char* name;
    SearchFilter filter;
    const char* index;
  };
  std::vector<Case> cases(5);
  cases[0] = {"all", {}, "metadata_search_order"};
  cases[1].name = "make";
  cases[1].filter.make = "x";
  cases[1].index = "metadata_search_make";
  cases[2].name = "dates and rating";
  cases[2].filter.taken_from = "2020";
  cases[2].filter.taken_before = "2021";
  cases[2].filter.rating_min = 4;
  cases[2].index = "metadata_search_order";
  cases[3].name = "model";
  cases[3].filter.model = "x";
  cases[3].index = "metadata_search_model";
  cases[4].name = "many text matches";
  cases[4].filter.words = {"x"};
  cases[4].index = "metadata_search_order";
  for (const Case& c : cases) {
    const std::vector<std::string> plan =
        QueryPlan(path_, sqlite::SearchSqlForTesting(c.filter, false));
    std::string all;
    for (const std::string& line : plan) all += line + "\n";
    SCOPED_TRACE(std::string(c.name) + "\n" + all);
    EXPECT_THAT(plan, Contains(HasSubstr(c.index)));
    EXPECT_THAT(plan, Not(Contains(StartsWith("SCAN m "))));
    EXPECT_THAT(plan, Not(Contains(StartsWith("SCAN f "))));
    // The only sort: in the subquery that picks the sidecar merged in.
    auto lines_with = [&](const char* text) {
      return std::count_if(plan.begin(), plan.end(), [&](const std::string& l) {
        return l.find(text) != std::string::npos;
      });
    };
    EXPECT_EQ(lines_with("TEMP B-TREE"), lines_with("SEARCH s2 "));
  }
  // Few text matches: they drive (the text index, then a sort of them).
  SearchFilter few;
  few.words = {"x"};
  const std::vector<std::string> plan =
      QueryPlan(path_, sqlite::SearchSqlForTesting(few, true));
  std::string all;
  for (const std::string& line : plan) all += line + "\n";
  SCOPED_TRACE(all);
  EXPECT_THAT(plan, Contains(HasSubstr("VIRTUAL TABLE INDEX")));
}

}  // namespace
}  // namespace phodex::catalog
