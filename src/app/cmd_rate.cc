// phodex rate PATH... --stars N [--embed]
// phodex fav PATH... [--off] [--embed]
// PATH "-" reads paths from stdin, one per line.

#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/exit_status.h"
#include "library/rate.h"
#include "os/process.h"
#include "util/text.h"

namespace phodex::app {
namespace {

struct RateArgs {
  std::vector<std::string> paths;
  int stars = 0;
  bool off = false;  // fav --off
  bool embed = false;
  bool wait = false;
};

std::vector<std::string> ExpandPaths(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    if (a != "-") {
      out.push_back(a);
      continue;
    }
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty()) out.push_back(line);
    }
  }
  return out;
}

// Each file as it is done: rated on stdout, failed on stderr.
class RatePrinter final : public library::RateSink {
 public:
  void Rated(const library::RatedFile& f) override {
    std::printf("%s  %s%s\n", util::EscapeForTerminal(f.written_path).c_str(),
                f.rating < 0 ? "rejected"
                             : (std::to_string(f.rating) + "*").c_str(),
                f.created ? "  (new sidecar)" : "");
  }
  void Failed(const Error& error) override { PrintError(error.ToString()); }
};

int RunRate(Context& ctx, const RateArgs& a, library::RateRequest request) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  auto lib = ctx.OpenLibrary(CatalogUse::kWrite);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  request.paths = ExpandPaths(a.paths);
  if (request.paths.empty()) return PrintError("no files given"), kExitUsage;
  request.target = a.embed ? scan::RatingRequest::Target::kEmbed
                           : scan::RatingRequest::Target::kSidecar;
  request.wait = a.wait ? catalog::Locks::Wait::kYes : catalog::Locks::Wait::kNo;
  RatePrinter printer;
  auto r = library::Rate(**lib, request, printer,
                         jobs::CancelToken(os::InstallInterruptHandler()));
  if (!r) {
    PrintError(r.error().ToString());
    return ExitStatusFor(r.error());
  }
  if (r->interrupted) return kExitInterrupted;
  return r->errors > 0 ? kExitError : kExitOk;
}

void CommonOptions(CLI::App& sub, RateArgs& a) {
  sub.add_option("paths", a.paths, "Files (\"-\": read paths from stdin)")
      ->required();
  sub.add_flag("--embed", a.embed,
               "Write into the file itself (JPEG, TIFF, DNG) instead of an "
               "XMP sidecar");
  sub.add_flag("--wait", a.wait, "Wait for a scan of the same root");
}

}  // namespace

RunFn SetupRate(CLI::App& sub) {
  auto a = std::make_shared<RateArgs>();
  CommonOptions(sub, *a);
  sub.add_option("--stars", a->stars, "0-5 stars, or -1 for rejected")
      ->required()
      ->check(CLI::Range(-1, 5));
  return [a](Context& ctx) {
    library::RateRequest request;
    request.rating = library::RateRequest::Rating::kStars;
    request.stars = a->stars;
    return RunRate(ctx, *a, request);
  };
}

RunFn SetupFav(CLI::App& sub) {
  auto a = std::make_shared<RateArgs>();
  CommonOptions(sub, *a);
  sub.add_flag("--off", a->off, "Remove the favorite");
  return [a](Context& ctx) -> int {
    // Loaded here as it always was (its warnings are printed again by
    // RunRate's load).
    if (auto config = ctx.LoadConfig(); !config) {
      return PrintError(config.error().ToString()), kExitError;
    }
    library::RateRequest request;
    request.rating = a->off ? library::RateRequest::Rating::kUnfavorite
                            : library::RateRequest::Rating::kFavorite;
    return RunRate(ctx, *a, request);
  };
}

}  // namespace phodex::app
