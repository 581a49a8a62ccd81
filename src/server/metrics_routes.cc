// GET /metrics (docs/api.md, "Metrics"): the Prometheus text format 0.0.4.
// What the server counted (server/metrics.h), then what the status tells
// at scrape time (library::GetServerStatus: the catalog's figures through
// the server's cache, the service's view, the process). Needs credentials
// like every route but the login and the app's files.

#include <algorithm>
#include <array>
#include <string>

#include "library/queries.h"
#include "server/api.h"
#include "server/metrics.h"
#include "server/problem.h"
#include "server/routes.h"
#include "server/server_status.h"

namespace phodex::server {
namespace {

constexpr std::array<const char*, 4> kRootStates = {"watched", "polled",
                                                    "offline", "not watched"};

double D(int64_t v) { return static_cast<double>(v); }

void FileFamilies(const library::LibraryStatus& s, MetricsText& out) {
  const auto& roots = s.stats.roots;
  out.Family("phodex_files", "gauge",
             "Files the catalog holds per root: present, or removed (kept "
             "as history).");
  for (const catalog::RootStats& r : roots) {
    out.Sample("phodex_files", {{"root", r.root.name}, {"state", "present"}},
               D(r.present));
    out.Sample("phodex_files", {{"root", r.root.name}, {"state", "removed"}},
               D(r.removed));
  }
  out.Family("phodex_files_bytes", "gauge",
             "Bytes of the present files per root.");
  for (const catalog::RootStats& r : roots) {
    out.Sample("phodex_files_bytes", {{"root", r.root.name}}, D(r.bytes));
  }
}

// REQUIRES: s.dashboard.
void RootFamilies(const library::LibraryStatus& s, MetricsText& out) {
  const auto& roots = s.stats.roots;
  const auto& dash = s.dashboard->roots;
  const size_t n = std::min(roots.size(), dash.size());
  out.Family("phodex_root_state", "gauge",
             "1 for how each root is watched now (watched, polled, offline, "
             "not watched), 0 for the other states.");
  for (size_t i = 0; i < n; ++i) {
    for (const char* state : kRootStates) {
      out.Sample("phodex_root_state",
                 {{"root", roots[i].root.name}, {"state", state}},
                 dash[i].state == state ? 1 : 0);
    }
  }
  out.Family("phodex_root_disk_free_bytes", "gauge",
             "Bytes free for phodex on each root's file system (roots whose "
             "drive is there).");
  for (size_t i = 0; i < n; ++i) {
    if (!dash[i].space) continue;
    out.Sample("phodex_root_disk_free_bytes", {{"root", roots[i].root.name}},
               D(dash[i].space->free_bytes));
  }
  out.Family("phodex_root_disk_size_bytes", "gauge",
             "Size of each root's file system.");
  for (size_t i = 0; i < n; ++i) {
    if (!dash[i].space) continue;
    out.Sample("phodex_root_disk_size_bytes", {{"root", roots[i].root.name}},
               D(dash[i].space->total_bytes));
  }
}

// REQUIRES: s.dashboard.
void QueueFamilies(const library::LibraryStatus& s, MetricsText& out) {
  out.Family("phodex_jobs", "gauge",
             "Jobs in the queue by kind and state (completed and cancelled "
             "ones are kept a week, failed ones until retried).");
  for (const catalog::JobCount& c : s.dashboard->jobs) {
    out.Sample("phodex_jobs",
               {{"kind", c.kind}, {"state", catalog::JobStateName(c.state)}},
               D(c.count));
  }
  out.Family("phodex_job_kind_paused", "gauge",
             "1 for each job kind that is paused.");
  for (const std::string& kind : s.dashboard->paused_kinds) {
    out.Sample("phodex_job_kind_paused", {{"kind", kind}}, 1);
  }
}

void ServiceFamilies(const library::LibraryStatus& s, MetricsText& out) {
  const bool up = s.service && s.service->file;
  out.Family("phodex_service_up", "gauge",
             "1 while the watching service runs in this process.");
  out.Sample("phodex_service_up", {}, up ? 1 : 0);
  if (!up) return;
  const library::ServiceStatus& st = s.service->file->status;
  out.Family("phodex_watcher_pending_folders", "gauge",
             "Folders with changes the watcher gathered, not yet applied.");
  out.Sample("phodex_watcher_pending_folders", {}, D(st.pending_folders));
  out.Family("phodex_watcher_settling_files", "gauge",
             "New files waiting to settle before they are cataloged.");
  out.Sample("phodex_watcher_settling_files", {}, D(st.settling_files));
}

void CatalogFamilies(const library::LibraryStatus& s, MetricsText& out) {
  if (s.size_on_disk) {
    out.Family("phodex_catalog_size_bytes", "gauge",
               "Size of the catalog's files.");
    out.Sample("phodex_catalog_size_bytes", {}, D(*s.size_on_disk));
  }
  out.Family("phodex_file_errors", "gauge",
             "Per-file problems the operations recorded.");
  out.Sample("phodex_file_errors", {}, D(s.stats.file_errors));
  if (!s.pixels) return;
  out.Family("phodex_thumbnails", "gauge",
             "Contents with thumbnails of the current settings.");
  out.Sample("phodex_thumbnails", {}, D(s.pixels->thumbnailed));
  out.Family("phodex_thumbnail_cache_bytes", "gauge",
             "Bytes of those thumbnails, as the catalog records them.");
  out.Sample("phodex_thumbnail_cache_bytes", {}, D(s.pixels->thumb_bytes));
  out.Family("phodex_thumbnail_errors", "gauge",
             "Contents whose pixels could not be decoded.");
  out.Sample("phodex_thumbnail_errors", {}, D(s.pixels->errors));
}

// REQUIRES: s.dashboard.
void ProcessFamilies(const library::LibraryStatus& s, MetricsText& out) {
  const library::ProcessHealth& p = s.dashboard->process;
  out.Family("process_cpu_seconds_total", "counter",
             "Total user and system CPU time spent in seconds.");
  out.Sample("process_cpu_seconds_total", {}, p.cpu_seconds);
  out.Family("process_resident_memory_bytes", "gauge",
             "Resident memory size in bytes.");
  out.Sample("process_resident_memory_bytes", {}, D(p.resident_bytes));
  if (p.started_ns > 0) {
    out.Family("process_start_time_seconds", "gauge",
               "Start time of the process since unix epoch in seconds.");
    out.Sample("process_start_time_seconds", {}, p.started_ns / 1e9);
  }
}

Response Scrape(Call& call) {
  library::ServerStatusRequest req = ServerStatusRequestFor(call);
  req.recent_operations = 0;
  auto status = library::GetServerStatus(call.lib, req);
  if (!status) return ProblemFor(status.error());
  MetricsText out;
  call.api.metrics().Render(out);
  FileFamilies(*status, out);
  RootFamilies(*status, out);
  QueueFamilies(*status, out);
  ServiceFamilies(*status, out);
  CatalogFamilies(*status, out);
  ProcessFamilies(*status, out);
  Response r;
  r.content_type = std::string(kMetricsContentType);
  r.body = out.text();
  return r;
}

}  // namespace

void AddMetricsRoutes(Router& r) { r.Get("/metrics", Scrape); }

}  // namespace phodex::server
