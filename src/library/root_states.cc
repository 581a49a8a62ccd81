#include "library/root_states.h"

#include <algorithm>

#include "library/service_status.h"
#include "scan/root_identity.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::library {
namespace {

using Json = nlohmann::ordered_json;

Json TimeOrNull(const std::optional<int64_t>& ns) {
  return ns ? Json(util::Rfc3339Utc(*ns)) : Json(nullptr);
}

Json TextOrNull(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(util::EscapeBytes(s));
}

}  // namespace

RootState StateOf(RootListing listing, const RootServiceState* service) {
  RootState out;
  if (service != nullptr) {
    out.service = *service;
    switch (service->method) {
      case watch::WatchMethod::kInotify:
        out.state = "watched";
        break;
      case watch::WatchMethod::kPolling:
        out.state = "polled";
        out.reason = service->reason;
        break;
      case watch::WatchMethod::kOffline:
        out.state = "offline";
        out.reason = service->reason;
        break;
    }
  } else if (!listing.offline_reason.empty()) {
    out.state = "offline";
    out.reason = listing.offline_reason;
  } else {
    out.state = "not watched";
  }
  out.listing = std::move(listing);
  return out;
}

Result<std::vector<RootState>> ListRootStates(
    Library& lib, FolderCache& cache,
    const std::optional<nlohmann::ordered_json>& service_status) {
  std::optional<ServiceStatusFile> service;
  if (service_status) {
    if (auto parsed = ServiceStatusFromJson(*service_status)) {
      service = std::move(*parsed);
    }
  }
  PHODEX_ASSIGN_OR_RETURN(std::shared_ptr<const catalog::CatalogStats> stats,
                          cache.Stats(lib.catalog()));
  std::vector<RootState> out;
  out.reserve(stats->roots.size());
  for (const catalog::RootStats& rs : stats->roots) {
    RootListing l;
    l.stats = rs;
    // Looked at now (a stat, the marker): a drive comes and goes without
    // a write to the catalog.
    const scan::RootCheck check = scan::CheckRootIdentity(lib.fs(), rs.root);
    if (check.presence == scan::RootPresence::kOffline) {
      l.offline_reason = check.reason;
    }
    const RootServiceState* seen = nullptr;
    if (service) {
      for (const RootServiceState& r : service->status.roots) {
        if (r.root == l.stats.root.id) seen = &r;
      }
    }
    out.push_back(StateOf(std::move(l), seen));
  }
  return out;
}

Result<catalog::Root> FindRootById(Library& lib, int64_t id) {
  PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Root> roots,
                          lib.catalog().ListRoots());
  for (catalog::Root& r : roots) {
    if (r.id.value == id) return std::move(r);
  }
  return MakeError(ErrorCode::kNotFound,
                   "no root with id " + std::to_string(id));
}

Result<catalog::Root> RemoveRootById(Library& lib, int64_t id) {
  PHODEX_ASSIGN_OR_RETURN(catalog::Root root, FindRootById(lib, id));
  RemoveRootRequest req;
  req.target.arg = root.name;  // names are unique among roots in use
  req.target.how = RootArg::kName;
  return RemoveRoot(lib, req);
}

nlohmann::ordered_json RootStateToJson(const RootState& s) {
  const catalog::RootStats& rs = s.listing.stats;
  const std::optional<RootServiceState>& svc = s.service;
  return Json{
      {"id", rs.root.id.value},
      {"name", rs.root.name},
      {"path", util::EscapeBytes(rs.root.path)},
      {"added", util::Rfc3339Utc(rs.root.added_ns)},
      {"last_scan", TimeOrNull(rs.root.last_scanned_ns)},
      {"present", rs.present},
      {"removed", rs.removed},
      {"bytes", rs.bytes},
      {"offline", TextOrNull(s.listing.offline_reason)},
      {"state", s.state},
      {"reason", TextOrNull(s.reason)},
      {"watched_folders", svc ? Json(svc->folders) : Json(nullptr)},
      {"last_reconcile", svc ? TimeOrNull(svc->last_reconcile_ns) : Json(nullptr)},
      {"next_reconcile", svc ? TimeOrNull(svc->next_reconcile_ns) : Json(nullptr)},
      {"reconciling", svc ? Json(svc->reconciling) : Json(nullptr)},
  };
}

}  // namespace phodex::library
