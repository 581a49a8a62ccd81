#pragma once
// Search: the present photos, RAW files and videos that match a filter
// (capture time, camera, exposure, rating, label, kind, pairs, GPS, place
// and words), newest capture first, paged by keyset. Part of
// catalog::Catalog (catalog.h); the API's search resource (docs/api.md,
// "Search") and its bulk targets read it through library/search.h.
//
// Order: by the capture time the file's own metadata gives (`taken`, the
// camera's wall-clock text, compared as text: "2021-02-13T19:29:01..."),
// newest first, then by id, highest first; then files without a capture
// time, by id; last the files whose metadata was never read (or could not
// be read at all), by id. A page goes
// on exactly after the last row of the previous one (SearchCursor), so
// rows that stay are never repeated or skipped while others are written.
//
// Which values count, where a file and its XMP sidecar differ: rating and
// label are the merged ones (the sidecar's wins, as FileRow::metadata);
// words match the file's own rel, keywords, title and description or those
// of any of its present sidecars; the other fields are the file's own.
// docs/catalog.md (v10) says which indexes serve which filter.
//
// Thread-compatible.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

// What to match: every set field must hold (AND). Values are taken as
// given; library/search.h validates what a user sends.
struct SearchFilter {
  // Capture time as text: taken >= taken_from and taken < taken_before
  // (the caller turns an inclusive end into an exclusive bound).
  std::optional<std::string> taken_from;
  std::optional<std::string> taken_before;
  // Equal, ignoring ASCII case.
  std::optional<std::string> make;
  std::optional<std::string> model;
  std::optional<std::string> lens;
  std::optional<std::string> label;  // merged with the sidecar's
  // Inclusive ranges; a file without the value does not match.
  std::optional<double> focal_min, focal_max;      // mm
  std::optional<double> f_number_min, f_number_max;
  std::optional<int64_t> iso_min, iso_max;
  // Inclusive range over the merged rating, an unrated file counting as 0
  // (-1 is rejected).
  std::optional<int> rating_min, rating_max;
  // null: photo, RAW and video.
  std::optional<MediaKind> kind;
  // true: only files with a capture partner (FileRow::pair: a RAW and its
  // JPEG); false: only files without.
  std::optional<bool> pair;
  std::optional<bool> gps;  // has a GPS position, or has none
  std::optional<RootId> root;
  // A folder of `root` (REQUIRES: root set): files at or below it. Rel
  // form, no leading or trailing '/'; "" is the whole root.
  std::string folder;
  // Every word must occur (the last one as a prefix) in the file's name,
  // its folders' names, keywords, title or description. A word is a plain
  // string, never query syntax: each backend quotes it into its own.
  // Words with nothing to search (no letter or digit) are dropped by the
  // backend; words but none searchable match nothing.
  std::vector<std::string> words;
};

// Where a search goes on: after the row with this sort key. Opaque to
// callers beyond encoding it (library/search.h).
struct SearchCursor {
  bool at_start = true;
  std::string taken;  // "" for the undated rows at the end
  FileId id;
  // In the last part: the files whose metadata was never read (no
  // metadata at all), by id.
  bool unread = false;
};

struct SearchHit {
  FileId id;
  std::string taken;  // "" when unknown
  bool unread = false;  // no metadata (SearchCursor::unread)
};

// One page of ids; `next` null after the last page.
struct SearchIdPage {
  std::vector<SearchHit> hits;
  std::optional<SearchCursor> next;
};

// One page of rows (as ListFiles reads them, with FileRow::pair found).
struct SearchPage {
  std::vector<FileRow> rows;
  std::optional<SearchCursor> next;
};

class FileSearch {
 public:
  virtual ~FileSearch() = default;

  // Up to `limit` matching ids after `after`, in the search order.
  // REQUIRES: limit > 0; filter.folder empty unless filter.root is set.
  virtual Result<SearchIdPage> SearchFileIds(const SearchFilter& filter,
                                             const SearchCursor& after,
                                             size_t limit) = 0;
  // The same page as full rows (metadata merged, pixels, pair).
  virtual Result<SearchPage> SearchFiles(const SearchFilter& filter,
                                         const SearchCursor& after,
                                         size_t limit) = 0;
  // How many files match. Reads every match (cost grows with the count).
  virtual Result<int64_t> CountSearch(const SearchFilter& filter) = 0;
};

}  // namespace phodex::catalog
