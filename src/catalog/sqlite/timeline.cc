// TimelineQueries (catalog/timeline_queries.h) on SQLite: the sections from
// three index walks, kept per connection until the catalog changes, and a
// range's items from one index range each for dated and undated files.
// See docs/catalog.md, "The timeline".

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "catalog/sqlite/sqlite_catalog_impl.h"

namespace phodex::catalog::sqlite {
namespace {

// Spelt as the partial index files_timeline_mtime's WHERE (migration 12),
// so that SQLite uses it.
constexpr char kTimelineFiles[] =
    "f.present = 1 AND f.kind IN ('photo', 'raw', 'video')";

// The largest file id the timeline's bitmap takes (512 MiB of bits).
constexpr int64_t kMaxTimelineId = int64_t{1} << 32;

// Cuts the timeline's items, given in order, into sections of `size`; a
// dated and an undated item never share one. Only a section's first and
// last item need their position (the capture time, a string to copy):
// NeedsPos() says when; the others are counted by id, and the last item of
// a section left short is looked up once its walk ends (Finish).
class SectionCutter {
 public:
  SectionCutter(size_t size, std::vector<TimelineSection>& out)
      : size_(static_cast<int64_t>(size)), out_(out) {}

  // Whether the next item, dated or not, starts or completes a section.
  bool NeedsPos(bool undated) const {
    return Starts(undated) || out_.back().count + 1 == size_;
  }
  // The next item; a dated `pos` complete when NeedsPos said so, else only
  // its id is read. Undated positions are always complete.
  void Add(const TimelinePos& pos) {
    if (Starts(pos.undated)) {
      out_.push_back(TimelineSection{pos, pos, 1});
    } else if (++out_.back().count == size_ || pos.undated) {
      out_.back().last = pos;
    } else {
      out_.back().last.id = pos.id;
    }
  }
  // The dated section still open when the dated walk ends, if its last
  // item's capture time was not read: fill it in.
  TimelineSection* Unfinished() {
    if (out_.empty() || out_.back().first.undated ||
        out_.back().count == size_ || out_.back().count == 1) {
      return nullptr;
    }
    return &out_.back();
  }

 private:
  bool Starts(bool undated) const {
    return out_.empty() || out_.back().count == size_ ||
           out_.back().first.undated != undated;
  }

  const int64_t size_;
  std::vector<TimelineSection>& out_;
};

// A read transaction: the three walks see one snapshot. Ended (COMMIT of
// a read) when it goes out of scope.
class ReadSnapshot {
 public:
  static Result<ReadSnapshot> Begin(sqlite3* db) {
    PHODEX_TRY(Exec(db, "BEGIN"));
    return ReadSnapshot(db);
  }
  ReadSnapshot(ReadSnapshot&& o) noexcept
      : db_(std::exchange(o.db_, nullptr)) {}
  ~ReadSnapshot() {
    // A read-only transaction: ending it cannot lose anything.
    if (db_) (void)Exec(db_, "COMMIT");
  }

 private:
  explicit ReadSnapshot(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// The columns ListTimelineItems reads, and the joins after "FROM ... f"
// (or "metadata m ... JOIN files f"). The sidecar merged in is the one
// FileRowSelect (file_queries.cc) picks: the longest name.
constexpr char kItemColumns[] =
    "SELECT f.id, f.kind, m.taken, f.mtime_s, f.mtime_nsec, m.width, "
    "m.height, m.orientation, CASE WHEN p.error IS NULL THEN p.width END, "
    "CASE WHEN p.error IS NULL THEN p.height END, "
    "coalesce(sm.rating, m.rating), coalesce(sm.label, m.label), m.duration ";
constexpr char kItemJoins[] =
    " LEFT JOIN files s ON s.id = (SELECT s2.id FROM files s2 "
    "  WHERE s2.sidecar_of = f.id AND s2.present = 1 "
    "  ORDER BY length(s2.rel) DESC, s2.rel LIMIT 1) "
    "LEFT JOIN metadata sm ON sm.file_id = s.id "
    "LEFT JOIN pixels p ON p.hash = f.hash ";

// Dated items along metadata_taken: ?1 ?2 the `from` bound (taken, id),
// ?3 ?4 the `to` bound, ?5 the limit.
std::string DatedItemsSql(bool from, bool to) {
  std::string sql = std::string(kItemColumns) +
                    "FROM metadata m INDEXED BY metadata_taken "
                    "JOIN files f ON f.id = m.file_id" +
                    kItemJoins + "WHERE m.taken IS NOT NULL AND " +
                    kTimelineFiles;
  if (from) sql += " AND m.taken <= ?1 AND (m.taken < ?1 OR m.file_id <= ?2)";
  if (to) sql += " AND m.taken >= ?3 AND (m.taken > ?3 OR m.file_id > ?4)";
  return sql + " ORDER BY m.taken DESC, m.file_id DESC LIMIT ?5";
}

// Undated items along files_timeline_mtime: ?6 ?7 ?8 the `from` bound
// (mtime_s, mtime_nsec, id), ?9 ?10 ?11 the `to` bound, ?5 the limit.
std::string UndatedItemsSql(bool from, bool to) {
  std::string sql = std::string(kItemColumns) +
                    "FROM files f INDEXED BY files_timeline_mtime "
                    "LEFT JOIN metadata m ON m.file_id = f.id" +
                    kItemJoins + "WHERE m.taken IS NULL AND " +
                    kTimelineFiles;
  if (from) sql += " AND (f.mtime_s, f.mtime_nsec, f.id) <= (?6, ?7, ?8)";
  if (to) sql += " AND (f.mtime_s, f.mtime_nsec, f.id) > (?9, ?10, ?11)";
  return sql +
         " ORDER BY f.mtime_s DESC, f.mtime_nsec DESC, f.id DESC LIMIT ?5";
}

std::optional<int64_t> OptInt(const Stmt& s, int col) {
  return s.IsNull(col) ? std::nullopt : std::optional<int64_t>(s.Int(col));
}

TimelineItem ReadItem(const Stmt& s) {
  TimelineItem it;
  it.pos.id = FileId{s.Int(0)};
  it.kind = ParseMediaKind(s.Blob(1)).value_or(MediaKind::kOther);
  it.pos.undated = s.IsNull(2);
  if (!it.pos.undated) it.pos.taken = s.Blob(2);
  it.pos.mtime = MtimeColumns(s, 3, 4);
  if (!it.pos.undated) it.pos.mtime = FileTime{};
  it.width = OptInt(s, 5);
  it.height = OptInt(s, 6);
  if (auto o = OptInt(s, 7)) it.orientation = static_cast<int>(*o);
  it.pixel_width = OptInt(s, 8);
  it.pixel_height = OptInt(s, 9);
  if (auto r = OptInt(s, 10)) it.rating = static_cast<int>(*r);
  if (!s.IsNull(11)) it.label = s.Blob(11);
  if (!s.IsNull(12)) it.duration = s.Double(12);
  return it;
}

}  // namespace

Result<const SqliteCatalog::TimelineCache*> SqliteCatalog::CurrentTimeline(
    size_t size) {
  // Read before the walks' snapshot begins, so a commit in between only
  // makes the next call compute again.
  PHODEX_ASSIGN_OR_RETURN(Stmt * dv, Cached("PRAGMA data_version"));
  PHODEX_ASSIGN_OR_RETURN(bool row, dv->Step());
  const int64_t version = row ? dv->Int(0) : 0;
  dv->Reset();
  const int64_t changes = sqlite3_total_changes64(db_);
  TimelineCache& c = timeline_cache_;
  if (size == 0) size = c.size > 0 ? c.size : 500;
  if (c.size == size && c.data_version == version && c.changes == changes) {
    return &c;
  }
  c = TimelineCache{};
  TimelineCache fresh;
  PHODEX_TRY(ComputeTimeline(size, fresh));
  fresh.data_version = version;
  fresh.changes = changes;
  fresh.size = size;
  c = std::move(fresh);
  return &c;
}

Result<std::vector<TimelineSection>> SqliteCatalog::ListTimelineSections(
    size_t size) {
  PHODEX_CHECK(size > 0);
  PHODEX_ASSIGN_OR_RETURN(const TimelineCache* c, CurrentTimeline(size));
  return c->sections;
}

// Three walks of covering indexes, no table row read: the timeline's files
// (a bitmap by id), the dated ones in order (clearing their bits), then
// the rest in mtime order.
Status SqliteCatalog::ComputeTimeline(size_t size, TimelineCache& out) {
  PHODEX_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(db_));
  PHODEX_ASSIGN_OR_RETURN(Stmt * max_id,
                          Cached("SELECT coalesce(max(id), 0) FROM files"));
  PHODEX_ASSIGN_OR_RETURN(bool row, max_id->Step());
  const int64_t max = row ? max_id->Int(0) : 0;
  max_id->Reset();
  // Ids are the files' rowids: dense, at most the number of rows ever
  // written; one bit each (125 KB per million). Only a catalog written by
  // hand has ids far beyond: refused rather than a bitmap of gigabytes.
  if (max > kMaxTimelineId) {
    return MakeError(ErrorCode::kUnsupported,
                     "file ids beyond " + std::to_string(kMaxTimelineId),
                     "catalog: timeline", path_);
  }
  std::vector<bool> undated(static_cast<size_t>(max) + 1);
  int64_t files = 0;
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * all, Cached(std::string("SELECT f.id FROM files f INDEXED BY "
                                     "files_timeline_mtime WHERE ") +
                         kTimelineFiles));
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool r, all->Step());
    if (!r) break;
    const int64_t id = all->Int(0);
    if (id > 0 && id <= max) undated[static_cast<size_t>(id)] = true;
    ++files;
  }
  all->Reset();

  SectionCutter cut(size, out.sections);
  TimelinePos pos;
  int64_t dated_count = 0;
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * dated,
      Cached("SELECT file_id, taken FROM metadata INDEXED BY metadata_taken "
             "WHERE taken IS NOT NULL ORDER BY taken DESC, file_id DESC"));
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool r, dated->Step());
    if (!r) break;
    const int64_t id = dated->Int(0);
    // Not a timeline file: removed, a sidecar, another kind.
    if (id <= 0 || id > max || !undated[static_cast<size_t>(id)]) continue;
    undated[static_cast<size_t>(id)] = false;
    pos.id = FileId{id};
    if (cut.NeedsPos(false)) pos.taken = dated->Blob(1);
    cut.Add(pos);
    ++dated_count;
  }
  dated->Reset();
  if (TimelineSection* open = cut.Unfinished()) {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt * one, Cached("SELECT taken FROM metadata WHERE file_id = ?1"));
    one->Bind(1, open->last.id.value);
    PHODEX_ASSIGN_OR_RETURN(bool found, one->Step());
    open->last.taken = found ? one->Blob(0) : std::string();
    one->Reset();
  }

  if ((files - dated_count) * 16 <= files) out.sparse_undated.emplace();
  pos = TimelinePos{};
  pos.undated = true;
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * rest,
      Cached(std::string("SELECT f.id, f.mtime_s, f.mtime_nsec FROM files f "
                         "INDEXED BY files_timeline_mtime WHERE ") +
             kTimelineFiles +
             " ORDER BY f.mtime_s DESC, f.mtime_nsec DESC, f.id DESC"));
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool r, rest->Step());
    if (!r) break;
    const int64_t id = rest->Int(0);
    if (id <= 0 || id > max || !undated[static_cast<size_t>(id)]) continue;
    pos.id = FileId{id};
    pos.mtime = MtimeColumns(*rest, 1, 2);
    cut.Add(pos);
    if (out.sparse_undated) out.sparse_undated->push_back(pos);
  }
  rest->Reset();
  return {};
}

Status SqliteCatalog::ListSparseUndated(const std::vector<TimelinePos>& list,
                                        const TimelineRange& range,
                                        size_t limit,
                                        std::vector<TimelineItem>& out) {
  auto it = list.begin();
  if (range.from) {
    it = std::partition_point(list.begin(), list.end(),
                              [&](const TimelinePos& p) {
                                return TimelineBefore(p, *range.from);
                              });
  }
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached(std::string(kItemColumns) +
                       "FROM files f LEFT JOIN metadata m ON m.file_id = f.id" +
                       kItemJoins + "WHERE f.id = ?1 AND m.taken IS NULL AND " +
                       kTimelineFiles));
  for (; it != list.end() && out.size() < limit; ++it) {
    if (range.to && !TimelineBefore(*it, *range.to)) break;
    s->Bind(1, it->id.value);
    auto row = s->Step();
    if (row && *row) out.push_back(ReadItem(*s));
    s->Reset();
    if (!row) return std::unexpected(row.error());
  }
  return {};
}

Result<std::vector<TimelineItem>> SqliteCatalog::ListTimelineItems(
    const TimelineRange& range, size_t limit) {
  PHODEX_CHECK(limit > 0);
  std::vector<TimelineItem> out;
  const auto& from = range.from;
  const auto& to = range.to;
  auto run = [&](const std::string& sql) -> Status {
    PHODEX_ASSIGN_OR_RETURN(Stmt * s, Cached(sql));
    s->Bind(5, static_cast<int64_t>(limit - out.size()));
    // A bound binds ?1 ?2 or ?3 ?4 (dated), ?6-?8 or ?9-?11 (undated).
    auto bind = [&](const std::optional<TimelinePos>& p, int dated_at,
                    int undated_at) {
      if (!p) return;
      if (!p->undated) {
        s->BindText(dated_at, p->taken).Bind(dated_at + 1, p->id.value);
        return;
      }
      s->Bind(undated_at, p->mtime.sec)
          .Bind(undated_at + 1, p->mtime.nsec)
          .Bind(undated_at + 2, p->id.value);
    };
    bind(from, 1, 6);
    bind(to, 3, 9);
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      out.push_back(ReadItem(*s));
    }
    s->Reset();
    return {};
  };
  // Dated items come first: none when the range starts among the undated;
  // undated ones only when it ends among them (or at the end).
  if (!from || !from->undated) {
    PHODEX_TRY(run(DatedItemsSql(from.has_value(), to && !to->undated)));
  }
  if (out.size() < limit && (!to || to->undated)) {
    // Few undated files among many dated: by id from the list of them
    // (else the range's walk steps over the dated files in between).
    PHODEX_ASSIGN_OR_RETURN(const TimelineCache* c, CurrentTimeline(0));
    if (c->sparse_undated) {
      TimelineRange undated = range;
      if (from && !from->undated) undated.from.reset();
      PHODEX_TRY(ListSparseUndated(*c->sparse_undated, undated, limit, out));
    } else {
      PHODEX_TRY(run(UndatedItemsSql(from && from->undated, to.has_value())));
    }
  }
  return out;
}

}  // namespace phodex::catalog::sqlite
