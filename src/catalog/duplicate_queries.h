#pragma once
// What the HTTP API's duplicate routes read (server/dupes_routes.cc via
// library/duplicate_groups.h): the exact duplicate groups the catalog
// already knows, i.e. present files that share a full hash, found along the
// files_hash index without reading a file. Part of catalog::Catalog
// (catalog.h). docs/api.md, "Duplicates", says how the API pages them.
//
// Thread-compatible.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "catalog/types.h"
#include "core/content_hash.h"
#include "core/error.h"

namespace phodex::catalog {

// A full hash that `files` present files share (2 or more).
struct SharedHash {
  ContentHash hash;
  int64_t files = 0;
};

// One bounded step along the full hashes of present files.
struct SharedHashPage {
  std::vector<SharedHash> hashes;  // in hash order
  // Where the next step starts (after this hash); null: the last step.
  // Every hash up to it was looked at, so a step may find no shared hash
  // and still not be the last.
  std::optional<ContentHash> next;
};

class DuplicateQueries {
 public:
  virtual ~DuplicateQueries() = default;

  // The full hashes shared by two or more present files, in hash order,
  // greater than `after` (null: from the smallest): at most `max_hashes` of
  // them, reading at most about `max_scan` entries of the hash index (so a
  // catalog whose duplicates are rare costs a bounded read per call; a hash
  // with more than `max_scan` files is counted whole). Hashes present at
  // the call are never skipped or repeated by following `next`, whatever
  // is written meanwhile. REQUIRES: max_hashes > 0, max_scan > 0.
  virtual Result<SharedHashPage> ListSharedHashes(
      const std::optional<ContentHash>& after, size_t max_hashes,
      size_t max_scan) = 0;

  // The present files whose full hash is `hash`, as ListFiles returns them
  // (no tags, no capture partner), ordered by id, at most `limit`.
  // REQUIRES: limit > 0.
  virtual Result<std::vector<FileRow>> ListFilesWithHash(
      const ContentHash& hash, size_t limit) = 0;

  // How many present, non-empty files have no full hash while another
  // present file has their size: the reading exact duplicates still need
  // (`phodex dupes` reads them; `phodex serve`'s full_hash and pixels jobs
  // hash them in the background). Reads the whole size index: call it
  // rarely (the API keeps the answer for a minute).
  virtual Result<int64_t> CountUnhashedSizeTwins() = 0;
};

}  // namespace phodex::catalog
