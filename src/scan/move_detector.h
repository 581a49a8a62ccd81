#pragma once
// Follows moves and renames. After a scan session, each present file is
// paired with a removed file (any root, this scan or an earlier one) of the
// same size and quick hash, provided it was first seen after the removed
// file was last seen: a copy that existed beside the original is never
// taken for it. Where the removed file has a full hash, the present file
// is hashed in full and must match. The removed file then takes the
// present file's place and keeps its id, so everything attached to it
// (ratings, favorites, history) follows the move. One file takes at most
// one other. A removed file whose full hash matches wins, then one with
// the same name, then the most recently removed.
//
// Thread-compatible (runs on the pipeline's thread after the walk).

#include <vector>

#include "catalog/catalog.h"
#include "os/file_system.h"

namespace phodex::scan {

struct MoveReport {
  int64_t moved = 0;
  // Moves whose halves this scan counted as added or removed: they are a
  // move, not one file removed and one new.
  int64_t added_by_this_scan = 0;
  int64_t removed_by_this_scan = 0;
  std::vector<catalog::FileErrorEntry> errors;
};

// Follows the moves among what one scan session did (`search`): its
// removed files paired with any present file, and any removed file paired
// with the files it wrote (Catalog::FindMoveCandidatesAmong); removed files
// of other roots and scans that neither side touched are left alone.
Result<MoveReport> ResolveMoves(catalog::Catalog& catalog, os::FileSystem& fs,
                                const catalog::MoveSearch& search);

}  // namespace phodex::scan
