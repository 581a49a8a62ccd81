// phodex status

#include <cstdio>

#include "app/commands.h"
#include "app/pixel_workers.h"
#include "library/queries.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

int RunStatus(Context& ctx) {
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
    for (const catalog::Operation& op : *ops) {
      std::printf(
          "  #%-5lld %-6s %-16s %-11s %s  %s scanned, %s added, %s "
          "removed, %s errors\n",
          static_cast<long long>(op.id.value), op.type.c_str(),
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

RunFn SetupStatus(CLI::App&) {
  return [](Context& ctx) { return RunStatus(ctx); };
}

}  // namespace phodex::app
