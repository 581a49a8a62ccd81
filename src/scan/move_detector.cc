#include "scan/move_detector.h"

#include <set>

#include "media/hasher.h"
#include "util/metrics.h"

namespace phodex::scan {

Result<MoveReport> ResolveMoves(catalog::Catalog& catalog, os::FileSystem& fs,
                                const catalog::MoveSearch& search) {
  PHODEX_METRIC_RECORD("scan.moves");
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::MoveCandidate> candidates,
                          catalog.FindMoveCandidatesAmong(search));
  MoveReport report;
  std::set<int64_t> taken;  // removed ids already matched
  size_t i = 0;
  while (i < candidates.size()) {
    // Candidates of one new file are adjacent.
    size_t end = i;
    while (end < candidates.size() &&
           candidates[end].new_id == candidates[i].new_id) {
      ++end;
    }
    // Where a removed file's full hash is known, hash the new file in full
    // (once): a confirmed match beats any unconfirmed one, and a mismatch
    // rules that candidate out.
    std::optional<ContentHash> new_hash;
    bool any_full = false;
    for (size_t k = i; k < end; ++k) {
      any_full |= candidates[k].removed_hash.has_value() &&
                  !taken.count(candidates[k].removed_id.value);
    }
    if (any_full) {
      const std::string abs = os::JoinPath(candidates[i].new_root_path,
                                           candidates[i].new_rel);
      auto file = fs.OpenForRead(abs, os::AccessPattern::kSequential);
      auto h = file ? media::HashWholeFile(**file, media::WithSha256::kNo)
                    : std::unexpected(file.error());
      if (!h) {
        report.errors.push_back({abs, h.error().op(), h.error().message()});
        i = end;
        continue;
      }
      new_hash = h->xxh128;
    }
    // Rank: confirmed by full hash, then unconfirmed; within each, the same
    // file name first, then the catalog's order (most recently removed).
    const catalog::MoveCandidate* best = nullptr;
    int best_rank = 99;
    for (size_t k = i; k < end; ++k) {
      const catalog::MoveCandidate& c = candidates[k];
      if (taken.count(c.removed_id.value)) continue;
      int rank;
      if (c.removed_hash) {
        if (*c.removed_hash != *new_hash) continue;  // another file
        rank = 0;
      } else {
        rank = 2;
      }
      if (os::BaseName(c.removed_rel) != os::BaseName(c.new_rel)) ++rank;
      if (rank < best_rank) {
        best = &c;
        best_rank = rank;
      }
    }
    if (best != nullptr) {
      PHODEX_TRY(catalog.ApplyMove(best->removed_id, best->new_id, new_hash));
      taken.insert(best->removed_id.value);
      ++report.moved;
      if (best->removed_by_scan) ++report.removed_by_this_scan;
      if (best->added_by_scan) ++report.added_by_this_scan;
    }
    i = end;
  }
  return report;
}

}  // namespace phodex::scan
