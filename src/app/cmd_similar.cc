// phodex similar [PATH...] [--threshold N] [--include-pairs] [--json]

#include <cstdio>

#include "app/commands.h"
#include "app/exit_status.h"
#include "library/file_output.h"
#include "library/group_output.h"
#include "library/similar.h"
#include "util/text.h"

namespace phodex::app {
namespace {

struct SimilarArgs {
  std::vector<std::string> paths;
  int threshold = -1;  // -1: the config's
  bool include_pairs = false;
  bool json = false;
};

int RunSimilar(Context& ctx, const SimilarArgs& a) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  auto lib = ctx.OpenLibrary(CatalogUse::kRead);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  library::SimilarRequest request;
  request.paths = a.paths;
  if (a.threshold >= 0) request.threshold = a.threshold;
  request.include_pairs = a.include_pairs;
  // A query: a signal ends it at once (main), nothing to cancel.
  auto r = library::FindSimilar(**lib, request, jobs::CancelToken());
  if (!r) return PrintError(r.error().ToString()), ExitStatusFor(r.error());
  for (const library::SimilarPhotoGroup& g : r->groups) {
    if (a.json) {
      std::printf("%s\n",
                  library::DumpJson(library::SimilarGroupToJson(g)).c_str());
      continue;
    }
    std::printf("%zu similar photos (max distance %d):\n", g.paths.size(),
                g.max_distance);
    for (const std::string& p : g.paths) {
      std::printf("  %s\n", util::EscapeForTerminal(p).c_str());
    }
  }
  if (!a.json) {
    std::printf("%zu %s among %s distinct photos (threshold %d)\n",
                r->groups.size(), r->groups.size() == 1 ? "group" : "groups",
                util::GroupThousands(static_cast<uint64_t>(r->distinct_photos)).c_str(),
                r->threshold);
  }
  return kExitOk;
}

}  // namespace

RunFn SetupSimilar(CLI::App& sub) {
  auto a = std::make_shared<SimilarArgs>();
  sub.add_option("paths", a->paths,
                 "Roots, folders or files (default: everything cataloged)");
  sub.add_option("--threshold", a->threshold,
                 "Bits two perceptual hashes may differ by (default: "
                 "[similar] threshold, 12)")
      ->check(CLI::Range(0, 32));
  sub.add_flag("--include-pairs", a->include_pairs,
               "Also group a RAW with its JPEG (captures of one shot)");
  sub.add_flag("--json", a->json,
               "One object per group per line: {\"paths\", \"max_distance\"}");
  return [a](Context& ctx) { return RunSimilar(ctx, *a); };
}

}  // namespace phodex::app
