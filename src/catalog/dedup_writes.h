#pragma once
// What `phodex dupes --apply` changes in the catalog, one action at a
// time (dedup/action_recorder.h): its own write set, not a scan batch.
// Part of catalog::Catalog (catalog.h).
//
// Thread-compatible.

#include <cstdint>
#include <optional>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

// One recorded action. Everything set is applied in one transaction;
// applying the same write twice changes nothing more (journal recovery
// replays it).
struct DedupWrite {
  RootId root;       // the victim's root
  OperationId op;    // the dupes operation (0: none)
  int64_t now_ns = 0;
  // A victim deleted or moved away: marked removed (never deleted), last
  // seen now, with its root's current scan generation (0 for a removed
  // root), as if its last scan had found it gone. Nothing when the row is
  // not present.
  std::optional<FileId> removed;
  // A victim replaced by a hard link: the row takes the link's stat (size,
  // mtime, dev, inode), last seen now, present, with the root's current
  // scan generation. Its hashes are kept (the bytes are the same, compared
  // just before linking); its metadata goes when size, mtime or inode
  // changed (rule 2 of scan_store.h); its content version is kept if it
  // was present, else 0 (read again by the next scan).
  struct Relinked {
    FileId id;
    FileStat stat;
  };
  std::optional<Relinked> relinked;
  // Why the action was not done (a file_errors row of `op`; REQUIRES:
  // op != 0).
  std::optional<FileErrorEntry> problem;
  // The operation's running totals, written when op != 0.
  OperationCounts counts;
};

class DedupWrites {
 public:
  virtual ~DedupWrites() = default;
  virtual Status ApplyDedupWrite(const DedupWrite& write) = 0;
};

}  // namespace phodex::catalog
