#include "library/queries.h"

#include "library/roots.h"
#include "library/thumbs.h"
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

// How the running service watches `root` (RootDashboard::state).
std::string RootState(RootId root, const std::string& offline_reason,
                      const std::optional<RunningService>& service) {
  if (service && service->file) {
    for (const RootServiceState& r : service->file->status.roots) {
      if (r.root != root) continue;
      switch (r.method) {
        case watch::WatchMethod::kInotify:
          return "watched";
        case watch::WatchMethod::kPolling:
          return "polled";
        case watch::WatchMethod::kOffline:
          return "offline";
      }
    }
  }
  return offline_reason.empty() ? "not watched" : "offline";
}

Result<Dashboard> ReadDashboard(Library& lib, const LibraryStatus& status,
                                std::vector<catalog::JobCount> jobs) {
  Dashboard d;
  for (size_t i = 0; i < status.stats.roots.size(); ++i) {
    const catalog::Root& root = status.stats.roots[i].root;
    const std::string& offline = status.offline_reasons[i];
    RootDashboard r;
    r.state = RootState(root.id, offline, status.service);
    if (offline.empty()) {
      if (auto space = lib.fs().SpaceAt(root.path)) r.space = *space;
    }
    d.roots.push_back(std::move(r));
  }
  d.jobs = std::move(jobs);
  PHODEX_ASSIGN_OR_RETURN(d.paused_kinds, lib.catalog().PausedKinds());
  d.process = GetProcessHealth(lib.clock().NowUnixNs());
  return d;
}

}  // namespace

Result<LibraryStatus> GetStatus(Library& lib, const StatusRequest& req) {
  LibraryStatus out;
  std::vector<catalog::JobCount> jobs;
  if (req.figures) {
    PHODEX_ASSIGN_OR_RETURN(const auto figures,
                            req.figures->Get(lib));
    out.stats = figures->stats;
    out.pixels = figures->pixels;
    jobs = figures->jobs;
  } else {
    PHODEX_ASSIGN_OR_RETURN(out.stats, lib.catalog().Stats());
    if (req.thumbs_key) {
      if (auto px = lib.catalog().GetPixelTotals(*req.thumbs_key)) {
        out.pixels = *px;
      }
    }
    if (req.dashboard) {
      PHODEX_ASSIGN_OR_RETURN(jobs, lib.catalog().CountJobs());
    }
  }
  if (auto size = lib.catalog().SizeOnDisk()) out.size_on_disk = *size;
  for (const catalog::RootStats& rs : out.stats.roots) {
    const scan::RootCheck check = scan::CheckRootIdentity(lib.fs(), rs.root);
    out.offline_reasons.push_back(
        check.presence == scan::RootPresence::kOffline ? check.reason : "");
  }
  if (auto ops = lib.catalog().ListOperations(req.recent_operations)) {
    out.recent = std::move(*ops);
  }
  out.service = req.service_lookup == StatusRequest::ServiceLookup::kGiven
                    ? req.service
                    : FindRunningService(lib.fs(), lib.data(),
                                         lib.clock().NowUnixNs());
  if (req.dashboard) {
    PHODEX_ASSIGN_OR_RETURN(out.dashboard,
                            ReadDashboard(lib, out, std::move(jobs)));
  }
  return out;
}

Result<LibraryStatus> GetServerStatus(Library& lib,
                                      const ServerStatusRequest& req) {
  const auto cache = OpenThumbnailCache(lib);
  StatusRequest status;
  status.thumbs_key = cache->settings_key();
  status.recent_operations = req.recent_operations;
  status.dashboard = true;
  status.figures = req.figures;
  status.service_lookup = StatusRequest::ServiceLookup::kGiven;
  if (req.service) status.service = RunningServiceFromJson(*req.service);
  PHODEX_ASSIGN_OR_RETURN(LibraryStatus out, GetStatus(lib, status));
  const DataFolder& data = lib.data();
  if (!data.catalog_file.empty()) {
    out.dashboard->catalog_path = data.dir + "/" + data.catalog_file;
  }
  out.dashboard->thumbs_dir = cache->dir();
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

Result<OperationsPage> ListOperationsPage(Library& lib,
                                          const OperationsPageRequest& req) {
  catalog::OperationFilter f;
  f.before = req.before;
  f.type = req.type;
  f.limit = req.limit + 1;  // one more: is there a next page?
  OperationsPage page;
  PHODEX_ASSIGN_OR_RETURN(page.operations, lib.catalog().ListOperationsPage(f));
  if (std::ssize(page.operations) > req.limit) {
    page.operations.resize(static_cast<size_t>(req.limit));
    page.next = page.operations.back().id;
  }
  return page;
}

Result<OperationDetail> GetOperation(Library& lib, OperationId id,
                                     int64_t errors_limit) {
  PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::Operation> op,
                          lib.catalog().GetOperation(id));
  if (!op) {
    return MakeError(ErrorCode::kNotFound,
                     "no operation " + std::to_string(id.value));
  }
  OperationDetail d;
  d.operation = std::move(*op);
  PHODEX_ASSIGN_OR_RETURN(d.errors,
                          lib.catalog().ListFileErrors(id, errors_limit + 1));
  if (std::ssize(d.errors) > errors_limit) {
    d.errors.resize(static_cast<size_t>(errors_limit));
    d.more_errors = true;
  }
  return d;
}

Result<std::vector<catalog::FileErrorRow>> ListFileErrors(
    Library& lib, std::optional<OperationId> op, int64_t limit) {
  return lib.catalog().ListFileErrors(op, limit);
}

}  // namespace phodex::library
