#include "library/queries.h"

#include "library/roots.h"
#include "scan/root_identity.h"

namespace phodex::library {
namespace {

// `ls --blurry` / `--blown-out` (docs/cli.md): images whose pixels were
// measured and that fall past the thresholds.
bool Keep(const catalog::FileRow& row, const ListFilesRequest& req,
          const Config& config) {
  if (!req.blurry && !req.blown_out) return true;
  if (!row.pixels || row.pixels->error) return false;
  if (req.blurry && row.pixels->sharpness >= config.blurry_sharpness) {
    return false;
  }
  if (req.blown_out && row.pixels->clipped_highlights < kBlownOutShare) {
    return false;
  }
  return true;
}

}  // namespace

Result<LibraryStatus> GetStatus(Library& lib, const StatusRequest& req) {
  LibraryStatus out;
  PHODEX_ASSIGN_OR_RETURN(out.stats, lib.catalog().Stats());
  if (auto size = lib.catalog().SizeOnDisk()) out.size_on_disk = *size;
  for (const catalog::RootStats& rs : out.stats.roots) {
    const scan::RootCheck check = scan::CheckRootIdentity(lib.fs(), rs.root);
    out.offline_reasons.push_back(
        check.presence == scan::RootPresence::kOffline ? check.reason : "");
  }
  if (req.thumbs_key) {
    if (auto px = lib.catalog().GetPixelTotals(*req.thumbs_key)) {
      out.pixels = *px;
    }
  }
  if (auto ops = lib.catalog().ListOperations(req.recent_operations)) {
    out.recent = std::move(*ops);
  }
  out.service = FindRunningService(lib.fs(), lib.data(), lib.clock().NowUnixNs());
  return out;
}

Result<int64_t> ListFiles(
    Library& lib, const ListFilesRequest& req,
    const std::function<void(const catalog::FileRow&)>& each,
    const std::function<void()>& started) {
  catalog::FileQuery q;
  // The quality filters look at every file; the limit counts those kept.
  q.limit = req.blurry || req.blown_out ? -1 : req.limit;
  q.with_pairs = req.with_pairs;
  q.presence = req.presence;
  q.kind = req.kind;
  if (!req.path.empty()) {
    PHODEX_ASSIGN_OR_RETURN(catalog::FileQuery at,
                            QueryForPath(lib.fs(), lib.catalog(), req.path));
    q.root = at.root;
    q.rel_prefix = at.rel_prefix;
  }
  if (started) started();
  int64_t shown = 0;
  const Config& config = lib.config();
  PHODEX_TRY(lib.catalog().ForEachFile(q, [&](const catalog::FileRow& row) {
    if (!Keep(row, req, config) || (req.limit >= 0 && shown >= req.limit)) {
      return;
    }
    ++shown;
    each(row);
  }));
  return shown;
}

Result<std::optional<catalog::FileRow>> GetFileAt(Library& lib,
                                                  const std::string& path) {
  PHODEX_ASSIGN_OR_RETURN(catalog::FileQuery q,
                          QueryForPath(lib.fs(), lib.catalog(), path));
  q.with_tags = true;
  q.with_pairs = true;
  std::optional<catalog::FileRow> found;
  PHODEX_TRY(lib.catalog().ForEachFile(q, [&](const catalog::FileRow& row) {
    if (row.rel != q.rel_prefix) return;  // a folder's contents
    found = row;
  }));
  return found;
}

Result<std::vector<catalog::Operation>> ListOperations(Library& lib,
                                                       int64_t limit) {
  return lib.catalog().ListOperations(limit);
}

Result<std::vector<catalog::FileErrorRow>> ListFileErrors(
    Library& lib, std::optional<OperationId> op, int64_t limit) {
  return lib.catalog().ListFileErrors(op, limit);
}

}  // namespace phodex::library
