// phodex dupes [PATH...] [--json|--csv]

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

#include "app/commands.h"
#include "app/path_query.h"
#include "dedup/exact_duplicates.h"
#include "media/hasher.h"
#include "util/text.h"

namespace phodex::app {
namespace {

struct DupesArgs {
  std::vector<std::string> paths;
  bool json = false;
  bool csv = false;
};

dedup::Hashers MediaHashers(os::FileSystem& fs) {
  dedup::Hashers h;
  h.quick = [&fs](const std::string& path) -> Result<ContentHash> {
    PHODEX_ASSIGN_OR_RETURN(auto file,
                            fs.OpenForRead(path, os::AccessPattern::kRandom));
    PHODEX_ASSIGN_OR_RETURN(media::QuickRead r, media::ReadQuick(*file));
    return media::QuickHash(r);
  };
  h.full = [&fs](const std::string& path) -> Result<ContentHash> {
    PHODEX_ASSIGN_OR_RETURN(
        auto file, fs.OpenForRead(path, os::AccessPattern::kSequential));
    PHODEX_ASSIGN_OR_RETURN(media::FullHashes r,
                            media::HashWholeFile(*file, media::WithSha256::kNo));
    return r.xxh128;
  };
  return h;
}

// Paths that share an inode with another member of the group.
std::vector<std::vector<std::string>> HardLinks(const dedup::DuplicateGroup& g) {
  std::map<std::pair<uint64_t, uint64_t>, std::vector<std::string>> by;
  for (const dedup::DuplicateFile& f : g.files) {
    by[{f.dev, f.ino}].push_back(util::EscapeBytes(f.path));
  }
  std::vector<std::vector<std::string>> out;
  for (auto& [_, paths] : by) {
    if (paths.size() > 1) out.push_back(std::move(paths));
  }
  return out;
}

int RunDupes(Context& ctx, const DupesArgs& a) {
  auto cat = ctx.OpenCatalog();
  if (!cat) return PrintError(cat.error().ToString()), kExitError;
  dedup::DuplicateOptions options;
  for (const std::string& p : a.paths) {
    auto abs = ctx.fs().RealPath(p);
    if (!abs) return PrintError(abs.error().ToString()), kExitError;
    // A path in no root would silently find nothing: say so.
    if (auto q = QueryForPath(ctx, **cat, *abs); !q) {
      return PrintError(q.error().ToString()), kExitError;
    }
    options.scopes.push_back(*abs);
  }
  auto report =
      dedup::FindExactDuplicates(**cat, MediaHashers(ctx.fs()), options);
  if (!report) return PrintError(report.error().ToString()), kExitError;
  if (a.csv) std::printf("group,size,hash,path\n");
  int n = 0;
  for (const dedup::DuplicateGroup& g : report->groups) {
    ++n;
    if (a.json) {
      nlohmann::ordered_json j;
      j["size"] = g.size;
      j["hash"] = g.hash.ToHex();
      j["paths"] = nlohmann::ordered_json::array();
      for (const auto& f : g.files) j["paths"].push_back(util::EscapeBytes(f.path));
      j["wasted"] = g.wasted;
      j["hardlinks"] = HardLinks(g);
      std::printf("%s\n", j.dump().c_str());
    } else if (a.csv) {
      for (const auto& f : g.files) {
        std::printf("%d,%lld,%s,\"%s\"\n", n, static_cast<long long>(g.size),
                    g.hash.ToHex().c_str(), util::EscapeBytes(f.path).c_str());
      }
    } else {
      std::printf("%zu copies of %s (%s), %s wasted\n", g.files.size(),
                  util::HumanBytes(static_cast<uint64_t>(g.size)).c_str(),
                  g.hash.ToHex().c_str(),
                  util::HumanBytes(static_cast<uint64_t>(g.wasted)).c_str());
      for (const auto& f : g.files) {
        std::printf("  %s\n", util::EscapeBytes(f.path).c_str());
      }
      for (const auto& links : HardLinks(g)) {
        std::printf("  (hard links to one file, no space wasted: %zu paths)\n",
                    links.size());
      }
    }
  }
  for (const std::string& e : report->errors) {
    std::fprintf(stderr, "phodex: could not read: %s\n", e.c_str());
  }
  std::fprintf(a.json || a.csv ? stderr : stdout,
               "%s duplicate groups, %s wasted; %s files read\n",
               util::GroupThousands(report->groups.size()).c_str(),
               util::HumanBytes(static_cast<uint64_t>(report->wasted)).c_str(),
               util::GroupThousands(report->files_read).c_str());
  return kExitOk;
}

}  // namespace

RunFn SetupDupes(CLI::App& sub) {
  auto a = std::make_shared<DupesArgs>();
  sub.add_option("paths", a->paths,
                 "Only files at or below these paths (default: all roots)");
  auto* json = sub.add_flag("--json", a->json,
                            "One JSON object per group (docs/cli.md)");
  sub.add_flag("--csv", a->csv, "CSV, one row per file")->excludes(json);
  return [a](Context& ctx) { return RunDupes(ctx, *a); };
}

}  // namespace phodex::app
