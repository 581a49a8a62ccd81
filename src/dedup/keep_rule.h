#pragma once
// Which copies of a duplicate group are kept (`phodex dupes --keep`, see
// docs/cli.md). Every group keeps at least one copy, the primary keeper:
// the copy the others are checked against, linked to or replaced by. Paths
// that are hard links of a kept copy are kept with it (they waste nothing).
//
//   oldest          the copy with the smallest mtime (the default)
//   newest          the largest mtime
//   shortest-path   the shortest absolute path
//   root:NAME       the oldest copy in root NAME; no copy there: group skipped
//   path-glob:G     every copy matching G (util::GlobMatch against the
//                   absolute path; a G without '/' against the file name);
//                   the oldest of them is the primary; none: group skipped
//
// Ties are broken by mtime (oldest first), then the shorter path, then the
// byte-wise smaller path, so a choice is always the same for the same group.
//
// Pure functions; thread-safe.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "dedup/exact_duplicates.h"

namespace phodex::dedup {

struct KeepRule {
  enum class Kind { kOldest, kNewest, kShortestPath, kRoot, kPathGlob };
  Kind kind = Kind::kOldest;
  std::string arg;  // the root name or glob
};

// Parses "oldest", "newest", "shortest-path", "root:NAME", "path-glob:G".
// kInvalidArgument names what is accepted.
Result<KeepRule> ParseKeepRule(std::string_view text);

// The copies `rule` keeps in `group`: indexes into group.files, the primary
// keeper first; empty when the rule finds no copy to keep (the group is
// then left alone, `why_none` says why). `root_name_of` maps a file's
// root_path to its root name (for root:NAME).
struct KeptCopies {
  std::vector<size_t> kept;  // primary first
  std::string why_none;      // set when `kept` is empty
};
KeptCopies ChooseKept(
    const DuplicateGroup& group, const KeepRule& rule,
    const std::function<std::string(const std::string&)>& root_name_of);

}  // namespace phodex::dedup
