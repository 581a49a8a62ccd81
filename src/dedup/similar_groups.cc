#include "dedup/similar_groups.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <unordered_map>

#include "core/error.h"
#include "dedup/similar_index.h"
#include "dedup/similar_join.h"

namespace phodex::dedup {
namespace {

std::vector<uint32_t> PairClasses(std::span<const SimilarItem> items) {
  std::unordered_map<int64_t, uint32_t> classes;
  std::vector<uint32_t> result(items.size(), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].pair) continue;
    const auto [it, added] =
        classes.try_emplace(*items[i].pair, classes.size() + 1);
    result[i] = it->second;
  }
  return result;
}

int Distance(const SimilarItem& a, const SimilarItem& b, bool rotations) {
  int d = __builtin_popcountll(a.phash ^ b.phash);
  if (!rotations) return d;
  for (int r = 0; r < 3; ++r) {
    d = std::min({d, __builtin_popcountll(a.rotated[r] ^ b.phash),
                  __builtin_popcountll(a.phash ^ b.rotated[r])});
  }
  return d;
}

int Diameter(std::span<const SimilarItem> items,
             const std::vector<size_t>& members, bool rotations) {
  int widest = 0;
  for (size_t p = 0; p < members.size(); ++p) {
    for (size_t q = p + 1; q < members.size(); ++q) {
      widest = std::max(
          widest, Distance(items[members[p]], items[members[q]], rotations));
    }
  }
  return widest;
}

std::vector<SimilarGroup> CollectGroups(std::span<const SimilarItem> items,
                                        bool rotations, UnionFind& components) {
  constexpr uint32_t kNoGroup = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> group_of(items.size(), kNoGroup);
  std::vector<SimilarGroup> groups;
  for (uint32_t i = 0; i < items.size(); ++i) {
    const uint32_t root = components.Find(i);
    if (components.Size(root) < 2) continue;
    if (group_of[root] == kNoGroup) {
      group_of[root] = static_cast<uint32_t>(groups.size());
      groups.emplace_back();
    }
    groups[group_of[root]].members.push_back(i);
  }
  for (SimilarGroup& group : groups) {
    group.max_distance =
        group.members.size() <= kSimilarExactDiameterMaxMembers
            ? Diameter(items, group.members, rotations)
            : components.WidestJoin(components.Find(group.members[0]));
  }
  return groups;
}

}  // namespace

std::vector<SimilarGroup> FindSimilarGroups(std::span<const SimilarItem> items,
                                            const SimilarOptions& options) {
  if (items.size() < 2 || options.threshold < 0) return {};
  PHODEX_CHECK(items.size() < (size_t{1} << 30));
  const uint32_t n = static_cast<uint32_t>(items.size());
  const std::vector<uint32_t> pair_class = PairClasses(items);
  UnionFind components(n);
  JoinContext ctx{std::min(options.threshold, 64), pair_class, components};
  const ChunkPlan plan = ChooseChunkPlan(n, ctx.threshold, options.rotations);

  HashEntries displayed;
  for (uint32_t i = 0; i < n; ++i) {
    displayed.hashes.push_back(items[i].phash);
    displayed.ids.push_back(i);
  }
  for (const HashChunk& chunk : plan.chunks) {
    const ChunkTable table =
        BuildChunkTable(displayed, chunk, components.Labels());
    JoinTables(table, table, ChunkMasks(chunk), JoinSide::kSame, ctx);
  }
  if (!options.rotations) return CollectGroups(items, false, components);

  // Each item's turned hashes against everyone's displayed hash, after the
  // displayed pass so that its components already prune whole blocks.
  HashEntries turned;
  for (uint32_t i = 0; i < n; ++i) {
    for (uint64_t h : items[i].rotated) {
      turned.hashes.push_back(h);
      turned.ids.push_back(i);
    }
  }
  for (const HashChunk& chunk : plan.chunks) {
    const std::vector<uint32_t> labels = components.Labels();
    JoinTables(BuildChunkTable(turned, chunk, labels),
               BuildChunkTable(displayed, chunk, labels), ChunkMasks(chunk),
               JoinSide::kCross, ctx);
  }
  return CollectGroups(items, true, components);
}

}  // namespace phodex::dedup
