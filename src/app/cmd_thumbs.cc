// phodex thumbs [PATH...] [--gc]

#include <cstdio>

#include "app/commands.h"
#include "app/exit_status.h"
#include "app/pixel_workers.h"
#include "library/thumbs.h"
#include "os/process.h"
#include "util/text.h"

namespace phodex::app {
namespace {

struct ThumbsArgs {
  std::vector<std::string> paths;
  bool gc = false;
};

int RunGc(library::Library& lib) {
  auto report = library::CollectThumbs(lib);
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
  auto lib = ctx.OpenLibrary(CatalogUse::kWrite);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  if (a.gc) return RunGc(**lib);
  PixelStagePrinter printer;
  auto r = library::Thumbs(**lib, {a.paths}, printer,
                           jobs::CancelToken(os::InstallInterruptHandler()));
  if (!r) return PrintError(r.error().ToString()), ExitStatusFor(r.error());
  if (r->interrupted) return kExitInterrupted;
  return r->stages_failed > 0 ? kExitError : kExitOk;
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
