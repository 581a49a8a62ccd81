// FileSearch (catalog/file_search.h) on SQLite: one statement per page,
// built from the filter's set fields, driven by the index that gives the
// search order (metadata_search_order, or metadata_search_make/_model
// under an equal make or model: docs/catalog.md v10), or, when the words
// match few files, by the text index's matches, sorted.
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "catalog/sqlite/pixel_rows.h"
#include "catalog/sqlite/sqlite_catalog_impl.h"

namespace phodex::catalog::sqlite {
namespace {

// Parameters of the search statement, fixed per field so the statement is
// built and bound by the same names.
enum Param : int {
  kLimit = 1,
  kCursorTaken,
  kCursorId,
  kTakenFrom,
  kTakenBefore,
  kMake,
  kModel,
  kLens,
  kLabel,
  kFocalMin,
  kFocalMax,
  kFNumberMin,
  kFNumberMax,
  kIsoMin,
  kIsoMax,
  kRatingMin,
  kRatingMax,
  kKind,
  kRoot,
  kFolderLow,
  kFolderHigh,
  kMatch,
};

// Up to this many text matches, a search reads them all and sorts them;
// beyond, it walks the search order and asks the text index about each
// file (at least 1 file in 50 matches then: few are asked per page).
constexpr int64_t kFewTextMatches = 20000;

// The words as an FTS5 expression: each one a quoted string (a '"' in it
// doubled), so no user text is ever FTS5 syntax (AND, OR, NOT, NEAR, '*',
// '^', ':', '-', parentheses); the last one a prefix. Words without a
// letter or digit are dropped (the tokenizer would make an empty phrase
// of them); bytes past ASCII count as letters. "" when none is left.
std::string MatchExpression(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    const bool searchable = std::any_of(w.begin(), w.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u >= 0x80 || std::isalnum(u);
    });
    if (!searchable) continue;
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : w) {
      out += c;
      if (c == '"') out += '"';
    }
    out += '"';
  }
  if (!out.empty()) out += '*';
  return out;
}

// The present files (of the filter's kinds) whose own text or a present
// sidecar's matches ?kMatch.
constexpr char kTextMatches[] =
    "SELECT ifnull(x.sidecar_of, x.id) AS id FROM file_text t "
    "JOIN files x ON x.id = t.rowid "
    "WHERE file_text MATCH ?22 AND x.present = 1";

enum class TextPlan { kNone, kFromMatches, kProbeEach };

// The conditions on f (files) and m (its metadata) besides the cursor and
// the text.
std::string FilterConditions(const SearchFilter& q) {
  std::string w = " f.present = 1";
  w += q.kind ? " AND f.kind = ?18"
              : " AND f.kind IN ('photo', 'raw', 'video')";
  if (q.root) w += " AND f.root_id = ?19";
  if (q.root && !q.folder.empty()) w += " AND f.rel >= ?20 AND f.rel < ?21";
  if (q.taken_from) w += " AND ifnull(m.taken, '') >= ?4";
  if (q.taken_before) {
    w += " AND ifnull(m.taken, '') < ?5 AND ifnull(m.taken, '') > ''";
  }
  if (q.make) w += " AND m.make = ?6 COLLATE NOCASE";
  if (q.model) w += " AND m.model = ?7 COLLATE NOCASE";
  if (q.lens) w += " AND m.lens = ?8 COLLATE NOCASE";
  if (q.label) w += " AND ifnull(sm.label, m.label) = ?9 COLLATE NOCASE";
  if (q.focal_min) w += " AND m.focal_length >= ?10";
  if (q.focal_max) w += " AND m.focal_length <= ?11";
  if (q.f_number_min) w += " AND m.f_number >= ?12";
  if (q.f_number_max) w += " AND m.f_number <= ?13";
  if (q.iso_min) w += " AND m.iso >= ?14";
  if (q.iso_max) w += " AND m.iso <= ?15";
  if (q.rating_min) w += " AND ifnull(sm.rating, ifnull(m.rating, 0)) >= ?16";
  if (q.rating_max) w += " AND ifnull(sm.rating, ifnull(m.rating, 0)) <= ?17";
  if (q.gps) {
    w += *q.gps ? " AND m.gps_lat IS NOT NULL" : " AND m.gps_lat IS NULL";
  }
  return w;
}

// Whether a file without metadata can match `q`: no condition on a field
// only metadata gives (rating and label may come from a sidecar).
bool UnreadCanMatch(const SearchFilter& q) {
  return !q.taken_from && !q.taken_before && !q.make && !q.model && !q.lens &&
         !q.focal_min && !q.focal_max && !q.f_number_min && !q.f_number_max &&
         !q.iso_min && !q.iso_max && !(q.gps && *q.gps);
}

// Which rows a statement reads: those with metadata (by capture time), or
// those without (by id).
enum class Part { kRead, kUnread };

// The search statement: ids, sort keys and what the pair check needs, in
// the search order, after the cursor (when `cursor`), at most ?1.
std::string SearchSql(const SearchFilter& q, TextPlan text, Part part,
                      bool cursor, bool count) {
  std::string sql =
      count ? "SELECT count(*)"
            : "SELECT f.id, ifnull(m.taken, ''), m.taken, f.root_id, "
              "f.rel, f.kind";
  // CROSS JOIN: the text matches drive, then their rows are sorted.
  const std::string matches =
      text == TextPlan::kFromMatches
          ? std::string(" FROM (") + kTextMatches + ") hit CROSS JOIN "
          : " FROM ";
  if (part == Part::kUnread) {
    sql += matches + "files f" +
           (text == TextPlan::kFromMatches ? " ON f.id = hit.id" : "") +
           " LEFT JOIN metadata m ON m.file_id = f.id";
  } else {
    sql += matches + "metadata m" +
           (text == TextPlan::kFromMatches ? " ON m.file_id = hit.id" : "") +
           " JOIN files f ON f.id = m.file_id";
  }
  if (q.rating_min || q.rating_max || q.label) {
    // The sidecar MergeSidecar merges (the longest name), as FileRowSelect.
    sql +=
        " LEFT JOIN files s ON s.id = (SELECT s2.id FROM files s2 "
        "  WHERE s2.sidecar_of = f.id AND s2.present = 1 "
        "  ORDER BY length(s2.rel) DESC, s2.rel LIMIT 1) "
        "LEFT JOIN metadata sm ON sm.file_id = s.id";
  }
  sql += " WHERE" + FilterConditions(q);
  if (text == TextPlan::kProbeEach) {
    // Unary +: the matches (read once per statement into a temporary
    // set) are a filter here, never the driving index. Asking FTS5 per
    // row by rowid instead was measured 100 times slower.
    sql += std::string(" AND +f.id IN (") + kTextMatches + ")";
  }
  if (part == Part::kUnread) {
    sql += " AND m.file_id IS NULL";
    if (cursor) sql += " AND f.id < ?3";
    return count ? sql : sql + " ORDER BY f.id DESC LIMIT ?1";
  }
  if (cursor) {
    sql +=
        " AND ifnull(m.taken, '') <= ?2"
        " AND (ifnull(m.taken, '') < ?2 OR m.file_id < ?3)";
  }
  if (count) return sql;
  return sql + " ORDER BY ifnull(m.taken, '') DESC, m.file_id DESC LIMIT ?1";
}

void BindFilter(Stmt& s, const SearchFilter& q, const std::string& match) {
  auto text = [&](Param p, const std::optional<std::string>& v) {
    if (v) s.BindText(p, *v);
  };
  auto real = [&](Param p, const std::optional<double>& v) {
    if (v) s.BindDouble(p, *v);
  };
  auto integer = [&](Param p, const std::optional<int64_t>& v) {
    if (v) s.Bind(p, *v);
  };
  text(kTakenFrom, q.taken_from);
  text(kTakenBefore, q.taken_before);
  text(kMake, q.make);
  text(kModel, q.model);
  text(kLens, q.lens);
  text(kLabel, q.label);
  real(kFocalMin, q.focal_min);
  real(kFocalMax, q.focal_max);
  real(kFNumberMin, q.f_number_min);
  real(kFNumberMax, q.f_number_max);
  integer(kIsoMin, q.iso_min);
  integer(kIsoMax, q.iso_max);
  if (q.rating_min) s.Bind(kRatingMin, *q.rating_min);
  if (q.rating_max) s.Bind(kRatingMax, *q.rating_max);
  if (q.kind) s.BindText(kKind, MediaKindName(*q.kind));
  if (q.root) s.Bind(kRoot, q.root->value);
  if (q.root && !q.folder.empty()) {
    // 'a/b/' <= rel < 'a/b0': below the folder ('0' follows '/').
    s.BindBlob(kFolderLow, q.folder + "/").BindBlob(kFolderHigh, q.folder + "0");
  }
  if (!match.empty()) s.BindText(kMatch, match);
}

}  // namespace

Result<SearchIdPage> SqliteCatalog::SearchFileIds(const SearchFilter& q,
                                                  const SearchCursor& after,
                                                  size_t limit) {
  PHODEX_CHECK(limit > 0);
  PHODEX_CHECK(q.folder.empty() || q.root.has_value());
  const std::string match = MatchExpression(q.words);
  SearchIdPage page;
  if (!q.words.empty() && match.empty()) return page;  // nothing searchable
  TextPlan text = TextPlan::kNone;
  if (!match.empty()) {
    PHODEX_ASSIGN_OR_RETURN(
        Stmt probe,
        Stmt::Prepare(db_, "SELECT count(*) FROM (SELECT 1 FROM file_text "
                           "WHERE file_text MATCH ?1 LIMIT ?2)"));
    probe.BindText(1, match).Bind(2, kFewTextMatches + 1);
    PHODEX_ASSIGN_OR_RETURN(bool row, probe.Step());
    text = row && probe.Int(0) <= kFewTextMatches ? TextPlan::kFromMatches
                                                  : TextPlan::kProbeEach;
  }
  SearchCursor at = after;
  // The pair check is not SQL (FindCapturePartner): candidates are read in
  // chunks and checked until the page is full or they run out.
  const int64_t chunk = static_cast<int64_t>(limit) + 1 +
                        (q.pair ? static_cast<int64_t>(limit) : 0);
  Stmt* partners = nullptr;
  if (q.pair) {
    PHODEX_ASSIGN_OR_RETURN(partners, Cached(kCapturePartnersSql));
  }
  for (;;) {
    const Part part = at.unread ? Part::kUnread : Part::kRead;
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s,
        Stmt::Prepare(db_, SearchSql(q, text, part, !at.at_start, false)));
    BindFilter(s, q, match);
    s.Bind(kLimit, chunk);
    if (!at.at_start) {
      s.BindText(kCursorTaken, at.taken).Bind(kCursorId, at.id.value);
    }
    std::vector<FileRow> candidates;
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      FileRow& r = candidates.emplace_back();
      r.id = FileId{s.Int(0)};
      r.root = RootId{s.Int(3)};
      r.rel = s.Blob(4);
      r.kind = ParseMediaKind(s.Blob(5)).value_or(MediaKind::kOther);
      r.metadata.emplace();
      if (!s.IsNull(2)) r.metadata->taken = s.Blob(2);
    }
    s.Reset();
    for (const FileRow& r : candidates) {
      if (q.pair) {
        PHODEX_ASSIGN_OR_RETURN(std::optional<FileId> partner,
                                FindCapturePartner(*partners, r));
        if (partner.has_value() != *q.pair) continue;
      }
      if (page.hits.size() == limit) {
        const SearchHit& last = page.hits.back();
        page.next = SearchCursor{false, last.taken, last.id, last.unread};
        return page;
      }
      page.hits.push_back({r.id, r.metadata->taken.value_or(""), at.unread});
    }
    if (static_cast<int64_t>(candidates.size()) == chunk) {
      const FileRow& last = candidates.back();
      at = SearchCursor{false, last.metadata->taken.value_or(""), last.id,
                        at.unread};
    } else if (!at.unread && UnreadCanMatch(q)) {
      at = SearchCursor{true, "", FileId{0}, true};  // the unread, from the top
    } else {
      return page;
    }
  }
}

Result<SearchPage> SqliteCatalog::SearchFiles(const SearchFilter& q,
                                              const SearchCursor& after,
                                              size_t limit) {
  PHODEX_ASSIGN_OR_RETURN(SearchIdPage ids, SearchFileIds(q, after, limit));
  SearchPage page;
  page.next = std::move(ids.next);
  PHODEX_ASSIGN_OR_RETURN(Stmt * partners, Cached(kCapturePartnersSql));
  for (const SearchHit& hit : ids.hits) {
    PHODEX_ASSIGN_OR_RETURN(std::optional<FileRow> row, GetFile(hit.id));
    if (!row) continue;  // deleted between the two reads
    PHODEX_ASSIGN_OR_RETURN(row->pair, FindCapturePartner(*partners, *row));
    page.rows.push_back(std::move(*row));
  }
  return page;
}

Result<int64_t> SqliteCatalog::CountSearch(const SearchFilter& q) {
  if (q.pair) {
    // The pair check is not SQL: count the pages.
    int64_t n = 0;
    SearchCursor at;
    for (;;) {
      PHODEX_ASSIGN_OR_RETURN(SearchIdPage page,
                              SearchFileIds(q, at, FileQueries::kFilePage));
      n += static_cast<int64_t>(page.hits.size());
      if (!page.next) return n;
      at = *page.next;
    }
  }
  const std::string match = MatchExpression(q.words);
  if (!q.words.empty() && match.empty()) return 0;
  const TextPlan text =
      match.empty() ? TextPlan::kNone : TextPlan::kFromMatches;
  int64_t n = 0;
  for (Part part : {Part::kRead, Part::kUnread}) {
    if (part == Part::kUnread && !UnreadCanMatch(q)) break;
    PHODEX_ASSIGN_OR_RETURN(
        Stmt s, Stmt::Prepare(db_, SearchSql(q, text, part, false, true)));
    BindFilter(s, q, match);
    PHODEX_ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) n += s.Int(0);
  }
  return n;
}

std::string SearchSqlForTesting(const SearchFilter& q, bool few_matches) {
  const TextPlan text = q.words.empty() ? TextPlan::kNone
                        : few_matches   ? TextPlan::kFromMatches
                                        : TextPlan::kProbeEach;
  return SearchSql(q, text, Part::kRead, true, false);
}

}  // namespace phodex::catalog::sqlite
