#pragma once
// Reading files back: one by id or by path, paged listings, totals and
// the size twins that exact duplicate detection starts from. Part of
// catalog::Catalog (catalog.h).
//
// Reads that feed long work are paged: a page is read whole and its read
// ended before it is returned, so no read (on PostgreSQL: no snapshot) is
// held open while the caller works. The ForEach helpers below loop over
// pages for callers that want every row.
//
// Thread-compatible.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

class FileQueries {
 public:
  virtual ~FileQueries() = default;

  // The file with this id, present or removed, as ListFiles would return
  // it (metadata, sidecar, pixels; no tags, no capture partner). Null when
  // there is no such row: a missing file is an answer, not an error; errors
  // are failures of the storage.
  virtual Result<std::optional<FileRow>> GetFile(FileId id) = 0;
  // The file at `rel` in `root`, present or removed, or null. Like GetFile.
  virtual Result<std::optional<FileRow>> FindFile(RootId root,
                                                  const std::string& rel) = 0;

  // Up to `limit` rows that match `query` (its `limit` is ignored here),
  // ordered by (root id, rel), after `after` (a default cursor: from the
  // start). FilePage::next says where the next page starts, null after
  // the last. REQUIRES: limit > 0.
  virtual Result<FilePage> ListFiles(const FileQuery& query,
                                     const FileCursor& after,
                                     size_t limit) = 0;
  // Calls `fn` for every row ListFiles lists, in that order, at most
  // query.limit of them, reading pages of kFilePage rows: no read is open
  // while `fn` runs.
  Status ForEachFile(const FileQuery& query,
                     const std::function<void(const FileRow&)>& fn);
  static constexpr size_t kFilePage = 1000;

  // Counts by kind and root, and the number of file errors recorded.
  virtual Result<CatalogStats> Stats() = 0;

  // Present, non-empty files whose size another present file shares: the
  // whole size groups of up to `max_sizes` sizes greater than `after_size`
  // (0: from the smallest), ordered by size, then id. The next page starts
  // after the last size returned; an empty page is the end. A page always
  // holds whole groups, so it may hold more than `max_sizes` rows.
  virtual Result<std::vector<SizeTwin>> ListSizeTwins(int64_t after_size,
                                                      size_t max_sizes) = 0;
  // Calls `fn` for every size twin, ordered by size, reading kSizeTwinPage
  // sizes at a time: no read is open while `fn` runs.
  Status ForEachSizeTwin(const std::function<void(SizeTwin&&)>& fn);
  static constexpr size_t kSizeTwinPage = 256;
};

}  // namespace phodex::catalog
