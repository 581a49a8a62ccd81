#include "library/status_output.h"

#include "library/job_output.h"
#include "library/operation_output.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::library {
namespace {

using Json = nlohmann::ordered_json;

Json RootsToJson(const LibraryStatus& s) {
  Json roots = Json::array();
  for (size_t i = 0; i < s.stats.roots.size(); ++i) {
    const catalog::RootStats& rs = s.stats.roots[i];
    const std::string& offline =
        i < s.offline_reasons.size() ? s.offline_reasons[i] : "";
    roots.push_back({
        {"id", rs.root.id.value},
        {"name", rs.root.name},
        {"path", util::EscapeBytes(rs.root.path)},
        {"present", rs.present},
        {"bytes", rs.bytes},
        {"removed", rs.removed},
        {"last_scan", rs.root.last_scanned_ns
                          ? Json(util::Rfc3339Utc(*rs.root.last_scanned_ns))
                          : Json(nullptr)},
        {"offline", offline.empty() ? Json(nullptr) : Json(offline)},
    });
    if (s.dashboard && i < s.dashboard->roots.size()) {
      const RootDashboard& d = s.dashboard->roots[i];
      Json& j = roots.back();
      j["state"] = d.state;
      j["disk"] = d.space ? Json{{"total_bytes", d.space->total_bytes},
                                 {"free_bytes", d.space->free_bytes}}
                          : Json(nullptr);
    }
  }
  return roots;
}

// The dashboard's own fields (GET /api/v1/status), after the rest.
void AddDashboard(const Dashboard& d, Json& j) {
  j["jobs"] = Json::parse(
      KindsToJson(SummarizeKinds(d.jobs, d.paused_kinds)).dump());
  j["process"] = {
      {"pid", d.process.pid},
      {"started", d.process.started_ns ? Json(util::Rfc3339Utc(d.process.started_ns))
                                       : Json(nullptr)},
      {"uptime_s", d.process.uptime_s},
      {"resident_bytes", d.process.resident_bytes},
      {"cpu_seconds", d.process.cpu_seconds},
  };
}

}  // namespace

Json RunningServiceToJson(const std::optional<RunningService>& service) {
  if (!service) return Json(nullptr);
  if (!service->file) {
    return Json{{"state", "starting"},
                {"error", service->why.empty() ? Json(nullptr)
                                               : Json(service->why)}};
  }
  Json j = {{"state", service->fresh ? "running" : "stale"}};
  const Json file = ServiceStatusToJson(*service->file);
  for (auto it = file.begin(); it != file.end(); ++it) j[it.key()] = *it;
  return j;
}

Json StatusToJson(const LibraryStatus& s, const std::string& catalog_path,
                  const std::optional<std::string>& thumbs_dir) {
  Json kinds = Json::array();
  for (const catalog::KindCount& k : s.stats.kinds) {
    kinds.push_back({{"kind", MediaKindName(k.kind)},
                     {"present", k.present},
                     {"bytes", k.present_bytes},
                     {"removed", k.removed}});
  }
  Json thumbs(nullptr);
  if (s.pixels) {
    thumbs = {{"thumbnailed", s.pixels->thumbnailed},
              {"bytes", s.pixels->thumb_bytes},
              {"errors", s.pixels->errors},
              {"dir", thumbs_dir ? Json(util::EscapeBytes(*thumbs_dir))
                                 : Json(nullptr)}};
  }
  Json recent = Json::array();
  for (const catalog::Operation& op : s.recent) {
    recent.push_back(Json::parse(OperationToJson(op).dump()));
  }
  Json j{
      {"catalog", util::EscapeBytes(catalog_path)},
      {"size", s.size_on_disk ? Json(*s.size_on_disk) : Json(nullptr)},
      {"roots", RootsToJson(s)},
      {"kinds", std::move(kinds)},
      {"thumbnails", std::move(thumbs)},
      {"recent", std::move(recent)},
      {"file_errors", s.stats.file_errors},
      {"service", RunningServiceToJson(s.service)},
  };
  if (s.dashboard) AddDashboard(*s.dashboard, j);
  return j;
}

Json ServerStatusToJson(const LibraryStatus& s) {
  return StatusToJson(s, s.dashboard->catalog_path, s.dashboard->thumbs_dir);
}

}  // namespace phodex::library
