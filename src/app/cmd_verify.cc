// phodex verify [PATH...] [--sha256] [--json]

#include <nlohmann/json.hpp>

#include <cstdio>

#include "app/commands.h"
#include "app/path_query.h"
#include "os/clock.h"
#include "os/process.h"
#include "scan/verifier.h"
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

int RunVerify(Context& ctx, const VerifyArgs& a) {
  auto cat = ctx.OpenCatalog(CatalogUse::kWrite);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  std::vector<catalog::FileQuery> queries;
  if (a.paths.empty()) queries.emplace_back();
  for (const std::string& p : a.paths) {
    auto q = QueryForPath(ctx, **cat, p);
    if (!q) return PrintError(q.error().ToString()), kExitError;
    queries.push_back(*q);
  }
  const std::atomic<bool>& cancel = os::InstallInterruptHandler();
  os::Clock& clock = os::SystemClock();
  const int64_t start = clock.MonotonicNs();

  catalog::Operation op;
  op.type = "verify";
  op.scope = a.paths.empty() ? "" : a.paths.front();
  op.started_ns = clock.NowUnixNs();
  op.pid = os::CurrentPid();
  op.host = os::HostName();
  auto op_id = (*cat)->BeginOperation(op);
  if (!op_id) return PrintError(op_id.error().ToString()), kExitError;

  scan::VerifyReport total;
  scan::VerifyOptions options{a.sha256, a.threads};
  for (const catalog::FileQuery& q : queries) {
    auto r = scan::Verify(**cat, ctx.fs(), q, options, &cancel);
    if (!r) {
      (void)(*cat)->FinishOperation(*op_id, catalog::OperationStatus::kFailed,
                                    {}, r.error().ToString(),
                                    clock.NowUnixNs());
      return PrintError(r.error().ToString()), kExitError;
    }
    total.checked += r->checked;
    total.baselined += r->baselined;
    total.damaged += r->damaged;
    total.missing += r->missing;
    total.changed += r->changed;
    total.errors += r->errors;
    total.bytes += r->bytes;
    total.interrupted |= r->interrupted;
    for (auto& f : r->findings) total.findings.push_back(std::move(f));
  }
  for (const scan::VerifyFinding& f : total.findings) {
    if (a.json) {
      std::printf("%s\n", nlohmann::json{{"status", KindName(f.kind)},
                                         {"path", util::EscapeBytes(f.path)},
                                         {"detail", f.detail}}
                              .dump()
                              .c_str());
    } else {
      std::printf(
          "%-8s %s: %s\n", KindName(f.kind),
          util::EscapeForTerminal(f.path).c_str(),
          util::EscapeControls(f.detail, util::Newline::kEscape).c_str());
    }
  }
  const double secs = static_cast<double>(clock.MonotonicNs() - start) / 1e9;
  std::fprintf(a.json ? stderr : stdout,
               "verified %s files (%s) in %s: %s unchanged, %s new "
               "baselines, %s DAMAGED, %s missing, %s changed since the last "
               "scan, %s errors%s\n",
               util::GroupThousands(total.checked + total.baselined).c_str(),
               util::HumanBytes(static_cast<uint64_t>(total.bytes)).c_str(),
               util::HumanDuration(secs).c_str(),
               util::GroupThousands(total.checked).c_str(),
               util::GroupThousands(total.baselined).c_str(),
               util::GroupThousands(total.damaged).c_str(),
               util::GroupThousands(total.missing).c_str(),
               util::GroupThousands(total.changed).c_str(),
               util::GroupThousands(total.errors).c_str(),
               total.interrupted ? " (interrupted)" : "");
  catalog::OperationCounts counts;
  counts.scanned = total.checked + total.baselined + total.damaged;
  counts.updated = total.baselined;
  counts.errors = total.damaged + total.missing + total.errors;
  (void)(*cat)->FinishOperation(
      *op_id,
      total.interrupted ? catalog::OperationStatus::kInterrupted
                        : catalog::OperationStatus::kCompleted,
      counts, total.damaged ? "damaged files found" : "", clock.NowUnixNs());
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
