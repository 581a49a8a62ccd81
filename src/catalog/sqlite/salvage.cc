#include "catalog/sqlite/salvage.h"

#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/sqlite/sqlite_db.h"

namespace phodex::catalog::sqlite {
namespace {

// Row ids read per statement: small enough that a damaged page loses only
// its own rows after a few splits, large enough that a healthy catalog of
// 1M files takes 2,000 reads per table.
constexpr int64_t kRangeIds = 512;
// When even max(rowid) cannot be read (the last page is damaged), the walk
// over row ids ends after this many ranges in a row gave nothing (8,192
// ids; a bigger gap, left by `root remove --purge`, ends it early). Each
// damaged range costs about 1,000 lookups.
constexpr int kEmptyRangesToStop = 16;
// `to` commits every so many rows, so its -wal stays bounded.
constexpr int64_t kRowsPerCommit = 100'000;

std::string Quote(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

struct ValueFree {
  void operator()(sqlite3_value* v) const { sqlite3_value_free(v); }
};
using Value = std::unique_ptr<sqlite3_value, ValueFree>;
using Row = std::vector<Value>;

bool IsDamage(const Error& e) { return e.code() == ErrorCode::kCorrupt; }

Result<std::vector<std::string>> Strings(sqlite3* db, std::string_view sql,
                                         std::string_view arg = {}) {
  PHODEX_ASSIGN_OR_RETURN(Stmt s, Stmt::Prepare(db, sql));
  if (!arg.empty()) s.BindText(1, arg);
  std::vector<std::string> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(s.Blob(0));
  }
  return out;
}

Result<int64_t> UserVersion(sqlite3* db) {
  PHODEX_ASSIGN_OR_RETURN(Stmt s, Stmt::Prepare(db, "PRAGMA user_version"));
  PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Int(0) : 0;
}

// One optional integer ("SELECT max(rowid) ..."): nullopt for NULL.
Result<std::optional<int64_t>> OptionalInt(sqlite3* db,
                                           const std::string& sql) {
  PHODEX_ASSIGN_OR_RETURN(Stmt s, Stmt::Prepare(db, sql));
  PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row || s.IsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(s.Int(0));
}

// The rows one statement gives, copied out of SQLite, so that a read that
// fails half-way inserts nothing. `skip` leading columns are not kept (the
// rowid a range read selects first).
Result<std::vector<Row>> ReadRows(Stmt& s, int skip) {
  std::vector<Row> rows;
  const int n = sqlite3_column_count(s.get());
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool more, s.Step());
    if (!more) break;
    Row r;
    for (int i = skip; i < n; ++i) {
      r.emplace_back(sqlite3_value_dup(sqlite3_column_value(s.get(), i)));
    }
    rows.push_back(std::move(r));
  }
  s.Reset();
  return rows;
}

// Copies one table. Single use.
class TableCopy {
 public:
  TableCopy(sqlite3* from, sqlite3* to, std::string table,
            const std::vector<std::string>& columns, SalvagedTable& report)
      : from_(from), to_(to), table_(std::move(table)), report_(report) {
    for (const std::string& c : columns) {
      if (!list_.empty()) list_ += ", ";
      list_ += Quote(c);
    }
    columns_ = static_cast<int>(columns.size());
  }

  Status Run() {
    std::string insert =
        "INSERT INTO " + Quote(table_) + "(" + list_ + ") VALUES(?1";
    for (int i = 2; i <= columns_; ++i) insert += ", ?" + std::to_string(i);
    PHODEX_ASSIGN_OR_RETURN(insert_, Stmt::Prepare(to_, insert + ")"));
    // A WITHOUT ROWID table has no rowid to select.
    if (Stmt::Prepare(from_,
                      "SELECT rowid FROM " + Quote(table_) + " LIMIT 0")) {
      return CopyByRowid();
    }
    return CopyByKey();
  }

 private:
  // Walks the row ids from min to max (or, when max cannot be read, until
  // nothing more comes), splitting damaged ranges.
  Status CopyByRowid() {
    const std::string t = Quote(table_);
    auto lo = OptionalInt(from_, "SELECT min(rowid) FROM " + t);
    auto hi = OptionalInt(from_, "SELECT max(rowid) FROM " + t);
    if (!lo && !IsDamage(lo.error())) return std::unexpected(lo.error());
    if (!hi && !IsDamage(hi.error())) return std::unexpected(hi.error());
    if (lo && hi && (!*lo || !*hi)) return {};  // empty
    const int64_t first = lo && *lo ? **lo : 1;
    // Plain values: GCC 12 warns falsely about an optional here.
    const bool bounded = hi && hi->has_value();
    const int64_t last = bounded ? **hi : 0;
    PHODEX_ASSIGN_OR_RETURN(
        read_, Stmt::Prepare(from_, "SELECT rowid, " + list_ + " FROM " + t +
                                        " WHERE rowid BETWEEN ?1 AND ?2 "
                                        "ORDER BY rowid"));
    // A range read steps on past its last row, into the next page, which
    // may be the damaged one; a lookup of one id does not.
    PHODEX_ASSIGN_OR_RETURN(
        read_one_, Stmt::Prepare(from_, "SELECT rowid, " + list_ + " FROM " +
                                            t + " WHERE rowid = ?1"));
    int empty_ranges = 0;
    constexpr int64_t kTop = std::numeric_limits<int64_t>::max() - kRangeIds;
    for (int64_t a = first; (!bounded || a <= last) && a <= kTop;
         a += kRangeIds) {
      const int64_t copied_before = report_.copied;
      PHODEX_TRY(CopyRange(a, a + kRangeIds - 1));
      if (bounded) continue;
      empty_ranges = report_.copied == copied_before ? empty_ranges + 1 : 0;
      if (empty_ranges >= kEmptyRangesToStop) break;
    }
    // Ids that failed after the last row read: lost rows when max(rowid)
    // said they exist, else the table's end could not be read.
    if (bounded) {
      report_.lost += unread_;
    } else if (unread_ > 0) {
      report_.complete = false;
    }
    return {};
  }

  Status CopyRange(int64_t a, int64_t b) {
    std::vector<std::pair<int64_t, int64_t>> todo = {{a, b}};
    while (!todo.empty()) {
      const auto [x, y] = todo.back();
      todo.pop_back();
      Stmt& read = x == y ? read_one_ : read_;
      read.Bind(1, x);
      if (x != y) read.Bind(2, y);
      auto rows = ReadRows(read, 1);
      read.Reset();
      if (!rows) {
        if (!IsDamage(rows.error())) return std::unexpected(rows.error());
        if (x == y) {
          ++unread_;
        } else {
          const int64_t mid = x + (y - x) / 2;
          todo.emplace_back(mid + 1, y);
          todo.emplace_back(x, mid);  // popped first: ids stay in order
        }
        continue;
      }
      if (!rows->empty()) {
        report_.lost += unread_;  // ids between rows that were read
        unread_ = 0;
      }
      PHODEX_TRY(Insert(*rows));
    }
    return {};
  }

  // A table without rowid, in primary key order, a page at a time, until
  // the first damage.
  Status CopyByKey() {
    const std::string t = Quote(table_);
    PHODEX_ASSIGN_OR_RETURN(
        std::vector<std::string> key,
        Strings(from_, "SELECT name FROM pragma_table_info(?1) WHERE pk > 0",
                table_));
    if (key.size() != 1) return CopyWhole();
    const std::string k = Quote(key[0]);
    const std::string page = " LIMIT " + std::to_string(kRangeIds);
    PHODEX_ASSIGN_OR_RETURN(
        Stmt head,
        Stmt::Prepare(from_, "SELECT " + k + ", " + list_ + " FROM " + t +
                                 " ORDER BY " + k + page));
    PHODEX_ASSIGN_OR_RETURN(
        Stmt next,
        Stmt::Prepare(from_, "SELECT " + k + ", " + list_ + " FROM " + t +
                                 " WHERE " + k + " > ?1 ORDER BY " + k + page));
    Value after;
    for (;;) {
      Stmt& s = after ? next : head;
      if (after) sqlite3_bind_value(s.get(), 1, after.get());
      // The key is selected twice: once to page on, once as a column.
      const int n = sqlite3_column_count(s.get());
      std::vector<Row> rows;
      Value last;
      for (;;) {
        auto more = s.Step();
        if (!more) {
          s.Reset();
          if (!IsDamage(more.error())) return std::unexpected(more.error());
          report_.complete = false;
          return Insert(rows);
        }
        if (!*more) break;
        last.reset(sqlite3_value_dup(sqlite3_column_value(s.get(), 0)));
        Row r;
        for (int i = 1; i < n; ++i) {
          r.emplace_back(sqlite3_value_dup(sqlite3_column_value(s.get(), i)));
        }
        rows.push_back(std::move(r));
      }
      s.Reset();
      PHODEX_TRY(Insert(rows));
      if (rows.size() < static_cast<size_t>(kRangeIds)) return {};
      after = std::move(last);
    }
  }

  // Any other table: one read, to the first damage.
  Status CopyWhole() {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s,
        Stmt::Prepare(from_, "SELECT " + list_ + " FROM " + Quote(table_)));
    auto rows = ReadRows(s, 0);
    if (rows) return Insert(*rows);
    if (!IsDamage(rows.error())) return std::unexpected(rows.error());
    report_.complete = false;
    return {};
  }

  Status Insert(const std::vector<Row>& rows) {
    for (const Row& r : rows) {
      for (int i = 0; i < columns_; ++i) {
        sqlite3_bind_value(insert_.get(), i + 1, r[i].get());
      }
      auto st = insert_.Run();
      if (!st) {
        // A row the new catalog refuses (a unique name taken twice, a NULL
        // where it wants a value) is lost, not the whole rebuild.
        const Error& e = st.error();
        if (IsDamage(e)) {  // not to be taken for damage in `from`
          return MakeError(ErrorCode::kIo, e.message(),
                           "catalog: write the new catalog");
        }
        if (e.code() != ErrorCode::kAlreadyExists) return st;
        ++report_.lost;
        continue;
      }
      ++report_.copied;
      if (++since_commit_ >= kRowsPerCommit) {
        PHODEX_TRY(Exec(to_, "COMMIT; BEGIN"));
        since_commit_ = 0;
      }
    }
    return {};
  }

  sqlite3* from_;
  sqlite3* to_;
  std::string table_;
  std::string list_;
  int columns_ = 0;
  SalvagedTable& report_;
  Stmt insert_;
  Stmt read_;
  Stmt read_one_;
  int64_t unread_ = 0;  // ids that failed since the last row read
  int64_t since_commit_ = 0;
};

SalvagedTable* Find(SalvageReport& r, const std::string& table) {
  for (SalvagedTable& t : r.tables) {
    if (t.table == table) return &t;
  }
  return nullptr;
}

// Rows whose parent was lost: deleted (or, for ON DELETE SET NULL
// references, cut loose), until foreign_key_check finds nothing. A
// deleted row can orphan others (a file's metadata), hence the loop.
Status DropOrphans(sqlite3* to, SalvageReport& report) {
  for (int round = 0; round < 8; ++round) {
    PHODEX_ASSIGN_OR_RETURN(Stmt check,
                            Stmt::Prepare(to, "PRAGMA foreign_key_check"));
    struct Orphan {
      std::string table;
      int64_t rowid;
      int64_t fk;
    };
    std::vector<Orphan> orphans;
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, check.Step());
      if (!row) break;
      if (check.IsNull(1)) continue;  // WITHOUT ROWID: none in the schema
      orphans.push_back({check.Blob(0), check.Int(1), check.Int(3)});
    }
    if (orphans.empty()) return {};
    for (const Orphan& o : orphans) {
      PHODEX_ASSIGN_OR_RETURN(
          Stmt fk, Stmt::Prepare(to,
                                 "SELECT \"from\", on_delete FROM "
                                 "pragma_foreign_key_list(?1) WHERE id=?2"));
      fk.BindText(1, o.table).Bind(2, o.fk);
      PHODEX_ASSIGN_OR_RETURN(bool found, fk.Step());
      const bool set_null = found && fk.Blob(1) == "SET NULL";
      const std::string sql =
          set_null ? "UPDATE " + Quote(o.table) + " SET " + Quote(fk.Blob(0)) +
                         " = NULL WHERE rowid = ?1"
                   : "DELETE FROM " + Quote(o.table) + " WHERE rowid = ?1";
      PHODEX_ASSIGN_OR_RETURN(Stmt fix, Stmt::Prepare(to, sql));
      fix.Bind(1, o.rowid);
      PHODEX_TRY(fix.Run());
      if (SalvagedTable* t = Find(report, o.table); t && !set_null) {
        --t->copied;
        ++t->lost;
      }
    }
  }
  return MakeError(ErrorCode::kInternal, "orphaned rows remain",
                   "catalog: salvage");
}

Status CopyTables(sqlite3* from, sqlite3* to, SalvageReport& report) {
  PHODEX_ASSIGN_OR_RETURN(
      std::vector<std::string> tables,
      Strings(to,
              "SELECT name FROM sqlite_schema WHERE type = 'table' AND "
              "name NOT LIKE 'sqlite_%' AND "
              // The search index (v10) and its shadow tables: the
              // triggers fill it again as files and metadata are copied.
              "name NOT LIKE 'file\\_text%' ESCAPE '\\' ORDER BY rowid"));
  // Rows of another schema version may mean something else: then only the
  // roots (where the library is) are carried; the rescan finds the rest.
  auto from_version = UserVersion(from);
  PHODEX_ASSIGN_OR_RETURN(int64_t to_version, UserVersion(to));
  const bool same_schema = from_version && *from_version == to_version;
  for (const std::string& table : tables) {
    if (!same_schema && table != "roots") continue;
    // The new catalog's own change counter (v13) stays: its content is
    // not the old one's, and no cache may take it for the old.
    if (table == "change_counter") continue;
    report.tables.push_back({table, 0, 0, true});
    SalvagedTable& t = report.tables.back();
    auto old_columns =
        Strings(from, "SELECT name FROM pragma_table_info(?1)", table);
    if (!old_columns) {
      if (!IsDamage(old_columns.error())) {
        return std::unexpected(old_columns.error());
      }
      t.complete = false;  // the schema itself is unreadable
      continue;
    }
    PHODEX_ASSIGN_OR_RETURN(
        std::vector<std::string> new_columns,
        Strings(to, "SELECT name FROM pragma_table_info(?1)", table));
    std::vector<std::string> both;
    for (const std::string& c : new_columns) {
      for (const std::string& o : *old_columns) {
        if (o == c) both.push_back(c);
      }
    }
    if (both.empty()) continue;  // not in the old catalog
    auto st = TableCopy(from, to, table, both, t).Run();
    if (!st && !IsDamage(st.error())) return st;
    if (!st) t.complete = false;  // e.g. the table's first page
  }
  return DropOrphans(to, report);
}

}  // namespace

Result<SalvageReport> SalvageRows(sqlite3* from, sqlite3* to) {
  // Parents may come after their children (a sidecar's file has a higher
  // id), and some are lost: references are checked once, at the end.
  PHODEX_TRY(Exec(to, "PRAGMA foreign_keys=OFF; BEGIN"));
  // One read transaction: one consistent state of `from`. (Damage may end
  // it early; reads then go on outside a transaction, so neither BEGIN's
  // nor ROLLBACK's result changes what is copied; `to`'s ROLLBACK after a
  // failure leaves an empty catalog, which the caller discards.)
  (void)Exec(from, "BEGIN");
  SalvageReport report;
  Status st = CopyTables(from, to, report);
  (void)Exec(from, "ROLLBACK");
  if (st) st = Exec(to, "COMMIT");
  if (!st) (void)Exec(to, "ROLLBACK");
  PHODEX_TRY(Exec(to, "PRAGMA foreign_keys=ON"));
  if (!st) return std::unexpected(st.error());
  return report;
}

}  // namespace phodex::catalog::sqlite
