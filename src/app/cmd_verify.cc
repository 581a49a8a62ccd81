// phodex verify [PATH...] [--sha256] [--json]

#include <nlohmann/json.hpp>

#include <cstdio>

#include "app/commands.h"
#include "app/exit_status.h"
#include "library/verify.h"
#include "os/process.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

struct VerifyArgs {
  std::vector<std::string> paths;
  bool sha256 = false;
  bool json = false;
  int threads = 0;
};

const char* KindName(scan::VerifyFinding::Kind k) {
  switch (k) {
    case scan::VerifyFinding::Kind::kDamaged: return "damaged";
    case scan::VerifyFinding::Kind::kMissing: return "missing";
    case scan::VerifyFinding::Kind::kChanged: return "changed";
    case scan::VerifyFinding::Kind::kError: return "error";
  }
  return "error";
}

void PrintFinding(const scan::VerifyFinding& f, bool json) {
  if (json) {
    std::printf("%s\n", nlohmann::json{{"status", KindName(f.kind)},
                                       {"path", util::EscapeBytes(f.path)},
                                       {"detail", f.detail}}
                            .dump()
                            .c_str());
  } else {
    std::printf("%-8s %s: %s\n", KindName(f.kind),
                util::EscapeForTerminal(f.path).c_str(),
                util::EscapeControls(f.detail, util::Newline::kEscape).c_str());
  }
}

int RunVerify(Context& ctx, const VerifyArgs& a) {
  auto lib = ctx.OpenLibrary(CatalogUse::kWrite);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  auto r = library::VerifyFiles(**lib, {a.paths, a.sha256, a.threads},
                                jobs::CancelToken(os::InstallInterruptHandler()));
  if (!r) return PrintError(r.error().ToString()), ExitStatusFor(r.error());
  const scan::VerifyReport& total = r->report;
  for (const scan::VerifyFinding& f : total.findings) PrintFinding(f, a.json);
  std::fprintf(a.json ? stderr : stdout,
               "verified %s files (%s) in %s: %s unchanged, %s new "
               "baselines, %s DAMAGED, %s missing, %s changed since the last "
               "scan, %s errors%s\n",
               util::GroupThousands(total.checked + total.baselined).c_str(),
               util::HumanBytes(static_cast<uint64_t>(total.bytes)).c_str(),
               util::HumanDuration(r->seconds).c_str(),
               util::GroupThousands(total.checked).c_str(),
               util::GroupThousands(total.baselined).c_str(),
               util::GroupThousands(total.damaged).c_str(),
               util::GroupThousands(total.missing).c_str(),
               util::GroupThousands(total.changed).c_str(),
               util::GroupThousands(total.errors).c_str(),
               total.interrupted ? " (interrupted)" : "");
  if (total.interrupted) return kExitInterrupted;
  return total.damaged > 0 ? kExitDamaged : kExitOk;
}

}  // namespace

RunFn SetupVerify(CLI::App& sub) {
  auto a = std::make_shared<VerifyArgs>();
  sub.add_option("paths", a->paths,
                 "Roots, folders or files (default: the whole catalog)");
  sub.add_flag("--sha256", a->sha256, "Also compute and check SHA-256");
  sub.add_flag("--json", a->json,
               "One JSON object per file that is not fine");
  sub.add_option("--threads", a->threads,
                 "Hashing threads (0: one per core; at most 1024)")
      ->check(CLI::Range(0, kMaxThreads));
  return [a](Context& ctx) { return RunVerify(ctx, *a); };
}

}  // namespace phodex::app
