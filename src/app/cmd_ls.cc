// phodex ls [PATH-PREFIX] [--kind K] [--removed] [--json|--csv]

#include <cstdio>

#include "app/commands.h"
#include "library/file_output.h"
#include "library/queries.h"
#include "app/pixel_workers.h"

namespace phodex::app {
namespace {

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

int RunLs(Context& ctx, const LsArgs& a) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  const std::string thumbs_key = OpenThumbnailCache(ctx, *config)->settings_key();
  auto lib = ctx.OpenLibrary(CatalogUse::kRead);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  library::ListFilesRequest req;
  req.path = a.prefix;
  req.limit = a.limit;
  req.with_pairs = a.json;
  req.blurry = a.blurry;
  req.blown_out = a.blown;
  req.presence = a.all       ? catalog::FileQuery::Presence::kAll
                 : a.removed ? catalog::FileQuery::Presence::kRemoved
                             : catalog::FileQuery::Presence::kPresent;
  if (!a.kind.empty()) {
    req.kind = ParseMediaKind(a.kind);
    if (!req.kind) {
      PrintError("unknown kind '" + a.kind +
                 "' (photo, raw, video, sidecar)");
      return kExitUsage;
    }
  }
  auto listed = library::ListFiles(
      **lib, req,
      [&](const catalog::FileRow& row) {
        if (a.json) {
          std::printf("%s\n", library::DumpJson(library::FileToJson(row, thumbs_key)).c_str());
        } else if (a.csv) {
          std::printf("%s\n", library::FileToCsv(row).c_str());
        } else {
          std::printf("%s\n", library::FileToText(row).c_str());
        }
      },
      [&] {
        if (a.csv) std::printf("%s\n", library::CsvHeader().c_str());
      });
  if (!listed) return PrintError(listed.error().ToString()), kExitError;
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
