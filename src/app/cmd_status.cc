// phodex status

#include <cstdio>

#include "app/commands.h"
#include "app/pixel_workers.h"
#include "library/operation_output.h"
#include "library/queries.h"
#include "library/status_output.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

// "1,200 folders" style counts of the queue, "metadata 12 available,
// pixels 2 running"; "empty" when there is nothing.
std::string QueueLine(const std::vector<catalog::JobCount>& queue) {
  std::string out;
  for (const catalog::JobCount& c : queue) {
    if (c.count == 0) continue;
    if (!out.empty()) out += ", ";
    out += c.kind + " " + util::GroupThousands(c.count) + " " +
           std::string(catalog::JobStateName(c.state));
  }
  return out.empty() ? "empty" : out;
}

std::string TimeOr(const std::optional<int64_t>& ns, const char* none) {
  return ns ? util::Rfc3339Local(*ns) : none;
}

// The "service:" section: only when a `phodex serve` runs on the catalog.
void PrintService(const library::LibraryStatus& status) {
  const library::RunningService& svc = *status.service;
  if (!svc.file) {
    const std::string why =
        svc.why.empty() ? "" : " (" + util::EscapeControls(svc.why) + ")";
    std::printf("\nservice: starting%s\n", why.c_str());
    return;
  }
  const library::ServiceStatus& s = svc.file->status;
  const std::string stale =
      svc.fresh ? ""
                : "; its status was last written " +
                      util::Rfc3339Local(s.updated_ns) +
                      " (stale: busy, hung, or its disk is full?)";
  std::printf("\nservice: running (pid %lld), up since %s%s\n",
              static_cast<long long>(s.pid),
              util::Rfc3339Local(s.started_ns).c_str(), stale.c_str());
  for (const library::RootServiceState& r : s.roots) {
    std::string name = r.path;
    for (const catalog::RootStats& rs : status.stats.roots) {
      if (rs.root.id == r.root) name = rs.root.name;
    }
    const std::string next =
        r.reconciling ? "now" : TimeOr(r.next_reconcile_ns, "none");
    const std::string reason =
        r.reason.empty() ? "" : "  " + util::EscapeControls(r.reason);
    std::printf(
        "  %-20s %-8s %10s folders  last reconciliation %s, next %s%s\n",
        util::EscapeForTerminal(name).c_str(), watch::WatchMethodName(r.method),
        util::GroupThousands(r.folders).c_str(),
        TimeOr(r.last_reconcile_ns, "none").c_str(), next.c_str(),
        reason.c_str());
  }
  std::printf("  pending: %s folders, %s files settling\n",
              util::GroupThousands(s.pending_folders).c_str(),
              util::GroupThousands(s.settling_files).c_str());
  std::printf("  queue: %s\n", QueueLine(s.queue).c_str());
}

int RunStatus(Context& ctx, bool json) {
  auto lib = ctx.OpenLibrary(CatalogUse::kRead);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  // The cache size as the catalog records it (no walk of a million files);
  // `thumbs --gc` measures the folder itself.
  library::StatusRequest req;
  std::unique_ptr<imaging::ThumbnailCache> cache;
  if (auto config = ctx.LoadConfig()) {
    cache = OpenThumbnailCache(ctx, *config);
    req.thumbs_key = cache->settings_key();
  }
  auto status = library::GetStatus(**lib, req);
  if (!status) return PrintError(status.error().ToString()), kExitError;
  if (json) {
    const std::optional<std::string> dir =
        cache ? std::optional<std::string>(cache->dir()) : std::nullopt;
    std::printf("%s\n",
                library::StatusToJson(*status, ctx.catalog_path(), dir)
                    .dump(-1, ' ', false,
                          nlohmann::ordered_json::error_handler_t::replace)
                    .c_str());
    return kExitOk;
  }
  const catalog::CatalogStats* stats = &status->stats;
  const std::optional<int64_t>& size = status->size_on_disk;
  std::printf("catalog: %s (%s)\n", ctx.catalog_path().c_str(),
              size ? util::HumanBytes(static_cast<uint64_t>(*size)).c_str()
                   : "size unknown");

  std::printf("\nroots:\n");
  if (stats->roots.empty()) std::printf("  none (phodex root add PATH)\n");
  for (size_t i = 0; i < stats->roots.size(); ++i) {
    const catalog::RootStats& rs = stats->roots[i];
    const std::string& reason = status->offline_reasons[i];
    const std::string offline =
        !reason.empty()
            ? "  OFFLINE (its drive is not mounted?): " + util::EscapeControls(reason)
            : "";
    std::printf(
        "  %-20s %12s files %10s  %s files removed  last scan %s  %s%s\n",
        util::EscapeForTerminal(rs.root.name).c_str(),
        util::GroupThousands(rs.present).c_str(),
        util::HumanBytes(rs.bytes).c_str(),
        util::GroupThousands(rs.removed).c_str(),
        rs.root.last_scanned_ns
            ? util::Rfc3339Local(*rs.root.last_scanned_ns).c_str()
            : "never",
        util::EscapeForTerminal(rs.root.path).c_str(), offline.c_str());
  }

  if (status->service) PrintService(*status);

  std::printf("\n%-8s %12s %12s %12s\n", "kind", "present", "size", "removed");
  int64_t total = 0, total_removed = 0, total_bytes = 0;
  for (const catalog::KindCount& k : stats->kinds) {
    std::printf("%-8s %12s %12s %12s\n", MediaKindName(k.kind),
                util::GroupThousands(k.present).c_str(),
                util::HumanBytes(k.present_bytes).c_str(),
                util::GroupThousands(k.removed).c_str());
    total += k.present;
    total_removed += k.removed;
    total_bytes += k.present_bytes;
  }
  std::printf("%-8s %12s %12s %12s\n", "total",
              util::GroupThousands(total).c_str(),
              util::HumanBytes(total_bytes).c_str(),
              util::GroupThousands(total_removed).c_str());

  {
    if (const auto& px = status->pixels) {
      std::printf(
          "\nthumbnails: %s contents with thumbnails and previews, "
          "%s in %s; %s could not be decoded\n",
          util::GroupThousands(px->thumbnailed).c_str(),
          util::HumanBytes(static_cast<uint64_t>(px->thumb_bytes)).c_str(),
          util::EscapeForTerminal(cache->dir()).c_str(),
          util::GroupThousands(px->errors).c_str());
    }
  }

  const auto* ops = &status->recent;
  if (!ops->empty()) {
    std::printf("\nrecent operations:\n");
    const int type_width = library::OperationTypeWidth(*ops);
    for (const catalog::Operation& op : *ops) {
      std::printf(
          "  #%-5lld %-*s %-16s %-11s %s  %s scanned, %s added, %s "
          "removed, %s errors\n",
          static_cast<long long>(op.id.value), type_width, op.type.c_str(),
          util::EscapeForTerminal(op.root_name).c_str(),
          catalog::OperationStatusName(op.status),
          util::Rfc3339Local(op.started_ns).c_str(),
          util::GroupThousands(op.counts.scanned).c_str(),
          util::GroupThousands(op.counts.added).c_str(),
          util::GroupThousands(op.counts.removed).c_str(),
          util::GroupThousands(op.counts.errors).c_str());
    }
  }
  if (stats->file_errors > 0) {
    std::printf("\n%s file errors recorded (phodex ops --errors)\n",
                util::GroupThousands(stats->file_errors).c_str());
  }
  return kExitOk;
}

}  // namespace

RunFn SetupStatus(CLI::App& sub) {
  auto json = std::make_shared<bool>(false);
  sub.add_flag("--json", *json,
               "One JSON object, the running service's included "
               "(docs/cli.md)");
  return [json](Context& ctx) { return RunStatus(ctx, *json); };
}

}  // namespace phodex::app
