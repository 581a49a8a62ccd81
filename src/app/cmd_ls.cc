// phodex ls [PATH-PREFIX] [--kind K] [--removed] [--json|--csv]

#include <cstdio>

#include "app/commands.h"
#include "library/file_output.h"
#include "app/path_query.h"
#include "app/pixel_workers.h"

namespace phodex::app {
namespace {

constexpr double kBlownOutShare = 0.05;

struct LsArgs {
  std::string prefix;
  std::string kind;
  bool removed = false;
  bool all = false;
  bool json = false;
  bool csv = false;
  int64_t limit = -1;
  bool blurry = false;
  bool blown = false;
};

// `ls --blurry` / `--blown-out` (docs/cli.md): images whose pixels were
// measured and that fall past the config's thresholds.
bool Keep(const catalog::FileRow& row, const LsArgs& a, const Config& config) {
  if (!a.blurry && !a.blown) return true;
  if (!row.pixels || row.pixels->error) return false;
  if (a.blurry && row.pixels->sharpness >= config.blurry_sharpness) return false;
  if (a.blown && row.pixels->clipped_highlights < kBlownOutShare) return false;
  return true;
}

int RunLs(Context& ctx, const LsArgs& a) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  const std::string thumbs_key = OpenThumbnailCache(ctx, *config)->settings_key();
  auto cat = ctx.OpenCatalog(CatalogUse::kRead);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  catalog::FileQuery q;
  if (!a.blurry && !a.blown && a.limit >= 0) q.limit = a.limit;
  q.with_pairs = a.json;
  int64_t shown = 0;
  q.presence = a.all       ? catalog::FileQuery::Presence::kAll
               : a.removed ? catalog::FileQuery::Presence::kRemoved
                           : catalog::FileQuery::Presence::kPresent;
  if (!a.kind.empty()) {
    q.kind = ParseMediaKind(a.kind);
    if (!q.kind) {
      PrintError("unknown kind '" + a.kind +
                 "' (photo, raw, video, sidecar)");
      return kExitUsage;
    }
  }
  if (!a.prefix.empty()) {
    auto pq = QueryForPath(ctx, **cat, a.prefix);
    if (!pq) return PrintError(pq.error().ToString()), kExitError;
    q.root = pq->root;
    q.rel_prefix = pq->rel_prefix;
  }
  if (a.csv) std::printf("%s\n", library::CsvHeader().c_str());
  auto st = (*cat)->ForEachFile(q, [&](const catalog::FileRow& row) {
    if (!Keep(row, a, *config) || (a.limit >= 0 && shown >= a.limit)) return;
    ++shown;
    if (a.json) {
      std::printf("%s\n", library::DumpJson(library::FileToJson(row, thumbs_key)).c_str());
    } else if (a.csv) {
      std::printf("%s\n", library::FileToCsv(row).c_str());
    } else {
      std::printf("%s\n", library::FileToText(row).c_str());
    }
  });
  if (!st) return PrintError(st.error().ToString()), kExitError;
  return kExitOk;
}

}  // namespace

RunFn SetupLs(CLI::App& sub) {
  auto a = std::make_shared<LsArgs>();
  sub.add_option("prefix", a->prefix,
                 "Only files at or below this path (a root, folder or file)");
  sub.add_option("--kind", a->kind, "photo, raw, video or sidecar");
  sub.add_flag("--removed", a->removed, "Only files no longer found");
  sub.add_flag("--all", a->all, "Present and removed files");
  sub.add_option("--limit", a->limit, "At most this many files")
      ->check(AtLeast(0));
  sub.add_flag("--blurry", a->blurry,
               "Only images whose sharpness is below [quality] blurry (30)");
  sub.add_flag("--blown-out", a->blown,
               "Only images with over 5% of clipped highlights");
  auto* json = sub.add_flag("--json", a->json,
                            "One JSON object per line (docs/cli.md)");
  sub.add_flag("--csv", a->csv, "CSV with a header line")->excludes(json);
  return [a](Context& ctx) { return RunLs(ctx, *a); };
}

}  // namespace phodex::app
