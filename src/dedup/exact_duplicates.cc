#include "dedup/exact_duplicates.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "os/file_system.h"
#include "util/metrics.h"

namespace phodex::dedup {
namespace {

struct Candidate {
  catalog::SizeTwin twin;
  std::string path;
  bool hashed_now = false;
};

bool InScope(const std::string& path, const std::vector<std::string>& scopes) {
  if (scopes.empty()) return true;
  for (const std::string& s : scopes) {
    if (path == s || (path.starts_with(s) &&
                      (s.back() == '/' || path[s.size()] == '/'))) {
      return true;
    }
  }
  return false;
}

// Fills in a hash for each candidate that lacks it, in parallel. Failures
// drop the candidate (recorded in `errors`).
void Fill(std::vector<Candidate*>& cands, bool full, const Hashers& h,
          int threads, std::vector<std::string>& errors, int64_t& reads) {
  std::vector<Candidate*> todo;
  for (Candidate* c : cands) {
    if (!(full ? c->twin.hash : c->twin.quick_hash)) todo.push_back(c);
  }
  std::mutex mu;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(size_t{0}, todo.size(), [&](size_t i) {
      Candidate* c = todo[i];
      auto r = full ? h.full(c->path) : h.quick(c->path);
      std::lock_guard lock(mu);
      ++reads;
      if (!r) {
        errors.push_back(r.error().ToString());
        return;
      }
      (full ? c->twin.hash : c->twin.quick_hash) = *r;
      if (full) c->hashed_now = true;
    });
  });
  std::erase_if(cands, [&](Candidate* c) {
    return !(full ? c->twin.hash : c->twin.quick_hash);
  });
}

// Splits `cands` by a key, keeping only sub-groups with two or more
// distinct inodes (hard links of one file are not duplicates).
template <typename Key>
std::vector<std::vector<Candidate*>> SplitBy(
    const std::vector<Candidate*>& cands, Key key) {
  std::map<std::string, std::vector<Candidate*>> by;
  for (Candidate* c : cands) by[key(*c)].push_back(c);
  std::vector<std::vector<Candidate*>> out;
  for (auto& [_, group] : by) {
    std::set<std::pair<uint64_t, uint64_t>> inodes;
    for (Candidate* c : group) inodes.insert({c->twin.dev, c->twin.ino});
    if (inodes.size() >= 2) out.push_back(std::move(group));
  }
  return out;
}

}  // namespace

std::vector<std::vector<std::string>> HardLinkSets(const DuplicateGroup& g) {
  std::map<std::pair<uint64_t, uint64_t>, std::vector<std::string>> by;
  for (const DuplicateFile& f : g.files) by[{f.dev, f.ino}].push_back(f.path);
  std::vector<std::vector<std::string>> out;
  for (auto& [_, paths] : by) {
    if (paths.size() > 1) out.push_back(std::move(paths));
  }
  return out;
}

Result<DuplicateReport> FindExactDuplicates(catalog::Catalog& catalog,
                                            const Hashers& hashers,
                                            const DuplicateOptions& options) {
  PHODEX_METRIC_RECORD("dedup.exact");
  std::vector<Candidate> all;
  PHODEX_TRY(catalog.ForEachSizeTwin([&](catalog::SizeTwin&& t) {
    std::string path = os::JoinPath(t.root_path, t.rel);
    if (!InScope(path, options.scopes)) return;
    all.push_back(Candidate{std::move(t), std::move(path)});
  }));
  const int threads =
      options.threads > 0 ? options.threads : tbb::info::default_concurrency();

  DuplicateReport report;
  std::vector<catalog::HashUpdate> stored;
  // Rows arrive ordered by size: walk each size run.
  size_t i = 0;
  while (i < all.size()) {
    size_t end = i;
    while (end < all.size() && all[end].twin.size == all[i].twin.size) ++end;
    std::vector<Candidate*> same_size;
    for (size_t k = i; k < end; ++k) same_size.push_back(&all[k]);
    i = end;
    for (auto& by_size : SplitBy(same_size, [](const Candidate&) {
           return std::string();
         })) {
      Fill(by_size, /*full=*/false, hashers, threads, report.errors,
           report.files_read);
      for (auto& by_quick : SplitBy(by_size, [](const Candidate& c) {
             return c.twin.quick_hash->ToBytes();
           })) {
        Fill(by_quick, /*full=*/true, hashers, threads, report.errors,
             report.files_read);
        for (Candidate* c : by_quick) {
          if (c->hashed_now) stored.push_back({c->twin.id, *c->twin.hash, {}});
        }
        for (auto& group : SplitBy(by_quick, [](const Candidate& c) {
               return c.twin.hash->ToBytes();
             })) {
          DuplicateGroup g;
          g.size = group.front()->twin.size;
          g.hash = *group.front()->twin.hash;
          std::set<std::pair<uint64_t, uint64_t>> inodes;
          for (Candidate* c : group) {
            g.files.push_back({c->twin.id, c->path, c->twin.root_path,
                               c->twin.rel, c->twin.dev, c->twin.ino,
                               c->twin.mtime_ns});
            inodes.insert({c->twin.dev, c->twin.ino});
          }
          std::sort(g.files.begin(), g.files.end(),
                    [](const DuplicateFile& a, const DuplicateFile& b) {
                      return a.path < b.path;
                    });
          g.distinct_inodes = static_cast<int64_t>(inodes.size());
          g.wasted = g.size * (g.distinct_inodes - 1);
          report.wasted += g.wasted;
          report.groups.push_back(std::move(g));
        }
      }
    }
  }
  if (!stored.empty()) PHODEX_TRY(catalog.SetHashes(stored));
  std::sort(report.groups.begin(), report.groups.end(),
            [](const DuplicateGroup& a, const DuplicateGroup& b) {
              return a.wasted != b.wasted ? a.wasted > b.wasted
                                          : a.files.front().path <
                                                b.files.front().path;
            });
  return report;
}

}  // namespace phodex::dedup
