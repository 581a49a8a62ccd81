#include "library/rate.h"

#include <map>
#include <optional>

#include "jobs/operation_scope.h"
#include "library/path_scope.h"

namespace phodex::library {
namespace {

// The present photo, RAW or video a path names, with its root.
Result<std::pair<catalog::Root, catalog::FileRow>> FindFile(
    Library& lib, const std::string& path) {
  catalog::Catalog& cat = lib.catalog();
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots, cat.ListRoots());
  PHODEX_ASSIGN_OR_RETURN(catalog::FileQuery q,
                          ScopeOfPath(lib.fs(), roots, path));
  std::optional<catalog::FileRow> found;
  PHODEX_TRY(cat.ForEachFile(q, [&](const catalog::FileRow& row) {
    if (row.rel == q.rel_prefix) found = row;
  }));
  if (!found || found->kind == MediaKind::kOther ||
      found->kind == MediaKind::kSidecar) {
    return MakeError(ErrorCode::kNotFound,
                     found ? "not a photo, RAW or video"
                           : "not a file in the catalog (scan it first)",
                     "rate", path);
  }
  for (catalog::Root& r : roots) {
    if (r.id == found->root) return std::pair{std::move(r), std::move(*found)};
  }
  return MakeError(ErrorCode::kNotFound, "root is gone", "rate", path);
}

scan::RatingRequest ToRatingRequest(const Config& config,
                                    const RateRequest& request) {
  scan::RatingRequest out;
  switch (request.rating) {
    case RateRequest::Rating::kStars: out.change.rating = request.stars; break;
    case RateRequest::Rating::kFavorite:
      out.change.rating = config.favorite_rating;
      break;
    case RateRequest::Rating::kUnfavorite:
      out.change.rating = config.unfavorite_rating;
      break;
  }
  out.target = request.target;
  out.sidecar = SidecarOptionsFor(config);
  return out;
}

}  // namespace

media::SidecarOptions SidecarOptionsFor(const Config& config) {
  media::SidecarOptions out;
  out.naming = config.sidecar_naming == "base"
                   ? media::SidecarNaming::kBaseName
                   : media::SidecarNaming::kFullName;
  return out;
}

Result<RateResult> Rate(Library& lib, const RateRequest& request,
                        RateSink& sink, const jobs::CancelToken& cancel) {
  PHODEX_CHECK(lib.workers().metadata != nullptr);
  Config one_worker = lib.config();
  one_worker.metadata_workers = 1;
  PHODEX_ASSIGN_OR_RETURN(auto reader, lib.workers().metadata(one_worker));
  const scan::RatingRequest rating = ToRatingRequest(lib.config(), request);
  catalog::Operation op;
  op.type = "rate";
  PHODEX_ASSIGN_OR_RETURN(
      jobs::OperationScope scope,
      jobs::OperationScope::Begin(lib.catalog(), lib.clock(), op));

  RateResult result;
  result.op = scope.id();
  result.rating = *rating.change.rating;
  // One lock per root, held to the end: a scan of the same root waits.
  std::map<int64_t, std::unique_ptr<catalog::Lock>> locks;
  catalog::OperationCounts counts;
  for (const std::string& path : request.paths) {
    if (cancel.cancelled()) break;  // between two files
    auto file = FindFile(lib, path);
    if (!file) {
      sink.Failed(file.error());
      ++counts.errors;
      continue;
    }
    auto& [root, row] = *file;
    if (!locks.contains(root.id.value)) {
      auto lock = lib.locks().LockRoot(root.id, request.wait);
      if (!lock && cancel.cancelled()) break;  // interrupted while waiting
      if (!lock) {
        // Busy is what the user must hear; a failure to record it is not.
        (void)scope.Finish(catalog::OperationStatus::kFailed, counts,
                           "root busy");
        return MakeError(ErrorCode::kBusy,
                         "root '" + root.name +
                             "' is being scanned by another phodex process; "
                             "use --wait");
      }
      locks.emplace(root.id.value, std::move(*lock));
    }
    auto done = scan::RateFile(lib.catalog(), lib.fs(), *reader, root, row,
                               rating, scope.id(), lib.clock().NowUnixNs());
    if (!done) {
      sink.Failed(done.error());
      ++counts.errors;
      continue;
    }
    ++counts.updated;
    sink.Rated({done->written_path, done->created, *rating.change.rating});
  }
  result.interrupted = cancel.cancelled();
  result.rated = counts.updated;
  result.errors = counts.errors;
  const auto status = result.interrupted ? catalog::OperationStatus::kInterrupted
                      : counts.errors > 0 ? catalog::OperationStatus::kFailed
                                          : catalog::OperationStatus::kCompleted;
  PHODEX_TRY(scope.Finish(status, counts,
                          counts.errors > 0 ? "some files were not rated" : ""));
  return result;
}

}  // namespace phodex::library
