// phodex thumbs [PATH...] [--gc]

#include <cstdio>
#include <unordered_set>

#include "app/commands.h"
#include "app/path_query.h"
#include "app/pixel_workers.h"
#include "os/process.h"
#include "util/text.h"

namespace phodex::app {
namespace {

struct ThumbsArgs {
  std::vector<std::string> paths;
  bool gc = false;
};

// Removes cache files no present file's content needs, and those made with
// other settings.
int RunGc(Context& ctx, catalog::Catalog& cat, const Config& config) {
  std::unordered_set<ContentHash> live;
  auto st = cat.ForEachPresentHash([&](const ContentHash& h) { live.insert(h); });
  if (!st) return PrintError(st.error().ToString()), kExitError;
  auto cache = OpenThumbnailCache(ctx, config);
  auto report = cache->Collect([&](const ContentHash& h) { return live.count(h) > 0; });
  if (!report) return PrintError(report.error().ToString()), kExitError;
  std::printf("thumbs --gc: removed %s files (%s), kept %s files (%s)\n",
              util::GroupThousands(report->removed).c_str(),
              util::HumanBytes(static_cast<uint64_t>(report->removed_bytes)).c_str(),
              util::GroupThousands(report->kept).c_str(),
              util::HumanBytes(static_cast<uint64_t>(report->kept_bytes)).c_str());
  return kExitOk;
}

int RunThumbs(Context& ctx, const ThumbsArgs& a) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  auto cat = ctx.OpenCatalog(CatalogUse::kWrite);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  if (a.gc) return RunGc(ctx, **cat, *config);
  std::vector<std::pair<catalog::FileQuery, std::string>> scopes;
  if (a.paths.empty()) scopes.push_back({catalog::FileQuery{}, "all roots"});
  for (const std::string& p : a.paths) {
    auto q = QueryForPath(ctx, **cat, p);
    if (!q) return PrintError(q.error().ToString()), kExitError;
    scopes.push_back({*q, p});
  }
  const std::atomic<bool>& cancel = os::InstallInterruptHandler();
  int rc = kExitOk;
  for (const auto& [scope, where] : scopes) {
    if (cancel.load()) return kExitInterrupted;
    rc = std::max(rc, RunPixelStage(ctx, **cat, *config, scope, where, cancel));
    if (rc == kExitInterrupted) return rc;
  }
  return rc;
}

}  // namespace

RunFn SetupThumbs(CLI::App& sub) {
  auto a = std::make_shared<ThumbsArgs>();
  sub.add_option("paths", a->paths,
                 "Roots, folders or files (default: everything cataloged)");
  sub.add_flag("--gc", a->gc,
               "Remove cached thumbnails no cataloged file needs any more");
  return [a](Context& ctx) { return RunThumbs(ctx, *a); };
}

}  // namespace phodex::app
