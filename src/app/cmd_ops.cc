// phodex ops [--json] [--limit N] [--errors [ID]]

#include <cstdio>

#include "app/commands.h"
#include "library/operation_output.h"
#include "library/queries.h"
#include "util/text.h"
#include "util/time_format.h"

namespace phodex::app {
namespace {

struct OpsArgs {
  bool json = false;
  int64_t limit = 20;
  bool errors = false;
  int64_t errors_of = 0;
};

int RunErrors(library::Library& lib, const OpsArgs& a) {
  std::optional<OperationId> op;
  if (a.errors_of > 0) op = OperationId{a.errors_of};
  auto rows = library::ListFileErrors(lib, op, a.limit);
  if (!rows) return PrintError(rows.error().ToString()), ExitStatusFor(rows.error());
  for (const catalog::FileErrorRow& r : *rows) {
    if (a.json) {
      std::printf("%s\n", library::FileErrorToJson(r).dump().c_str());
    } else {
      std::printf(
          "#%-5lld %s '%s': %s\n", static_cast<long long>(r.op.value),
          r.op_name.c_str(), util::EscapeForTerminal(r.path).c_str(),
          util::EscapeControls(r.reason, util::Newline::kEscape).c_str());
    }
  }
  return kExitOk;
}

int RunOps(Context& ctx, const OpsArgs& a) {
  auto lib = ctx.OpenLibrary(CatalogUse::kRead);
  if (!lib) return PrintError(lib.error().ToString()), kExitError;
  if (a.errors) return RunErrors(**lib, a);
  auto ops = library::ListOperations(**lib, a.limit);
  if (!ops) return PrintError(ops.error().ToString()), ExitStatusFor(ops.error());
  // The type column fits the longest type listed ("drive-returned").
  const int type_width = library::OperationTypeWidth(*ops);
  if (!a.json) {
    std::printf("%-6s %-*s %-16s %-11s %-25s %10s %10s %8s %8s %8s %7s\n",
                "id", type_width, "type", "root", "status", "started", "duration",
                "scanned", "added", "updated", "removed", "errors");
  }
  for (const catalog::Operation& op : *ops) {
    if (a.json) {
      std::printf("%s\n", library::OperationToJson(op).dump().c_str());
      continue;
    }
    const std::string dur =
        op.ended_ns ? util::HumanDuration((*op.ended_ns - op.started_ns) / 1e9)
                    : "-";
    std::printf("%-6lld %-*s %-16s %-11s %-25s %10s %10s %8s %8s %8s %7s\n",
                static_cast<long long>(op.id.value), type_width,
                op.type.c_str(),
                util::EscapeForTerminal(op.root_name).c_str(),
                catalog::OperationStatusName(op.status),
                util::Rfc3339Local(op.started_ns).c_str(), dur.c_str(),
                util::GroupThousands(op.counts.scanned).c_str(),
                util::GroupThousands(op.counts.added).c_str(),
                util::GroupThousands(op.counts.updated).c_str(),
                util::GroupThousands(op.counts.removed).c_str(),
                util::GroupThousands(op.counts.errors).c_str());
  }
  return kExitOk;
}

}  // namespace

RunFn SetupOps(CLI::App& sub) {
  auto a = std::make_shared<OpsArgs>();
  sub.add_flag("--json", a->json, "One JSON object per line (docs/cli.md)");
  sub.add_option("--limit", a->limit, "Newest N (default 20)")
      ->check(AtLeast(0));
  sub.add_flag("--errors", a->errors, "List file errors instead");
  sub.add_option("--op", a->errors_of, "With --errors: only this operation")
      ->check(AtLeast(1));
  return [a](Context& ctx) { return RunOps(ctx, *a); };
}

}  // namespace phodex::app
