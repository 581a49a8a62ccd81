// The SQLite side of the job queue: how SQLite runs the claim (over the
// claim index, never a scan or a sort) and the migration to schema v9. The
// contract every backend keeps is job_queue_contract_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "catalog/sqlite/migrations.h"
#include "catalog/sqlite/sqlite_catalog.h"
#include "catalog/sqlite/sqlite_catalog_impl.h"
#include "tests/catalog/query_plan.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::catalog {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Runs `sql` on a new connection to `path`.
void ExecRaw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

class JobQueueSqliteTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path_ = dir_ / "catalog.db";
};

TEST_F(JobQueueSqliteTest, ClaimWalksTheClaimIndexWithoutScanOrSort) {
  {
    auto c = OpenSqliteCatalog(path_, {});
    ASSERT_TRUE(c) << c.error().ToString();
    // Some rows, so the plan is not one for an empty table.
    std::vector<JobSpec> specs(50);
    for (size_t i = 0; i < specs.size(); ++i) {
      specs[i].kind = i % 2 ? "a" : "b";
      specs[i].file = FileId{static_cast<int64_t>(i)};
    }
    ASSERT_TRUE((*c)->EnqueueJobs(specs, 1));
  }
  const std::vector<std::string> plan =
      QueryPlan(path_, sqlite::ClaimJobsSqlForTesting());
  std::string all;
  for (const std::string& line : plan) all += line + "\n";
  SCOPED_TRACE(all);
  // A search from the kind's first entry, in the index's order (the row is
  // read for `state`, which SQLite 3.40 does not take from the index's
  // WHERE).
  EXPECT_THAT(plan, Contains(AllOf(StartsWith("SEARCH jobs USING "),
                                   HasSubstr("INDEX jobs_claim (kind=?)"))));
  EXPECT_THAT(plan, Not(Contains(StartsWith("SCAN jobs"))));
  EXPECT_THAT(plan, Not(Contains(HasSubstr("TEMP B-TREE"))));
}

TEST_F(JobQueueSqliteTest, ReclaimUsesTheLeaseIndex) {
  ASSERT_TRUE(OpenSqliteCatalog(path_, {}));
  const std::vector<std::string> plan = QueryPlan(
      path_,
      "UPDATE jobs SET state = 'retryable' "
      "WHERE state = 'running' AND lease_expires < ?1");
  EXPECT_THAT(plan, Contains(HasSubstr("INDEX jobs_lease (lease_expires<?)")));
}

// The API's page of failed jobs (ListJobs with state failed, as jobs.cc
// writes it) walks the failed jobs' partial indexes from the cursor, of
// every kind or of one, never all jobs of a kind nor a sort.
TEST_F(JobQueueSqliteTest, FailedPagesUseTheFailedIndexes) {
  ASSERT_TRUE(OpenSqliteCatalog(path_, {}));
  const char* kSelect = "SELECT id FROM jobs WHERE 1 = 1 ";
  auto plan = QueryPlan(path_, std::string(kSelect) +
                                   "AND state = 'failed' AND id > ?1 "
                                   "ORDER BY id LIMIT ?2");
  EXPECT_THAT(plan, Contains("SEARCH jobs USING INDEX jobs_failed (id>?)"));
  plan = QueryPlan(path_, std::string(kSelect) +
                              "AND kind = ?1 AND state = 'failed' AND id > ?2 "
                              "ORDER BY id LIMIT ?3");
  EXPECT_THAT(plan, Contains(HasSubstr("INDEX jobs_failed_kind (kind=? AND id>?)")));
  EXPECT_THAT(plan, Not(Contains(HasSubstr("TEMP B-TREE"))));
}

// The API's history pages: by the primary key from the cursor, or by
// (type, id) for one type; never a scan or a sort.
TEST_F(JobQueueSqliteTest, OperationPagesUseAnIndex) {
  ASSERT_TRUE(OpenSqliteCatalog(path_, {}));
  const char* kSelect =
      "SELECT o.id FROM operations o LEFT JOIN roots r ON r.id = o.root_id ";
  auto plan = QueryPlan(path_, std::string(kSelect) +
                                   "WHERE o.id < ?1 ORDER BY o.id DESC LIMIT ?2");
  EXPECT_THAT(plan, Contains(HasSubstr("USING INTEGER PRIMARY KEY (rowid<?)")));
  plan = QueryPlan(path_, std::string(kSelect) +
                              "WHERE o.id < ?1 AND o.type = ?3 "
                              "ORDER BY o.id DESC LIMIT ?2");
  EXPECT_THAT(plan, Contains(HasSubstr("INDEX operations_type (type=? AND id<?)")));
  EXPECT_THAT(plan, Not(Contains(HasSubstr("TEMP B-TREE"))));
  plan = QueryPlan(path_,
                   "SELECT operation_id FROM file_errors WHERE operation_id=?1 "
                   "ORDER BY id DESC LIMIT ?2");
  EXPECT_THAT(plan, Contains(HasSubstr("INDEX file_errors_operation (operation_id=?)")));
  EXPECT_THAT(plan, Not(Contains(HasSubstr("TEMP B-TREE"))));
}

// The service's count (every second) reads the waiting and running jobs
// through their partial indexes, never the table's finished history.
TEST_F(JobQueueSqliteTest, ActiveCountUsesThePartialIndexesOnly) {
  ASSERT_TRUE(OpenSqliteCatalog(path_, {}));
  const std::vector<std::string> plan =
      QueryPlan(path_, sqlite::CountActiveJobsSqlForTesting());
  std::string all;
  for (const std::string& line : plan) all += line + "\n";
  SCOPED_TRACE(all);
  EXPECT_THAT(plan, Contains("SCAN jobs USING INDEX jobs_claim"));
  EXPECT_THAT(plan, Contains("SCAN jobs USING INDEX jobs_lease"));
  // Neither the table nor an index of every job.
  EXPECT_THAT(plan, Not(Contains("SCAN jobs")));
  EXPECT_THAT(plan, Not(Contains(HasSubstr("jobs_key"))));
}

// A catalog of schema v8 opens as v9 with its rows, and has a queue.
TEST_F(JobQueueSqliteTest, V8CatalogIsMigratedWithItsData) {
  {
    SqliteOptions old;
    old.max_version_ForTesting = 8;
    auto c = OpenSqliteCatalog(path_, old);
    ASSERT_TRUE(c) << c.error().ToString();
    ASSERT_EQ((*c)->GetSchemaStatus()->current, 8);
  }
  // Rows as a phodex of schema v8 wrote them.
  ExecRaw(path_,
          "INSERT INTO roots(id, path, name, added_at) "
          "VALUES(1, CAST('/photos' AS BLOB), 'photos', 1);"
          "INSERT INTO files(id, root_id, rel, size, mtime_s, mtime_nsec, "
          "dev, ino, kind, scan_gen, first_seen, last_seen) VALUES "
          "(1, 1, CAST('a.jpg' AS BLOB), 10, 5, 7, 1, 9, 'photo', 1, 1, 1);"
          "INSERT INTO metadata(file_id, mime) VALUES (1, 'image/jpeg');");
  auto c = OpenSqliteCatalog(path_, {});
  ASSERT_TRUE(c) << c.error().ToString();
  Catalog& cat = **c;
  EXPECT_EQ(cat.GetSchemaStatus()->current, LatestSchemaVersion());
  EXPECT_GE(LatestSchemaVersion(), 9);
  EXPECT_TRUE(std::filesystem::exists(path_ + ".v8.bak"));
  std::vector<std::string> rels;
  ASSERT_TRUE(cat.ForEachFile({}, [&](const FileRow& r) {
    rels.push_back(r.rel);
    EXPECT_EQ(r.size, 10);
    EXPECT_EQ(r.mtime, (FileTime{5, 7}));
    EXPECT_TRUE(r.metadata.has_value());
  }));
  EXPECT_THAT(rels, ElementsAre("a.jpg"));
  EXPECT_TRUE(cat.CheckIntegrity());
  // The queue works.
  JobSpec s;
  s.kind = "metadata";
  s.file = FileId{1};
  ASSERT_EQ(cat.EnqueueJobs({s}, 1)->added, 1);
  auto claimed = cat.ClaimJobs({.kind = "metadata", .max_jobs = 5,
                                .owner = "t", .now_ns = 2, .lease_ns = 10});
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].file, FileId{1});
}

}  // namespace
}  // namespace phodex::catalog
