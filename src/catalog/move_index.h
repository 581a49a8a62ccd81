#pragma once
// Moves: a removed file and a present file that are probably the same
// file, moved (docs/catalog.md, "Moves"). Part of catalog::Catalog
// (catalog.h).
//
// Thread-compatible.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "catalog/types.h"
#include "core/error.h"

namespace phodex::catalog {

class MoveIndex {
 public:
  virtual ~MoveIndex() = default;

  // Every pair (removed file, present file) of equal non-zero size and
  // quick hash where the present file was first seen after the removed
  // one was last seen (so both never existed side by side: not a copy).
  // Any roots. Flags are relative to the scan (`root`, `gen`) asking.
  // Ordered by present file, then most recently removed first.
  virtual Result<std::vector<MoveCandidate>> FindMoveCandidates(
      RootId root, int64_t gen) = 0;
  // FindMoveCandidates restricted to what one scan session (`root`, `gen`,
  // scan/scan_session.h) just did: the pairs whose removed file is one of
  // `removed` or whose present file is one the session wrote, so a watcher
  // reconciling one folder never pairs unrelated files of other roots.
  // Same flags and order. Cost bounded by the session's size: ids and rels
  // go in chunks through the primary key, the (root_id, rel) index and the
  // quick-hash indexes.
  virtual Result<std::vector<MoveCandidate>> FindMoveCandidatesAmong(
      const MoveSearch& search) = 0;
  // How many of the present files `ids` (a scan did not find them) have a
  // present file elsewhere (any root) of the same non-zero size and quick
  // hash, first seen after `last_seen_ns`: the files FindMoveCandidates
  // would pair once they are marked removed with that last_seen. An
  // estimate (the full hash is not compared) for the removal limit.
  virtual Result<int64_t> CountLikelyMoves(const std::vector<FileId>& ids,
                                           int64_t last_seen_ns) = 0;
  // The removed file takes over the new file's place (root, path, stat,
  // hashes, metadata) and is present again, keeping its id and everything
  // attached to it (sidecars linked to the new file follow); the new
  // file's row is dropped. `confirmed_hash` (if any) becomes its hash. One
  // transaction; kNotFound when either row is not as described.
  virtual Status ApplyMove(FileId removed_id, FileId new_id,
                           std::optional<ContentHash> confirmed_hash) = 0;
  // Folder `from` of `root` was renamed to `to` (the watcher saw both
  // sides): every row at or below `from` (whole components, byte-exact),
  // present or removed, moves under `to` keeping its id and everything
  // attached to it (hashes, metadata, sidecar links). One transaction;
  // returns how many rows moved. Nothing changes and kAlreadyExists is
  // returned when a present file already lies at or below `to`. A removed
  // row at a rel that a moved row takes is dropped (its history is
  // superseded by the file there now); other removed rows under `to` stay
  // (docs/catalog.md, "Folder renames"). REQUIRES: `from` and `to`
  // non-empty, neither inside the other (else kInvalidArgument).
  virtual Result<int64_t> RenameFolder(RootId root, std::string_view from,
                                       std::string_view to) = 0;
};

}  // namespace phodex::catalog
