// phodex ls [PATH-PREFIX] [--kind K] [--removed] [--json|--csv]

#include <cstdio>

#include "app/commands.h"
#include "app/file_output.h"
#include "app/path_query.h"

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
};

int RunLs(Context& ctx, const LsArgs& a) {
  auto cat = ctx.OpenCatalog();
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  catalog::FileQuery q;
  q.limit = a.limit;
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
  if (a.csv) std::printf("%s\n", CsvHeader().c_str());
  auto st = (*cat)->ForEachFile(q, [&](const catalog::FileRow& row) {
    if (a.json) {
      std::printf("%s\n", DumpJson(FileToJson(row)).c_str());
    } else if (a.csv) {
      std::printf("%s\n", FileToCsv(row).c_str());
    } else {
      std::printf("%s\n", FileToText(row).c_str());
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
  sub.add_option("--limit", a->limit, "At most this many files");
  auto* json = sub.add_flag("--json", a->json,
                            "One JSON object per line (docs/cli.md)");
  sub.add_flag("--csv", a->csv, "CSV with a header line")->excludes(json);
  return [a](Context& ctx) { return RunLs(ctx, *a); };
}

}  // namespace phodex::app
