#pragma once
// The JSON of duplicate and similar groups, written here once for the
// CLI's `dupes --json` and `similar --json` and the coming HTTP API, so
// that they cannot drift. The field names are a stable interface
// (docs/cli.md, "dupes --json", "similar"): later issues add fields,
// never rename them. Paths are escaped (util::EscapeBytes), so the JSON
// is always valid UTF-8. Thread-compatible; pure functions.

#include <nlohmann/json.hpp>

#include "dedup/duplicate_actions.h"
#include "dedup/exact_duplicates.h"
#include "library/similar.h"

namespace phodex::library {

// A group of exact copies (`dupes --json`):
// {"size", "hash", "paths", "wasted", "hardlinks"}, "hardlinks" the sets
// of paths that share one inode (no space wasted among them).
nlohmann::ordered_json DuplicateGroupToJson(const dedup::DuplicateGroup& g);

// One path of a planned or applied group (`dupes --action ... --json`):
// {"group" (1-based), "action" ("keep" for a kept copy), "path", "keeper",
// "target", "size", "hash", "frees", "status", "reason"}, null where a
// field does not apply. `g` is the group `p` belongs to.
nlohmann::ordered_json PlannedPathToJson(const dedup::PlannedGroup& g,
                                         const dedup::PathStatus& p);

// A group of similar photos (`similar --json`): {"paths", "max_distance"}.
nlohmann::ordered_json SimilarGroupToJson(const SimilarPhotoGroup& g);

}  // namespace phodex::library
