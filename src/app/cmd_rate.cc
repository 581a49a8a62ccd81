// phodex rate PATH... --stars N [--embed]
// phodex fav PATH... [--off] [--embed]
// PATH "-" reads paths from stdin, one per line.

#include <iostream>
#include <map>

#include "app/commands.h"
#include "app/metadata_workers.h"
#include "app/path_query.h"
#include "app/roots.h"
#include "os/clock.h"
#include "os/process.h"
#include "scan/rating_update.h"
#include "util/text.h"

namespace phodex::app {
namespace {

struct RateArgs {
  std::vector<std::string> paths;
  int stars = 0;
  bool off = false;  // fav --off
  bool embed = false;
  bool wait = false;
};

std::vector<std::string> ExpandPaths(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    if (a != "-") {
      out.push_back(a);
      continue;
    }
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty()) out.push_back(line);
    }
  }
  return out;
}

// The present file a path names, with its root.
Result<std::pair<catalog::Root, catalog::FileRow>> FindFile(
    Context& ctx, catalog::Catalog& cat, const std::string& path) {
  PHODEX_ASSIGN_OR_RETURN(catalog::FileQuery q, QueryForPath(ctx, cat, path));
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
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots, cat.ListRoots());
  for (catalog::Root& r : roots) {
    if (r.id == found->root) return std::pair{std::move(r), std::move(*found)};
  }
  return MakeError(ErrorCode::kNotFound, "root is gone", "rate", path);
}

int RunRate(Context& ctx, const RateArgs& a, int rating) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  auto cat = ctx.OpenCatalog(CatalogUse::kWrite);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  const std::vector<std::string> paths = ExpandPaths(a.paths);
  if (paths.empty()) return PrintError("no files given"), kExitUsage;

  Config one_worker = *config;
  one_worker.metadata_workers = 1;
  auto reader = StartMetadataWorkers(one_worker);
  if (!reader) return PrintError(reader.error().ToString()), kExitError;

  scan::RatingRequest request;
  request.rating = rating;
  request.target = a.embed ? scan::RatingRequest::Target::kEmbed
                           : scan::RatingRequest::Target::kSidecar;
  request.sidecar.naming = config->sidecar_naming == "base"
                               ? media::SidecarNaming::kBaseName
                               : media::SidecarNaming::kFullName;
  catalog::Operation op;
  op.type = "rate";
  op.started_ns = os::SystemClock().NowUnixNs();
  op.pid = os::CurrentPid();
  op.host = os::HostName();
  auto op_id = (*cat)->BeginOperation(op);
  if (!op_id) return PrintError(op_id.error().ToString()), kExitError;

  // One lock per root, held to the end: a scan of the same root waits.
  std::map<int64_t, std::unique_ptr<os::FileLock>> locks;
  catalog::OperationCounts counts;
  // Between two files (a write in progress is finished first).
  const std::atomic<bool>& cancel = os::InstallInterruptHandler();
  for (const std::string& path : paths) {
    if (cancel.load()) break;
    auto file = FindFile(ctx, **cat, path);
    if (!file) {
      PrintError(file.error().ToString());
      ++counts.errors;
      continue;
    }
    auto& [root, row] = *file;
    if (!locks.contains(root.id.value)) {
      auto lock = os::FileLock::Acquire(
          RootLockPath(ctx, root.id),
          a.wait ? os::FileLock::Wait::kYes : os::FileLock::Wait::kNo);
      if (!lock && cancel.load()) break;  // interrupted while waiting
      if (!lock) {
        PrintError("root '" + root.name + "' is being scanned by another "
                   "phodex process; use --wait");
        // Busy is what the user must hear; a failure to record it is not.
        (void)(*cat)->FinishOperation(*op_id, catalog::OperationStatus::kFailed,
                                      counts, "root busy",
                                      os::SystemClock().NowUnixNs());
        return kExitBusy;
      }
      locks.emplace(root.id.value, std::move(*lock));
    }
    auto done = scan::RateFile(**cat, ctx.fs(), **reader, root, row, request,
                               *op_id, os::SystemClock().NowUnixNs());
    if (!done) {
      PrintError(done.error().ToString());
      ++counts.errors;
      continue;
    }
    ++counts.updated;
    std::printf(
        "%s  %s%s\n", util::EscapeForTerminal(done->written_path).c_str(),
        rating < 0 ? "rejected" : (std::to_string(rating) + "*").c_str(),
        done->created ? "  (new sidecar)" : "");
  }
  const auto status = cancel.load() ? catalog::OperationStatus::kInterrupted
                      : counts.errors > 0
                          ? catalog::OperationStatus::kFailed
                          : catalog::OperationStatus::kCompleted;
  (void)(*cat)->FinishOperation(
      *op_id, status, counts,
      counts.errors > 0 ? "some files were not rated" : "",
      os::SystemClock().NowUnixNs());
  if (cancel.load()) return kExitInterrupted;
  return counts.errors > 0 ? kExitError : kExitOk;
}

void CommonOptions(CLI::App& sub, RateArgs& a) {
  sub.add_option("paths", a.paths, "Files (\"-\": read paths from stdin)")
      ->required();
  sub.add_flag("--embed", a.embed,
               "Write into the file itself (JPEG, TIFF, DNG) instead of an "
               "XMP sidecar");
  sub.add_flag("--wait", a.wait, "Wait for a scan of the same root");
}

}  // namespace

RunFn SetupRate(CLI::App& sub) {
  auto a = std::make_shared<RateArgs>();
  CommonOptions(sub, *a);
  sub.add_option("--stars", a->stars, "0-5 stars, or -1 for rejected")
      ->required()
      ->check(CLI::Range(-1, 5));
  return [a](Context& ctx) { return RunRate(ctx, *a, a->stars); };
}

RunFn SetupFav(CLI::App& sub) {
  auto a = std::make_shared<RateArgs>();
  CommonOptions(sub, *a);
  sub.add_flag("--off", a->off, "Remove the favorite");
  return [a](Context& ctx) -> int {
    auto config = ctx.LoadConfig();
    if (!config) return PrintError(config.error().ToString()), kExitError;
    return RunRate(ctx, *a,
                   a->off ? config->unfavorite_rating : config->favorite_rating);
  };
}

}  // namespace phodex::app
