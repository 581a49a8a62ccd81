#include "library/duplicate_groups.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "library/file_output.h"
#include "library/group_output.h"
#include "library/thumbs.h"

namespace phodex::library {
namespace {

using Json = nlohmann::ordered_json;

// The group of `rows` (present files with one hash), or null when they are
// no duplicates: empty, or all one inode.
std::optional<KnownGroup> MakeGroup(int64_t files,
                                    std::vector<catalog::FileRow> rows) {
  if (rows.empty() || rows.front().size <= 0) return std::nullopt;
  const int64_t size = rows.front().size;
  // One hash is one content, so one size; a row that says otherwise is not
  // trusted with a plan.
  std::erase_if(rows,
                [&](const catalog::FileRow& r) { return r.size != size; });
  std::vector<std::string> paths;
  for (const catalog::FileRow& r : rows) paths.push_back(AbsolutePath(r));
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return paths[a] < paths[b]; });
  KnownGroup g;
  g.files = std::max<int64_t>(files, static_cast<int64_t>(rows.size()));
  g.group.size = size;
  g.group.hash = *rows.front().hash;
  std::set<std::pair<uint64_t, uint64_t>> inodes;
  for (size_t i : order) {
    const catalog::FileRow& r = rows[i];
    g.group.files.push_back(
        {r.id, paths[i], r.root_path, r.rel, r.dev, r.ino, r.mtime});
    inodes.insert({r.dev, r.ino});
    g.rows.push_back(std::move(rows[i]));
  }
  if (inodes.size() < 2) return std::nullopt;
  g.group.distinct_inodes = static_cast<int64_t>(inodes.size());
  // Files past those listed are counted as distinct copies.
  g.group.wasted = size * (g.group.distinct_inodes - 1 +
                           (g.files - static_cast<int64_t>(g.rows.size())));
  return g;
}

Result<std::optional<KnownGroup>> LoadGroup(Library& lib,
                                            const ContentHash& hash,
                                            int64_t files) {
  PHODEX_ASSIGN_OR_RETURN(
      std::vector<catalog::FileRow> rows,
      lib.catalog().ListFilesWithHash(hash, kKnownGroupMaxFiles));
  return MakeGroup(files, std::move(rows));
}

Status CheckAction(Library& lib, const std::vector<catalog::Root>& roots,
                   const dedup::ActionOptions& action) {
  if (action.kind == dedup::ActionKind::kReport) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a plan needs an action: hardlink or delete");
  }
  if (action.kind == dedup::ActionKind::kMoveTo) {
    if (Status st = dedup::CheckMoveToFolder(lib.fs(), action.move_to, roots);
        !st) {
      return MakeError(ErrorCode::kInvalidArgument, st.error().message());
    }
  }
  if (action.keep.kind == dedup::KeepRule::Kind::kRoot &&
      std::none_of(roots.begin(), roots.end(), [&](const catalog::Root& r) {
        return r.name == action.keep.arg;
      })) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "keep: no root named '" + action.keep.arg + "'");
  }
  return {};
}

// Adds groups to a plan within the bounds of duplicate_groups.h.
class PlanBuilder {
 public:
  PlanBuilder(const std::vector<catalog::Root>& roots,
              const dedup::ActionOptions& action)
      : roots_(roots), action_(action) {}

  // Adds `g`'s plan, or as much of it as the bounds allow; false once a
  // bound is reached (the group may then be in the plan in part).
  bool Add(const KnownGroup& g) {
    if (plan_.groups.size() >= kPlanMaxGroups) return false;
    dedup::DuplicateReport one;
    one.groups.push_back(g.group);
    dedup::ActionPlan p = dedup::PlanActions(one, roots_, action_);
    dedup::PlannedGroup& group = p.groups.front();
    bool whole = true;
    size_t keep = 0;
    for (const dedup::PlannedAction& a : group.actions) {
      // The first action always fits, however large its file.
      if (a.skip.empty() && actions_ > 0 &&
          (actions_ + 1 > kPlanMaxActions || bytes_ + a.size > kPlanMaxBytes)) {
        whole = false;
        break;
      }
      if (a.skip.empty()) {
        ++actions_;
        bytes_ += a.size;
      }
      ++keep;
    }
    // Cut at the end: an inode whose last path was cut frees nothing, as
    // its other paths say (AssignFrees gave them 0). A group cut before
    // its first action is left for the next plan.
    group.actions.erase(group.actions.begin() + static_cast<ptrdiff_t>(keep),
                        group.actions.end());
    if (whole || keep > 0) Merge(std::move(group));
    return whole;
  }

  dedup::ActionPlan Take() { return std::move(plan_); }

 private:
  void Merge(dedup::PlannedGroup group) {
    if (!group.skip.empty()) ++plan_.groups_left_alone;
    for (const dedup::PlannedAction& a : group.actions) {
      ++(a.skip.empty() ? plan_.actions : plan_.skipped);
      if (a.skip.empty()) plan_.bytes_freed += a.frees;
    }
    plan_.groups.push_back(std::move(group));
  }

  const std::vector<catalog::Root>& roots_;
  const dedup::ActionOptions& action_;
  dedup::ActionPlan plan_;
  int64_t actions_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace

Result<KnownGroupsPage> ListKnownDuplicates(
    Library& lib, const std::optional<ContentHash>& after, size_t limit) {
  PHODEX_CHECK(limit > 0);
  PHODEX_ASSIGN_OR_RETURN(
      catalog::SharedHashPage shared,
      lib.catalog().ListSharedHashes(after, limit, kKnownGroupsScan));
  KnownGroupsPage page;
  page.next = shared.next;
  PHODEX_ASSIGN_OR_RETURN(page.roots, lib.catalog().ListRoots());
  page.thumbs_key = OpenThumbnailCache(lib)->settings_key();
  for (const catalog::SharedHash& h : shared.hashes) {
    PHODEX_ASSIGN_OR_RETURN(std::optional<KnownGroup> g,
                            LoadGroup(lib, h.hash, h.files));
    if (g) page.groups.push_back(std::move(*g));
  }
  return page;
}

Result<dedup::ActionOptions> ParseApiAction(std::string_view action,
                                            std::string_view keep) {
  auto kind = dedup::ParseActionKind(action);
  if (!kind || *kind == dedup::ActionKind::kReport) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "action: hardlink or delete, got '" + std::string(action) + "'");
  }
  if (*kind == dedup::ActionKind::kMoveTo) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "action: move-to is not offered over the API (its folder "
                     "would be a path sent by a client); use `phodex dupes "
                     "--action move-to`");
  }
  dedup::ActionOptions out;
  out.kind = *kind;
  auto rule = dedup::ParseKeepRule(keep.empty() ? "oldest" : keep);
  if (!rule) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "keep: " + rule.error().message());
  }
  out.keep = *rule;
  return out;
}

Result<int64_t> CountUnhashedSizeTwins(Library& lib) {
  return lib.catalog().CountUnhashedSizeTwins();
}

Result<KnownPlan> PlanKnownDuplicates(Library& lib,
                                      const KnownPlanRequest& request) {
  if (request.hashes.size() > kPlanMaxGroups) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "at most " + std::to_string(kPlanMaxGroups) + " groups in one plan");
  }
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          lib.catalog().ListRoots());
  PHODEX_TRY(CheckAction(lib, roots, request.action));
  KnownPlan out;
  out.action = request.action;
  PlanBuilder builder(roots, request.action);
  if (request.scope == KnownPlanRequest::Scope::kHashes) {
    std::set<ContentHash> seen;
    for (const ContentHash& h : request.hashes) {
      if (!seen.insert(h).second) continue;
      PHODEX_ASSIGN_OR_RETURN(std::optional<KnownGroup> g,
                              LoadGroup(lib, h, 0));
      if (!g) {
        out.not_groups.push_back(h);
        continue;
      }
      if (!builder.Add(*g)) {
        out.truncated = true;
        break;
      }
    }
    out.plan = builder.Take();
    return out;
  }
  std::optional<ContentHash> cursor = request.after;
  std::optional<ContentHash> last_whole = request.after;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(KnownGroupsPage page,
                            ListKnownDuplicates(lib, cursor, 100));
    for (const KnownGroup& g : page.groups) {
      if (!builder.Add(g)) {
        out.truncated = true;
        // The next plan starts with the group cut (or left out) here.
        out.next = last_whole ? last_whole : ContentHash{0, 0};
        out.plan = builder.Take();
        return out;
      }
      last_whole = g.group.hash;
    }
    if (!page.next) break;
    cursor = page.next;
    last_whole = cursor;
  }
  out.plan = builder.Take();
  return out;
}

Json KnownGroupToJson(const KnownGroup& g,
                      const std::vector<catalog::Root>& roots,
                      const std::string& thumbs_key) {
  Json j = DuplicateGroupToJson(g.group);
  j["count"] = g.files;
  j["files_truncated"] = g.files > static_cast<int64_t>(g.rows.size());
  j["files"] = Json::array();
  for (const catalog::FileRow& row : g.rows) {
    Json f = FileToJson(row, thumbs_key);
    Json holder;
    holder["root_id"] = row.root.value;
    holder["root"] = row.root_name;
    holder["dev"] = row.dev;
    holder["volume"] = nullptr;
    for (const catalog::Root& r : roots) {
      if (r.id != row.root || !r.identity) continue;
      const FileSystemIdentity& fs = r.identity->fs;
      holder["volume"] = {
          {"uuid", fs.uuid.empty() ? Json(nullptr) : Json(fs.uuid)},
          {"type", fs.type.empty() ? Json(nullptr) : Json(fs.type)}};
    }
    f["holder"] = std::move(holder);
    j["files"].push_back(std::move(f));
  }
  return j;
}

Json PlanPathsToJson(const dedup::ActionPlan& plan,
                     const dedup::ApplyReport* applied) {
  Json out = Json::array();
  for (const dedup::PathStatus& p : dedup::DescribePaths(plan, applied)) {
    Json j = PlannedPathToJson(plan.groups[p.group], p);
    j["file_id"] = p.file->id.value;
    out.push_back(std::move(j));
  }
  return out;
}

Json SimilarRowsGroupToJson(const SimilarRowsGroup& g,
                            const std::string& thumbs_key) {
  SimilarPhotoGroup paths;
  paths.max_distance = g.max_distance;
  for (const catalog::FileRow& r : g.files)
    paths.paths.push_back(AbsolutePath(r));
  Json j = SimilarGroupToJson(paths);
  j["files"] = Json::array();
  for (const catalog::FileRow& r : g.files) {
    j["files"].push_back(FileToJson(r, thumbs_key));
  }
  return j;
}

Json ApplyCountsToJson(const dedup::ApplyReport& r) {
  Json j;
  j["deleted"] = r.deleted;
  j["linked"] = r.linked;
  j["moved"] = r.moved;
  j["skipped"] = r.skipped;
  j["skip_reasons"] = Json::object();
  for (const auto& [why, n] : r.skip_reasons) j["skip_reasons"][why] = n;
  j["failed"] = r.failed;
  j["bytes_freed"] = r.bytes_freed;
  j["bytes_moved"] = r.bytes_moved;
  j["interrupted"] = r.interrupted;
  return j;
}

}  // namespace phodex::library

namespace phodex::library {

Json KnownPlanToJson(const KnownPlan& p, const DupesApplied* applied) {
  auto hex_or_null = [](const std::optional<ContentHash>& h) {
    return h ? Json(h->ToHex()) : Json(nullptr);
  };
  Json j;
  j["action"] = dedup::ActionKindName(p.action.kind);
  j["keep"] = p.keep;
  j["truncated"] = p.truncated;
  j["next_cursor"] = hex_or_null(p.next);
  j["not_groups"] = Json::array();
  for (const ContentHash& h : p.not_groups)
    j["not_groups"].push_back(h.ToHex());
  j["summary"] = {{"groups", p.plan.groups.size()},
                  {"actions", p.plan.actions},
                  {"skipped", p.plan.skipped},
                  {"groups_left_alone", p.plan.groups_left_alone},
                  {"bytes_freed", p.plan.bytes_freed}};
  j["operation_id"] = applied ? Json(applied->operation.value) : Json(nullptr);
  j["result"] = applied ? ApplyCountsToJson(applied->report) : Json(nullptr);
  j["paths"] = PlanPathsToJson(p.plan, applied ? &applied->report : nullptr);
  return j;
}

}  // namespace phodex::library
