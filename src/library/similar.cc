#include "library/similar.h"

#include <algorithm>
#include <unordered_map>

#include "dedup/similar_groups.h"
#include "library/file_output.h"
#include "library/path_scope.h"
#include "library/thumbs.h"

namespace phodex::library {
namespace {

// One item per distinct content.
struct Items {
  std::vector<dedup::SimilarItem> items;
  std::vector<std::string> paths;  // absolute, of each item
  std::unordered_map<ContentHash, size_t> by_hash;
};

Status Load(catalog::Catalog& cat, const catalog::FileQuery& scope,
            bool include_pairs, Items& out) {
  catalog::FileQuery q = scope;
  q.presence = catalog::FileQuery::Presence::kPresent;
  q.with_pairs = !include_pairs;
  return cat.ForEachFile(q, [&](const catalog::FileRow& row) {
    if (row.kind != MediaKind::kPhoto && row.kind != MediaKind::kRaw) return;
    if (!row.hash || !row.pixels || row.pixels->error) return;
    if (!out.by_hash.emplace(*row.hash, out.items.size()).second) return;
    dedup::SimilarItem item;
    item.phash = row.pixels->phash;
    item.rotated = row.pixels->phash_rotated;
    if (row.pair) item.pair = std::min(row.id.value, row.pair->value);
    out.items.push_back(item);
    out.paths.push_back(AbsolutePath(row));
  });
}

}  // namespace

Result<SimilarResult> FindSimilar(Library& lib, const SimilarRequest& request,
                                  const jobs::CancelToken& cancel) {
  PHODEX_ASSIGN_OR_RETURN(
      std::vector<catalog::FileQuery> scopes,
      ScopesOfPaths(lib.fs(), lib.catalog(), request.paths));
  Items items;
  for (const catalog::FileQuery& scope : scopes) {
    PHODEX_TRY(Load(lib.catalog(), scope, request.include_pairs, items));
  }
  if (cancel.cancelled()) {
    return MakeError(ErrorCode::kCancelled, "interrupted", "similar");
  }
  dedup::SimilarOptions options;
  options.threshold = request.threshold.value_or(lib.config().similar_threshold);
  SimilarResult result;
  result.threshold = options.threshold;
  result.distinct_photos = static_cast<int64_t>(items.items.size());
  for (const dedup::SimilarGroup& g :
       dedup::FindSimilarGroups(items.items, options)) {
    SimilarPhotoGroup& out = result.groups.emplace_back();
    out.max_distance = g.max_distance;
    for (size_t m : g.members) out.paths.push_back(items.paths[m]);
  }
  return result;
}

Result<SimilarScopeResult> FindSimilarInScope(
    Library& lib, const SimilarScopeRequest& request,
    const jobs::CancelToken& cancel) {
  if (request.root) {
    PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                            lib.catalog().ListRoots());
    if (std::none_of(roots.begin(), roots.end(), [&](const catalog::Root& r) {
          return r.id == *request.root;
        })) {
      return MakeError(ErrorCode::kNotFound,
                       "no root " + std::to_string(request.root->value));
    }
  }
  catalog::FileQuery q;
  q.root = request.root;
  q.rel_prefix = request.root ? request.folder : "";
  q.presence = catalog::FileQuery::Presence::kPresent;
  q.with_pairs = !request.include_pairs;
  q.limit = kSimilarScopeMaxFiles + 1;  // one more tells the scope is larger
  SimilarScopeResult result;
  std::vector<dedup::SimilarItem> items;
  std::vector<catalog::FileRow> rows;  // of each item
  std::unordered_map<ContentHash, size_t> by_hash;
  PHODEX_TRY(lib.catalog().ForEachFile(q, [&](const catalog::FileRow& row) {
    if (++result.files_read > kSimilarScopeMaxFiles) {
      result.truncated = true;
      return;
    }
    if (row.kind != MediaKind::kPhoto && row.kind != MediaKind::kRaw) return;
    if (!row.hash || !row.pixels || row.pixels->error) return;
    if (!by_hash.emplace(*row.hash, items.size()).second) return;
    dedup::SimilarItem item;
    item.phash = row.pixels->phash;
    item.rotated = row.pixels->phash_rotated;
    if (row.pair) item.pair = std::min(row.id.value, row.pair->value);
    items.push_back(item);
    rows.push_back(row);
  }));
  result.files_read = std::min(result.files_read, kSimilarScopeMaxFiles);
  if (cancel.cancelled()) {
    return MakeError(ErrorCode::kCancelled, "interrupted", "similar");
  }
  dedup::SimilarOptions options;
  options.threshold =
      request.threshold.value_or(lib.config().similar_threshold);
  result.threshold = options.threshold;
  result.distinct_photos = static_cast<int64_t>(items.size());
  result.thumbs_key = OpenThumbnailCache(lib)->settings_key();
  for (const dedup::SimilarGroup& g :
       dedup::FindSimilarGroups(items, options)) {
    SimilarRowsGroup& out = result.groups.emplace_back();
    out.max_distance = g.max_distance;
    for (size_t m : g.members) out.files.push_back(rows[m]);
  }
  return result;
}

}  // namespace phodex::library
