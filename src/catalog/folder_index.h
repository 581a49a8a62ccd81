#pragma once
// The folders of a root as the catalog's rels describe them, and a number
// that tells a cache of such figures whether it is still true. Part of
// catalog::Catalog (catalog.h). The API's folder tree (library/folders.h)
// is built from TallyFolders once per ContentVersion and kept in memory:
// counting the files below a folder by its rels on every request would
// read a whole root for its top folders.
//
// Thread-compatible, like every catalog interface.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

// One folder that directly holds present media files (photos, RAWs,
// videos; not sidecars or other files).
struct FolderTally {
  std::string rel;    // the folder's rel in its root; "" = the root itself
  int64_t media = 0;  // present media files directly in it
  // Its newest captured photo or RAW (greatest metadata `taken`, then
  // greatest id), directly in it; null when none has a capture time.
  std::optional<FileId> cover;
  std::string cover_taken;  // that photo's `taken`; "" without a cover
};

class FolderIndex {
 public:
  virtual ~FolderIndex() = default;

  // A number that changes (in every connection, in every process) with
  // each committed write to roots, files or metadata: equal numbers mean
  // that nothing a folder tree, a root's counts or a file's listing shows
  // has changed in between. Not ordered; a new catalog starts from a
  // random number, so a figure cached for another catalog never matches.
  // Cheap (one row). A cache must read it BEFORE the figures it keys.
  virtual Result<int64_t> ContentVersion() = 0;

  // Every folder of `root` that directly holds present media files, in
  // rel order (byte order), with its tally: one pass over the files (on
  // SQLite the whole table, front to back: about 0.3 s of CPU for a
  // million files), read whole before returning.
  virtual Result<std::vector<FolderTally>> TallyFolders(RootId root) = 0;
};

}  // namespace phodex::catalog
