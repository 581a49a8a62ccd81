// phodex similar [PATH...] [--threshold N] [--include-pairs] [--json]

#include <cstdio>
#include <unordered_map>

#include "app/commands.h"
#include "library/file_output.h"
#include "app/path_query.h"
#include "dedup/similar_groups.h"
#include "util/text.h"

namespace phodex::app {
namespace {

struct SimilarArgs {
  std::vector<std::string> paths;
  int threshold = -1;  // -1: the config's
  bool include_pairs = false;
  bool json = false;
};

// One item per distinct content: exact copies are `dupes`' business, so a
// group never lists two paths of the same bytes.
struct Library {
  std::vector<dedup::SimilarItem> items;
  std::vector<std::string> paths;  // absolute, of each item
  std::unordered_map<ContentHash, size_t> by_hash;
};

Status Load(catalog::Catalog& cat, const catalog::FileQuery& scope,
            bool include_pairs, Library& lib) {
  catalog::FileQuery q = scope;
  q.presence = catalog::FileQuery::Presence::kPresent;
  q.with_pairs = !include_pairs;
  return cat.ForEachFile(q, [&](const catalog::FileRow& row) {
    if (row.kind != MediaKind::kPhoto && row.kind != MediaKind::kRaw) return;
    if (!row.hash || !row.pixels || row.pixels->error) return;
    if (!lib.by_hash.emplace(*row.hash, lib.items.size()).second) return;
    dedup::SimilarItem item;
    item.phash = row.pixels->phash;
    item.rotated = row.pixels->phash_rotated;
    if (row.pair) item.pair = std::min(row.id.value, row.pair->value);
    lib.items.push_back(item);
    lib.paths.push_back(library::AbsolutePath(row));
  });
}

int RunSimilar(Context& ctx, const SimilarArgs& a) {
  auto config = ctx.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  auto cat = ctx.OpenCatalog(CatalogUse::kRead);
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  std::vector<catalog::FileQuery> scopes;
  if (a.paths.empty()) scopes.emplace_back();
  for (const std::string& p : a.paths) {
    auto q = QueryForPath(ctx, **cat, p);
    if (!q) return PrintError(q.error().ToString()), kExitError;
    scopes.push_back(*q);
  }
  Library lib;
  for (const catalog::FileQuery& scope : scopes) {
    auto st = Load(**cat, scope, a.include_pairs, lib);
    if (!st) return PrintError(st.error().ToString()), kExitError;
  }
  dedup::SimilarOptions options;
  options.threshold = a.threshold >= 0 ? a.threshold : config->similar_threshold;
  const auto groups = dedup::FindSimilarGroups(lib.items, options);
  for (const dedup::SimilarGroup& g : groups) {
    if (a.json) {
      nlohmann::ordered_json j;
      j["paths"] = nlohmann::ordered_json::array();
      for (size_t m : g.members) j["paths"].push_back(util::EscapeBytes(lib.paths[m]));
      j["max_distance"] = g.max_distance;
      std::printf("%s\n", library::DumpJson(j).c_str());
      continue;
    }
    std::printf("%zu similar photos (max distance %d):\n", g.members.size(),
                g.max_distance);
    for (size_t m : g.members) {
      std::printf("  %s\n", util::EscapeForTerminal(lib.paths[m]).c_str());
    }
  }
  if (!a.json) {
    std::printf("%zu %s among %s distinct photos (threshold %d)\n",
                groups.size(), groups.size() == 1 ? "group" : "groups",
                util::GroupThousands(lib.items.size()).c_str(),
                options.threshold);
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
