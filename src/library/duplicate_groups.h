#pragma once
// The HTTP API's exact duplicates (docs/api.md, "Duplicates"): the groups
// the catalog already knows, i.e. present files that share a full hash,
// read along the catalog's hash index (catalog/duplicate_queries.h). No
// file is read here: unlike `phodex dupes` (library/dupes.h), which hashes
// the size twins it needs, these answer in milliseconds at a million files
// and say how many size twins still wait for their full hash
// (`phodex serve`'s full_hash and pixels jobs compute them). Plans are made
// with the CLI's rules (dedup::PlanActions, the --keep rules) and carried
// out by DupesApplyPlan (library/dupes.h) with every safety of
// `dupes --apply`. The JSON reuses library/group_output.h's and
// library/file_output.h's mappings.
//
// Thread-compatible: one thread calls, with one Library.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/content_hash.h"
#include "core/error.h"
#include "dedup/action_plan.h"
#include "dedup/duplicate_actions.h"
#include "dedup/exact_duplicates.h"
#include "library/dupes.h"
#include "library/library.h"
#include "library/similar.h"

namespace phodex::library {

// Index entries of the catalog's hash index one page reads at most (a
// few milliseconds); a page of a catalog whose duplicates are rare may
// hold fewer groups than asked for, even none, and still not be the last.
inline constexpr size_t kKnownGroupsScan = 20000;
// Files of one group listed (and planned) at most, the lowest ids.
inline constexpr size_t kKnownGroupMaxFiles = 1000;

// One group of exact copies the catalog knows.
struct KnownGroup {
  // As dupes finds it: files sorted by path, distinct inodes, wasted (plus
  // the size of each file past kKnownGroupMaxFiles, counted distinct).
  dedup::DuplicateGroup group;
  std::vector<catalog::FileRow> rows;  // group.files' rows, in that order
  int64_t files = 0;  // present files with this hash (may exceed rows)
};

struct KnownGroupsPage {
  std::vector<KnownGroup> groups;    // in hash order
  std::vector<catalog::Root> roots;  // for KnownGroupToJson
  std::string thumbs_key;            // the thumbnail cache's, for it too
  // Where the next page starts (after this hash); null after the last.
  std::optional<ContentHash> next;
};

// Up to `limit` groups after the hash `after` (null: from the first), one
// bounded step along the hash index (kKnownGroupsScan). Hashes shared only
// by hard links of one file, or by empty files, are no group.
// REQUIRES: limit > 0.
Result<KnownGroupsPage> ListKnownDuplicates(
    Library& lib, const std::optional<ContentHash>& after, size_t limit);

// The catalog's CountUnhashedSizeTwins (catalog/duplicate_queries.h): a
// scan of the size index, to be kept a while by the caller.
Result<int64_t> CountUnhashedSizeTwins(Library& lib);

// Bounds of one plan: an apply runs in one request and reads every copy
// it acts on, and its kept copy, in full.
inline constexpr int64_t kPlanMaxActions = 1000;
inline constexpr int64_t kPlanMaxBytes = int64_t{4} << 30;  // acted on
inline constexpr size_t kPlanMaxGroups = 1000;

struct KnownPlanRequest {
  // The groups by hash (at most kPlanMaxGroups), or every group the catalog
  // knows, from after `after` on (the `next` of an earlier plan).
  std::vector<ContentHash> hashes;
  enum class Scope { kHashes, kAll } scope = Scope::kHashes;
  std::optional<ContentHash> after;
  // kHardLink, kDelete or kMoveTo (its folder as dupes.h's DupesRequest
  // wants it), and the keep rule.
  dedup::ActionOptions action;
};

struct KnownPlan {
  dedup::ActionPlan plan;
  dedup::ActionOptions action;  // the request's
  std::string keep;             // the keep rule as the client wrote it
  // Groups left out because the plan reached a bound: true when there are.
  bool truncated = false;
  // kAll: where a plan of the rest starts (null: every group is in).
  std::optional<ContentHash> next;
  // Requested hashes that are no group (anymore).
  std::vector<ContentHash> not_groups;
};

// The action and keep rule of an API plan: "hardlink" or "delete", and a
// --keep rule ("" is "oldest"). kInvalidArgument naming what is accepted;
// "move-to" is refused: its folder would be a path sent by a client.
Result<dedup::ActionOptions> ParseApiAction(std::string_view action,
                                            std::string_view keep);

// Plans `request.action` for the groups, within the bounds above. Reads the
// catalog only; changes nothing. Errors: kInvalidArgument for kReport, a
// root:NAME that names no root, a bad move-to folder, more than
// kPlanMaxGroups hashes; the catalog's.
Result<KnownPlan> PlanKnownDuplicates(Library& lib,
                                      const KnownPlanRequest& request);

// --- JSON --------------------------------------------------------------------

// A group: DuplicateGroupToJson's fields ("size", "hash", "paths",
// "wasted", "hardlinks"), then "count" (present files with the hash),
// "files_truncated", and "files": FileToJson of each (`thumbs_key` as
// there) with "holder": {"root_id", "root", "dev", "volume": {"uuid",
// "type"} or null}, where the copy lives (the root's recorded identity).
nlohmann::ordered_json KnownGroupToJson(const KnownGroup& g,
                                        const std::vector<catalog::Root>& roots,
                                        const std::string& thumbs_key);

// Every path of a plan (or of its application, `applied` set): the CLI's
// PlannedPathToJson of each, with "file_id".
nlohmann::ordered_json PlanPathsToJson(const dedup::ActionPlan& plan,
                                       const dedup::ApplyReport* applied);

// A similar group of the API: SimilarGroupToJson's fields ("paths",
// "max_distance"), then "files": FileToJson of each.
nlohmann::ordered_json SimilarRowsGroupToJson(const SimilarRowsGroup& g,
                                              const std::string& thumbs_key);

// An ApplyReport's counts: {"deleted", "linked", "moved", "skipped",
// "skip_reasons", "failed", "bytes_freed", "bytes_moved", "interrupted"}.
nlohmann::ordered_json ApplyCountsToJson(const dedup::ApplyReport& r);

// A plan (docs/api.md, "Plans and apply"): {"action", "keep", "truncated",
// "next_cursor", "not_groups", "summary", "operation_id", "result",
// "paths"}; `applied` (null before) adds what happened.
nlohmann::ordered_json KnownPlanToJson(const KnownPlan& plan,
                                       const DupesApplied* applied);

// A DupesSink that counts what the journal settled and ignores the rest
// (an apply reads no file it cannot read).
class SettledCounter final : public DupesSink {
 public:
  void JournalSettled(const dedup::RecoveredAction&) override { ++settled_; }
  void Unreadable(const std::string&) override {}
  int64_t settled() const { return settled_; }

 private:
  int64_t settled_ = 0;
};

}  // namespace phodex::library
