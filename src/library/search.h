#pragma once
// Search: the files that match a query (capture time, camera, exposure,
// rating, reject, label, favorite, kind, RAW+JPEG pairs, GPS, root and
// folder, words), newest capture first, paged by an opaque cursor; their
// count; and every matching id, for bulk actions that take "all files
// matching this query". The API's search resource (docs/api.md, "Search")
// and the bulk targets of the ratings and duplicates routes call these;
// server/search_params.h parses a query from parameters or JSON.
// The catalog's part and the order: catalog/file_search.h.
//
// Free functions over a Library; thread-compatible like it.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/media_kind.h"
#include "core/types.h"
#include "library/config.h"

namespace phodex::library {

class Library;

// A search as the API states it (the same keys as its parameters,
// docs/api.md "Search"). Every set field must hold. Valid values only
// (server/search_params.h checks what a client sends); an empty query
// matches every present photo, RAW file and video.
struct SearchQuery {
  // Capture time, inclusive at the precision given: "2021-02-13" (the whole
  // day) or "2021-02-13T19:29" / "...T19:29:01" / "...T19:29:01.5" (the
  // camera's wall-clock time; an offset a client sent is dropped, as most
  // cameras record none).
  std::optional<std::string> from;
  std::optional<std::string> to;
  // Equal, ignoring ASCII case.
  std::optional<std::string> make;
  std::optional<std::string> model;
  std::optional<std::string> lens;
  std::optional<std::string> label;  // color label text ("Red")
  std::optional<double> focal_min, focal_max;  // mm
  std::optional<int64_t> iso_min, iso_max;
  std::optional<double> aperture_min, aperture_max;  // f-number
  // 0..5: rated at least this (unrated counts as 0, rejected as -1).
  std::optional<int> rating_min;
  // true: only rejected (rating -1); false: none rejected.
  std::optional<bool> rejected;
  // true: rating >= the settings' [ratings] favorite (what `phodex fav`
  // sets); false: below it.
  std::optional<bool> favorite;
  std::optional<MediaKind> kind;  // photo, raw or video; null: all three
  std::optional<bool> pair;       // has a RAW+JPEG capture partner
  std::optional<bool> gps;        // has a GPS position
  std::optional<RootId> root;
  // A folder of `root`, rel form ("2021/paris"), matched at '/'
  // boundaries; "" the whole root. REQUIRES: root set when not empty.
  std::string folder;
  // Words (split at white space), each to be found in the file's name or
  // folders, keywords, title or description; the last as a prefix.
  std::string text;

  friend bool operator==(const SearchQuery&, const SearchQuery&) = default;
};

// The query as JSON: the keys of docs/api.md, unset ones left out.
nlohmann::ordered_json SearchQueryToJson(const SearchQuery& query);

// What the catalog matches for `query` under `config`'s favorite rating.
// kInvalidArgument when the query cannot hold (folder without root).
Result<catalog::SearchFilter> ToSearchFilter(const SearchQuery& query,
                                             const Config& config);

inline constexpr size_t kSearchDefaultLimit = 100;
inline constexpr size_t kSearchMaxLimit = 1000;

// The cursor as the API shows it (hex of a versioned key), and back:
// kInvalidArgument for anything Encode did not make. A valid cursor of
// another query is only a position: that query's rows after it.
std::string EncodeSearchCursor(const catalog::SearchCursor& cursor);
Result<catalog::SearchCursor> DecodeSearchCursor(std::string_view text);

struct SearchResult {
  std::vector<catalog::FileRow> rows;  // with FileRow::pair
  std::string next;                    // "" after the last page
};

// One page: up to `limit` files after `cursor` ("" from the start).
// REQUIRES: 0 < limit <= kSearchMaxLimit.
Result<SearchResult> Search(Library& lib, const SearchQuery& query,
                            std::string_view cursor, size_t limit);
// {"files": [FileToJson...], "next": cursor or null}.
nlohmann::ordered_json SearchResultToJson(const SearchResult& result,
                                          const std::string& thumbs_key);

// How many files match (reads every match: its cost grows with the count;
// docs/api.md gives figures).
Result<int64_t> CountMatches(Library& lib, const SearchQuery& query);

// Calls `fn` with every matching id, in the search order, kFilePage ids at
// a time (bounded memory; no read is open while `fn` runs). A file
// written during the walk is seen or not; none is seen twice. Stops at the
// first error `fn` returns, and returns it.
Status ForEachMatch(Library& lib, const SearchQuery& query,
                    const std::function<Status(const std::vector<FileId>&)>& fn);

}  // namespace phodex::library
