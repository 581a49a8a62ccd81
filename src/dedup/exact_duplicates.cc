#include "dedup/exact_duplicates.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <set>

#include "os/file_system.h"
#include "util/metrics.h"
#include "util/mutex.h"

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
  util::Mutex mu;  // guards `reads`, `errors` and the hashes set
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(size_t{0}, todo.size(), [&](size_t i) {
      Candidate* c = todo[i];
      auto r = full ? h.full(c->path) : h.quick(c->path);
      util::MutexLock lock(mu);
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

bool TwoInodes(const std::vector<Candidate*>& group) {
  for (Candidate* c : group) {
    if (c->twin.dev != group.front()->twin.dev ||
        c->twin.ino != group.front()->twin.ino) {
      return true;
    }
  }
  return false;
}

// Splits `cands` by a hash (sorting, not a map: a size shared by 200,000
// uncompressed RAWs must not cost a node and a string per file), keeping
// only sub-groups with two or more distinct inodes (hard links of one
// file are not duplicates).
template <typename HashOf>
std::vector<std::vector<Candidate*>> SplitBy(std::vector<Candidate*> cands,
                                             HashOf hash_of) {
  auto key = [&](const Candidate* c) {
    const ContentHash& h = hash_of(*c);
    return std::pair{h.high, h.low};
  };
  std::sort(cands.begin(), cands.end(),
            [&](const Candidate* a, const Candidate* b) {
              return key(a) < key(b);
            });
  std::vector<std::vector<Candidate*>> out;
  for (size_t i = 0; i < cands.size();) {
    size_t end = i + 1;
    while (end < cands.size() && key(cands[end]) == key(cands[i])) ++end;
    if (end - i >= 2) {
      std::vector<Candidate*> group(cands.begin() + i, cands.begin() + end);
      if (TwoInodes(group)) out.push_back(std::move(group));
    }
    i = end;
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
  // Paths are joined only for files that get read or reported: most size
  // twins of a large library are told apart by their stored hashes.
  PHODEX_TRY(catalog.ForEachSizeTwin([&](catalog::SizeTwin&& t) {
    std::string path;
    if (!options.scopes.empty()) {
      path = os::JoinPath(t.root_path, t.rel);
      if (!InScope(path, options.scopes)) return;
    }
    all.push_back(Candidate{std::move(t), std::move(path)});
  }));
  auto with_paths = [](std::vector<Candidate*>& cands) {
    for (Candidate* c : cands) {
      if (c->path.empty()) c->path = os::JoinPath(c->twin.root_path, c->twin.rel);
    }
  };
  const int threads = std::min(
      options.threads > 0 ? options.threads : tbb::info::default_concurrency(),
      kMaxThreads);

  DuplicateReport report;
  std::vector<catalog::HashUpdate> stored;
  // Rows arrive ordered by size: walk each size run.
  size_t i = 0;
  while (i < all.size()) {
    size_t end = i;
    while (end < all.size() && all[end].twin.size == all[i].twin.size) ++end;
    std::vector<Candidate*> by_size;
    for (size_t k = i; k < end; ++k) by_size.push_back(&all[k]);
    i = end;
    if (!TwoInodes(by_size)) continue;
    // Where every full hash is known (after a first `dupes` or `verify`)
    // the quick hash adds nothing: group by the full hash at once.
    const bool all_full = std::all_of(
        by_size.begin(), by_size.end(),
        [](const Candidate* c) { return c->twin.hash.has_value(); });
    std::vector<std::vector<Candidate*>> quick_groups;
    if (all_full) {
      quick_groups.push_back(std::move(by_size));
    } else {
      with_paths(by_size);
      Fill(by_size, /*full=*/false, hashers, threads, report.errors,
           report.files_read);
      quick_groups = SplitBy(std::move(by_size), [](const Candidate& c)
                                 -> const ContentHash& {
        return *c.twin.quick_hash;
      });
    }
    {
      for (auto& by_quick : quick_groups) {
        if (!all_full) with_paths(by_quick);
        Fill(by_quick, /*full=*/true, hashers, threads, report.errors,
             report.files_read);
        for (Candidate* c : by_quick) {
          if (c->hashed_now) stored.push_back({c->twin.id, *c->twin.hash, {}});
        }
        for (auto& group : SplitBy(by_quick, [](const Candidate& c)
                                       -> const ContentHash& {
               return *c.twin.hash;
             })) {
          with_paths(group);
          DuplicateGroup g;
          g.size = group.front()->twin.size;
          g.hash = *group.front()->twin.hash;
          std::set<std::pair<uint64_t, uint64_t>> inodes;
          for (Candidate* c : group) {
            g.files.push_back({c->twin.id, c->path, c->twin.root_path,
                               c->twin.rel, c->twin.dev, c->twin.ino,
                               c->twin.mtime});
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
