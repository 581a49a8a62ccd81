// phodex ops [--json] [--limit N] [--errors [ID]]

#include <nlohmann/json.hpp>

#include <cstdio>

#include "app/commands.h"
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

nlohmann::json OpToJson(const catalog::Operation& op) {
  nlohmann::json j = {
      {"id", op.id.value},
      {"type", op.type},
      {"root", op.root_name.empty() ? nlohmann::json(nullptr)
                                    : nlohmann::json(op.root_name)},
      {"scope", util::EscapeBytes(op.scope)},
      {"status", catalog::OperationStatusName(op.status)},
      {"started", util::Rfc3339Utc(op.started_ns)},
      {"ended", op.ended_ns ? nlohmann::json(util::Rfc3339Utc(*op.ended_ns))
                            : nlohmann::json(nullptr)},
      {"duration_s",
       op.ended_ns ? nlohmann::json((*op.ended_ns - op.started_ns) / 1e9)
                   : nlohmann::json(nullptr)},
      {"scanned", op.counts.scanned},
      {"added", op.counts.added},
      {"updated", op.counts.updated},
      {"removed", op.counts.removed},
      {"errors", op.counts.errors},
      {"moved", op.counts.moved},
      {"error", op.error.empty() ? nlohmann::json(nullptr)
                                 : nlohmann::json(op.error)},
      {"pid", op.pid},
      {"host", op.host},
  };
  if (!op.checkpoint.empty()) {
    j["checkpoint"] = nlohmann::json::parse(op.checkpoint, nullptr, false);
  }
  return j;
}

int RunErrors(catalog::Catalog& cat, const OpsArgs& a) {
  std::optional<OperationId> op;
  if (a.errors_of > 0) op = OperationId{a.errors_of};
  auto rows = cat.ListFileErrors(op, a.limit);
  if (!rows) return PrintError(rows.error().ToString()), kExitError;
  for (const catalog::FileErrorRow& r : *rows) {
    if (a.json) {
      std::printf("%s\n", nlohmann::json{{"operation", r.op.value},
                                         {"path", util::EscapeBytes(r.path)},
                                         {"op", r.op_name},
                                         {"reason", r.reason},
                                         {"at", util::Rfc3339Utc(r.at_ns)}}
                              .dump()
                              .c_str());
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
  auto cat = ctx.OpenCatalog(CatalogUse::kRead);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  if (a.errors) return RunErrors(**cat, a);
  auto ops = (*cat)->ListOperations(a.limit);
  if (!ops) return PrintError(ops.error().ToString()), kExitError;
  if (!a.json) {
    std::printf("%-6s %-6s %-16s %-11s %-25s %10s %10s %8s %8s %8s %7s\n",
                "id", "type", "root", "status", "started", "duration",
                "scanned", "added", "updated", "removed", "errors");
  }
  for (const catalog::Operation& op : *ops) {
    if (a.json) {
      std::printf("%s\n", OpToJson(op).dump().c_str());
      continue;
    }
    const std::string dur =
        op.ended_ns ? util::HumanDuration((*op.ended_ns - op.started_ns) / 1e9)
                    : "-";
    std::printf("%-6lld %-6s %-16s %-11s %-25s %10s %10s %8s %8s %8s %7s\n",
                static_cast<long long>(op.id.value), op.type.c_str(),
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
