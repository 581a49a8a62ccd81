// JobQueue on SQLite (catalog/job_queue.h; the tables are docs/catalog.md,
// version 9). Every call is one transaction, and a call about several jobs
// reuses one prepared statement (Cached) for all of them: never a commit
// per job. The SQL is portable but for the `?N` parameters (PostgreSQL's
// `$N`): RETURNING and ON CONFLICT DO NOTHING both have.

#include <algorithm>
#include <random>
#include <tuple>
#include <variant>

#include "catalog/sqlite/sqlite_catalog_impl.h"

namespace phodex::catalog::sqlite {
namespace {

#define PHODEX_JOB_COLUMNS                                                   \
  "id, kind, priority, state, attempts, max_attempts, run_at, file_id, "     \
  "version, payload, last_error, created, updated, lease_owner, "            \
  "lease_token, lease_expires"

// The claim (job_queue.h): one statement. The inner SELECT walks the
// partial index jobs_claim (kind, priority, run_at, id) of waiting jobs in
// its order, from the first entry of ?1, and stops after ?6 due ones; a
// paused kind matches nothing. SQLite runs it under BEGIN IMMEDIATE (one
// writer at a time); PostgreSQL adds FOR UPDATE SKIP LOCKED to the SELECT.
// ?1 kind, ?2 owner, ?3 token, ?4 lease end, ?5 now, ?6 how many.
constexpr char kClaimSql[] =
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
    "lease_owner = ?2, lease_token = ?3, lease_expires = ?4, updated = ?5 "
    "WHERE id IN (SELECT id FROM jobs WHERE kind = ?1 "
    "AND state IN ('available', 'retryable') AND run_at <= ?5 "
    "AND NOT EXISTS (SELECT 1 FROM paused_job_kinds WHERE kind = ?1) "
    "ORDER BY priority, run_at, id LIMIT ?6) "
    "RETURNING " PHODEX_JOB_COLUMNS;

// CountActiveJobs, one statement in two parts. The waiting jobs: a scan
// of the partial index jobs_claim (its WHERE is the first part's, word
// for word, which is how SQLite knows it may use it; the row is read for
// `state`). The running ones: a scan of the partial index jobs_lease; the
// unary `+` of `GROUP BY +kind` keeps SQLite's planner from walking all of
// jobs_key instead for its order (SQLite 3.40 does otherwise; PostgreSQL
// reads `GROUP BY kind` there). Neither reads a completed, failed or
// cancelled job (tests/catalog/job_queue_sqlite_test.cc asks the planner).
constexpr char kCountActiveSql[] =
    "SELECT kind, state, count(*) FROM jobs "
    "WHERE state IN ('available', 'retryable') GROUP BY kind, state "
    "UNION ALL "
    "SELECT kind, 'running', count(*) FROM jobs "
    "WHERE state = 'running' GROUP BY +kind";

// Leaving `running` drops the lease.
#define PHODEX_NO_LEASE \
  "lease_owner = NULL, lease_token = NULL, lease_expires = NULL"
// A lease still held: ?1 id, ?2 token.
#define PHODEX_HELD " WHERE id = ?1 AND lease_token = ?2 AND state = 'running'"
// An attempt that ends without success: tried again, or given up once the
// attempts are spent.
#define PHODEX_RETRY_OR_FAIL \
  "CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'retryable' END"

// How an attempt ends (JobOutcome::Kind): ?3 now, ?4 error, ?5 retry at.
constexpr char kCompleteSql[] =
    "UPDATE jobs SET state = 'completed', last_error = NULL, updated = ?3, "
    PHODEX_NO_LEASE PHODEX_HELD;
constexpr char kRetrySql[] =
    "UPDATE jobs SET state = " PHODEX_RETRY_OR_FAIL ", last_error = ?4, "
    "run_at = ?5, updated = ?3, " PHODEX_NO_LEASE PHODEX_HELD;
constexpr char kFailSql[] =
    "UPDATE jobs SET state = 'failed', last_error = ?4, updated = ?3, "
    PHODEX_NO_LEASE PHODEX_HELD;

// A fresh token per claim, straight from the system's randomness: no
// generator state that a fork() would hand to two processes. Positive and
// never 0.
int64_t NewLeaseToken() {
  thread_local std::random_device device;
  const uint64_t bits = (uint64_t{device()} << 32) | uint64_t{device()};
  return static_cast<int64_t>(bits >> 1) | 1;
}

Result<Job> ReadJob(const Stmt& s) {
  Job j;
  j.id = JobId{s.Int(0)};
  j.kind = s.Blob(1);
  j.priority = static_cast<int>(s.Int(2));
  const std::string state = s.Blob(3);
  const std::optional<JobState> parsed = ParseJobState(state);
  if (!parsed) {
    return MakeError(ErrorCode::kCorrupt, "unknown job state '" + state + "'",
                     "catalog: jobs");
  }
  j.state = *parsed;
  j.attempts = static_cast<int>(s.Int(4));
  j.max_attempts = static_cast<int>(s.Int(5));
  j.run_at_ns = s.Int(6);
  if (!s.IsNull(7)) j.file = FileId{s.Int(7)};
  j.version = s.Int(8);
  j.payload = s.Blob(9);
  j.last_error = s.Blob(10);
  j.created_ns = s.Int(11);
  j.updated_ns = s.Int(12);
  j.lease_owner = s.Blob(13);
  j.lease_token = s.Int(14);
  j.lease_expires_ns = s.Int(15);
  return j;
}

// Steps `s` to its end, one Job a row; `s` is reset on every path, so a
// cached statement never keeps a read open.
Result<std::vector<Job>> ReadJobs(Stmt& s) {
  std::vector<Job> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());  // Step resets on error
    if (!row) break;
    auto job = ReadJob(s);
    if (!job) {
      s.Reset();
      return std::unexpected(job.error());
    }
    out.push_back(std::move(*job));
  }
  s.Reset();
  return out;
}

// The rows of a count (kind, state, count), by kind and state.
Result<std::vector<JobCount>> ReadCounts(Stmt& s) {
  std::vector<JobCount> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    const std::optional<JobState> state = ParseJobState(s.Blob(1));
    if (!state) continue;  // the CHECK constraint allows no other
    out.push_back({s.Blob(0), *state, s.Int(2)});
  }
  s.Reset();
  std::ranges::sort(out, {}, [](const JobCount& c) {
    return std::tie(c.kind, c.state);
  });
  return out;
}

// Runs a write; returns how many rows it changed.
Result<int64_t> RunCounting(Stmt& s) {
  PHODEX_TRY(s.Run());
  return sqlite3_changes64(sqlite3_db_handle(s.get()));
}

// RunCounting in a transaction of its own (BEGIN IMMEDIATE: a statement
// that began as a reader could not always become the writer).
Result<int64_t> RunInTxn(Stmt& s) {
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(sqlite3_db_handle(s.get())));
  PHODEX_ASSIGN_OR_RETURN(int64_t n, RunCounting(s));
  PHODEX_TRY(txn.Commit());
  return n;
}

// A JobFilter as SQL: `where` reads parameters ?1..?n, whose values are
// `values` in order; later parameters are the caller's (Param()).
struct FilterSql {
  std::string where = "1 = 1";
  std::vector<std::variant<int64_t, std::string>> values;

  // The next parameter, holding `v`.
  std::string Param(std::variant<int64_t, std::string> v) {
    values.push_back(std::move(v));
    return "?" + std::to_string(values.size());
  }
  void Bind(Stmt& s) const {
    for (size_t i = 0; i < values.size(); ++i) {
      const int n = static_cast<int>(i + 1);
      if (const auto* v = std::get_if<int64_t>(&values[i])) {
        s.Bind(n, *v);
      } else {
        s.BindText(n, std::get<std::string>(values[i]));
      }
    }
  }
};

// Appends `f`'s terms (but its limit) to `w`.
void AddFilter(const JobFilter& f, FilterSql& w) {
  if (f.kind) w.where += " AND kind = " + w.Param(*f.kind);
  if (f.state) {
    // A literal (the names are fixed words): a partial index over one
    // state (jobs_failed) serves only a statement that names it.
    w.where += " AND state = '" + std::string(JobStateName(*f.state)) + "'";
  }
  if (f.after) w.where += " AND id > " + w.Param(f.after->value);
  if (f.ids) {
    std::string list;
    for (JobId id : *f.ids) {
      list += (list.empty() ? "" : ", ") + w.Param(id.value);
    }
    w.where += list.empty() ? " AND 1 = 0" : " AND id IN (" + list + ")";
  }
}

// Sets `set` (which may read ?1: now) on the jobs that match `filter` and
// are in one of `states` (an SQL list), the first filter.limit by id. One
// transaction. Prepared each time: the statement's shape follows the
// filter (these are a person's commands, not the workers' path).
Result<int64_t> UpdateFiltered(sqlite3* db, const JobFilter& filter,
                               const char* states, const char* set,
                               int64_t now_ns) {
  FilterSql w;
  w.Param(now_ns);
  AddFilter(filter, w);
  const std::string limit = w.Param(filter.limit.value_or(-1));
  PHODEX_ASSIGN_OR_RETURN(
      Stmt s, Stmt::Prepare(db, std::string("UPDATE jobs SET ") + set +
                                    " WHERE id IN (SELECT id FROM jobs "
                                    "WHERE " + w.where + " AND state IN (" +
                                    states + ") ORDER BY id LIMIT " + limit +
                                    ")"));
  w.Bind(s);
  return RunInTxn(s);
}

// Runs, in one transaction, the statement that `bind` returns bound for
// each of `items`; returns how many rows changed.
template <typename Item, typename BindFn>
Result<int64_t> RunEach(sqlite3* db, const std::vector<Item>& items,
                        const BindFn& bind) {
  if (items.empty()) return 0;  // a flusher's idle tick: no transaction
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db));
  int64_t n = 0;
  for (const Item& item : items) {
    PHODEX_ASSIGN_OR_RETURN(Stmt * each, bind(item));
    PHODEX_ASSIGN_OR_RETURN(int64_t changed, RunCounting(*each));
    n += changed;
  }
  PHODEX_TRY(txn.Commit());
  return n;
}

}  // namespace

std::string_view ClaimJobsSqlForTesting() { return kClaimSql; }
std::string_view CountActiveJobsSqlForTesting() { return kCountActiveSql; }

Result<EnqueueResult> SqliteCatalog::EnqueueJobs(
    const std::vector<JobSpec>& specs, int64_t now_ns) {
  if (specs.empty()) return EnqueueResult{};
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s,
      Cached("INSERT INTO jobs(kind, priority, state, max_attempts, run_at, "
             "file_id, version, payload, created, updated) "
             "VALUES(?1, ?2, 'available', ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
             "ON CONFLICT DO NOTHING RETURNING id"));
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  EnqueueResult r;
  for (const JobSpec& spec : specs) {
    s->BindText(1, spec.kind)
        .Bind(2, spec.priority)
        .Bind(3, spec.max_attempts)
        .Bind(4, spec.run_at_ns)
        .Bind(6, spec.version)
        .BindText(7, spec.payload)
        .Bind(8, now_ns);
    if (spec.file) {
      s->Bind(5, spec.file->value);
    } else {
      s->BindNull(5);
    }
    // One row back: inserted; none: its key was there.
    PHODEX_ASSIGN_OR_RETURN(const bool added, s->Step());  // resets on error
    r.ids.push_back(JobId{added ? s->Int(0) : 0});
    if (added) {
      auto done = s->Step();
      if (!done) return std::unexpected(done.error());
    }
    s->Reset();
    r.added += added ? 1 : 0;
    r.already_queued += added ? 0 : 1;
  }
  PHODEX_TRY(txn.Commit());
  return r;
}

Result<std::vector<Job>> SqliteCatalog::ClaimJobs(const ClaimRequest& req) {
  if (req.max_jobs <= 0) return std::vector<Job>{};
  PHODEX_ASSIGN_OR_RETURN(Stmt* s, Cached(kClaimSql));
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  s->BindText(1, req.kind)
      .BindText(2, req.owner)
      .Bind(3, NewLeaseToken())
      .Bind(4, req.now_ns + req.lease_ns)
      .Bind(5, req.now_ns)
      .Bind(6, req.max_jobs);
  PHODEX_ASSIGN_OR_RETURN(std::vector<Job> jobs, ReadJobs(*s));
  PHODEX_TRY(txn.Commit());
  // RETURNING promises no order.
  std::ranges::sort(jobs, {}, [](const Job& j) {
    return std::tuple(j.priority, j.run_at_ns, j.id.value);
  });
  return jobs;
}

Result<int64_t> SqliteCatalog::RenewLeases(const std::vector<JobLease>& leases,
                                           int64_t expires_ns) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s, Cached("UPDATE jobs SET lease_expires = ?3" PHODEX_HELD));
  return RunEach(db_, leases, [&](const JobLease& l) -> Result<Stmt*> {
    s->Bind(1, l.id.value).Bind(2, l.token).Bind(3, expires_ns);
    return s;
  });
}

Result<int64_t> SqliteCatalog::FinishJobs(
    const std::vector<JobOutcome>& outcomes, int64_t now_ns) {
  PHODEX_ASSIGN_OR_RETURN(Stmt* complete, Cached(kCompleteSql));
  PHODEX_ASSIGN_OR_RETURN(Stmt* retry, Cached(kRetrySql));
  PHODEX_ASSIGN_OR_RETURN(Stmt* fail, Cached(kFailSql));
  return RunEach(db_, outcomes, [&](const JobOutcome& o) -> Result<Stmt*> {
    Stmt* s = complete;
    if (o.kind == JobOutcome::Kind::kRetry) {
      s = retry;
      s->Bind(5, o.retry_at_ns);
    } else if (o.kind == JobOutcome::Kind::kFailed) {
      s = fail;
    }
    if (s != complete) s->BindText(4, o.error);
    s->Bind(1, o.lease.id.value).Bind(2, o.lease.token).Bind(3, now_ns);
    return s;
  });
}

Result<int64_t> SqliteCatalog::ReleaseJobs(const std::vector<JobLease>& leases,
                                           int64_t now_ns) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s, Cached("UPDATE jobs SET state = 'available', "
                      "attempts = attempts - 1, updated = ?3, "
                      PHODEX_NO_LEASE PHODEX_HELD));
  return RunEach(db_, leases, [&](const JobLease& l) -> Result<Stmt*> {
    s->Bind(1, l.id.value).Bind(2, l.token).Bind(3, now_ns);
    return s;
  });
}

Result<int64_t> SqliteCatalog::ReclaimExpiredLeases(int64_t now_ns,
                                                    int64_t retry_at_ns) {
  // Over jobs_lease (lease_expires of running jobs).
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s,
      Cached("UPDATE jobs SET state = " PHODEX_RETRY_OR_FAIL ", run_at = ?2, "
             "last_error = 'the lease of ' || COALESCE(lease_owner, '') || "
             "' expired: the worker died or hung', updated = ?1, "
             PHODEX_NO_LEASE
             " WHERE state = 'running' AND lease_expires < ?1"));
  s->Bind(1, now_ns).Bind(2, retry_at_ns);
  return RunInTxn(*s);
}

Result<int64_t> SqliteCatalog::AgeJobs(const AgeRequest& req) {
  // A scan of the table (no index on `created`): run every minute or so,
  // never on a claim's path.
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s,
      Cached("UPDATE jobs SET priority = CASE WHEN priority - ?2 < ?3 "
             "THEN ?3 ELSE priority - ?2 END "
             "WHERE state IN ('available', 'retryable') AND created < ?1 "
             "AND priority > ?3"));
  s->Bind(1, req.waiting_since_ns).Bind(2, req.step).Bind(3, req.floor);
  return RunInTxn(*s);
}

Result<std::vector<JobCount>> SqliteCatalog::CountJobs() {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s, Cached("SELECT kind, state, count(*) FROM jobs "
                      "GROUP BY kind, state"));
  return ReadCounts(*s);
}

Result<std::vector<JobCount>> SqliteCatalog::CountActiveJobs() {
  PHODEX_ASSIGN_OR_RETURN(Stmt* s, Cached(kCountActiveSql));
  return ReadCounts(*s);
}


Result<std::vector<Job>> SqliteCatalog::ListJobs(const JobFilter& filter) {
  FilterSql w;
  AddFilter(filter, w);
  const std::string limit = w.Param(filter.limit.value_or(-1));
  PHODEX_ASSIGN_OR_RETURN(
      Stmt s, Stmt::Prepare(db_, "SELECT " PHODEX_JOB_COLUMNS
                                 " FROM jobs WHERE " + w.where +
                                     " ORDER BY id LIMIT " + limit));
  w.Bind(s);
  return ReadJobs(s);
}

Result<int64_t> SqliteCatalog::RetryJobs(const JobFilter& filter,
                                         int64_t now_ns) {
  return UpdateFiltered(db_, filter, "'failed', 'cancelled'",
                        "state = 'available', attempts = 0, run_at = ?1, "
                        "updated = ?1",
                        now_ns);
}

Result<int64_t> SqliteCatalog::CancelJobs(const JobFilter& filter,
                                          int64_t now_ns) {
  return UpdateFiltered(db_, filter, "'available', 'retryable'",
                        "state = 'cancelled', updated = ?1", now_ns);
}

Status SqliteCatalog::SetKindPaused(std::string_view kind, Pause pause) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s,
      Cached(pause == Pause::kPaused
                 ? "INSERT INTO paused_job_kinds(kind) VALUES(?1) "
                   "ON CONFLICT DO NOTHING"
                 : "DELETE FROM paused_job_kinds WHERE kind = ?1"));
  return s->BindText(1, kind).Run();
}

Result<std::vector<std::string>> SqliteCatalog::PausedKinds() {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s, Cached("SELECT kind FROM paused_job_kinds ORDER BY kind"));
  std::vector<std::string> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(s->Blob(0));
  }
  s->Reset();
  return out;
}

Result<int64_t> SqliteCatalog::PruneJobs(int64_t before_ns) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s, Cached("DELETE FROM jobs WHERE state IN ('completed', "
                      "'cancelled') AND updated < ?1"));
  s->Bind(1, before_ns);
  return RunInTxn(*s);
}

Result<int64_t> SqliteCatalog::PrioritizeFileJob(std::string_view kind,
                                                FileId file, int priority) {
  // Along jobs_key (kind, file_id, version).
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached("UPDATE jobs SET priority = ?3 WHERE kind = ?1 AND "
                       "file_id = ?2 AND priority > ?3 AND state IN "
                       "('available', 'retryable')"));
  s->BindText(1, kind).Bind(2, file.value).Bind(3, static_cast<int64_t>(priority));
  return RunInTxn(*s);
}

#undef PHODEX_JOB_COLUMNS
#undef PHODEX_NO_LEASE
#undef PHODEX_HELD
#undef PHODEX_RETRY_OR_FAIL

}  // namespace phodex::catalog::sqlite
