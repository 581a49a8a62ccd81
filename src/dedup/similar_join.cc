#include "dedup/similar_join.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "dedup/hamming_matches.h"

namespace phodex::dedup {
namespace {

// A block (a bucket against a bucket) with more candidate pairs than this,
// or a bucket against itself with more than this many pairs, goes through
// JoinGroups, which works per component rather than per pair.
constexpr size_t kLargeBlockPairs = 4096;
// JoinAnyPair scans this many hashes at a time, so that it stops soon after
// a match.
constexpr uint32_t kSliceHashes = 256;

// Buffers of one bucket's scan, kept across buckets.
struct Scan {
  std::vector<uint64_t> hashes;  // the right-hand candidates, gathered
  // Per gathered block: where it starts in `hashes`, and in the table.
  std::vector<std::pair<uint32_t, uint32_t>> starts;
  std::vector<uint32_t> matches;  // indices into hashes
  std::vector<uint32_t> large;    // right buckets left for JoinGroups
  bool large_diagonal = false;    // the bucket against itself, too

  // The table position of gathered candidate k.
  uint32_t Position(uint32_t k) const {
    const auto next = std::upper_bound(
        starts.begin(), starts.end(), k,
        [](uint32_t v, const auto& start) { return v < start.first; });
    return std::prev(next)->second + (k - std::prev(next)->first);
  }
};

// Gathers the right-hand candidates of bucket `a`: the entries of every
// bucket of `right` within the masks (one random access per bucket,
// prefetched ahead), but for blocks that cannot join anything and large
// blocks, which go to scan.large.
void Gather(const ChunkTable& left, const ChunkTable& right, uint32_t a,
            const std::vector<uint32_t>& masks, JoinSide side, Scan& scan) {
  const size_t a_size = left.End(a) - left.Begin(a);
  const uint32_t a_label = left.buckets[a].label;
  scan.hashes.clear();
  scan.starts.clear();
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < masks.size(); ++i) {
    if (i + 2 * kAhead < masks.size()) {
      __builtin_prefetch(&right.buckets[a ^ masks[i + 2 * kAhead]]);
    }
    if (i + kAhead < masks.size()) {
      __builtin_prefetch(right.hashes.data() +
                         right.Begin(a ^ masks[i + kAhead]));
    }
    const uint32_t b = a ^ masks[i];
    if (side == JoinSide::kSame && b <= a) continue;  // b == a: the diagonal
    const uint32_t b_begin = right.Begin(b), b_end = right.End(b);
    if (b_begin == b_end) continue;
    if (a_label != kMixedLabel && a_label == right.buckets[b].label) continue;
    if (a_size * (b_end - b_begin) > kLargeBlockPairs) {
      scan.large.push_back(b);
      continue;
    }
    scan.starts.emplace_back(static_cast<uint32_t>(scan.hashes.size()),
                             b_begin);
    scan.hashes.insert(scan.hashes.end(), right.hashes.data() + b_begin,
                       right.hashes.data() + b_end);
  }
}

// Compares bucket `a` of `left` with the small blocks of `right` within
// the masks (and, for one table, the pairs inside bucket a) and joins the
// matches; leaves the large blocks in scan.large.
void ScanBucket(const ChunkTable& left, const ChunkTable& right, uint32_t a,
                const std::vector<uint32_t>& masks, JoinSide side,
                JoinContext& ctx, Scan& scan) {
  Gather(left, right, a, masks, side, scan);
  const uint32_t a_begin = left.Begin(a), a_end = left.End(a);
  const size_t a_size = a_end - a_begin;
  bool diagonal =
      side == JoinSide::kSame && left.buckets[a].label == kMixedLabel;
  scan.large_diagonal =
      diagonal && a_size * (a_size - 1) / 2 > kLargeBlockPairs;
  diagonal = diagonal && !scan.large_diagonal;
  scan.matches.resize(std::max(scan.hashes.size(), a_size));
  auto join = [&](uint32_t x, uint32_t y) {
    if (ctx.MayJoin(left.ids[x], right.ids[y])) {
      ctx.Join(left.ids[x], right.ids[y], left.hashes[x], right.hashes[y]);
    }
  };
  for (uint32_t x = a_begin; x < a_end; ++x) {
    size_t count =
        HammingMatches(left.hashes[x], scan.hashes.data(), scan.hashes.size(),
                       ctx.threshold, scan.matches.data());
    for (size_t j = 0; j < count; ++j) join(x, scan.Position(scan.matches[j]));
    if (!diagonal) continue;
    count = HammingMatches(left.hashes[x], right.hashes.data() + x + 1,
                           a_end - x - 1, ctx.threshold, scan.matches.data());
    for (size_t j = 0; j < count; ++j) join(x, x + 1 + scan.matches[j]);
  }
}

// A table range's entries sorted by component as it was when grouped: first
// the entries alone in their component, then groups of two or more
// (components only merge later, so a group stays within one).
struct Grouped {
  std::vector<uint64_t> hashes;
  std::vector<uint32_t> ids;
  uint32_t singles = 0;          // entries [0, singles): one per component
  std::vector<uint32_t> starts;  // group g: [starts[g], starts[g + 1])
                                 // (starts[0] >= singles)

  size_t Groups() const { return starts.size() - 1; }
};

// A range of Grouped entries: one single, or one group.
struct Members {
  uint32_t begin, end;
};

Grouped GroupByComponent(const ChunkTable& table, uint32_t begin, uint32_t end,
                         UnionFind& components) {
  std::vector<std::pair<uint32_t, uint32_t>> order;  // root, position
  for (uint32_t pos = begin; pos < end; ++pos) {
    order.emplace_back(components.Find(table.ids[pos]), pos);
  }
  std::sort(order.begin(), order.end());
  Grouped g;
  std::vector<uint32_t> grouped;  // positions of the groups' entries
  for (size_t k = 0; k < order.size();) {
    size_t next = k + 1;
    while (next < order.size() && order[next].first == order[k].first) ++next;
    for (size_t j = k; j < next; ++j) {
      if (next - k == 1) {
        g.hashes.push_back(table.hashes[order[j].second]);
        g.ids.push_back(table.ids[order[j].second]);
      } else {
        if (j == k) g.starts.push_back(static_cast<uint32_t>(grouped.size()));
        grouped.push_back(order[j].second);
      }
    }
    k = next;
  }
  g.singles = static_cast<uint32_t>(g.ids.size());
  for (uint32_t& start : g.starts) start += g.singles;
  g.starts.push_back(g.singles + static_cast<uint32_t>(grouped.size()));
  for (uint32_t pos : grouped) {
    g.hashes.push_back(table.hashes[pos]);
    g.ids.push_back(table.ids[pos]);
  }
  return g;
}

// The first member of `r` in `g` within the threshold of `hash` that item
// `id` may join, or r.end; scans a slice at a time to stop soon after it.
uint32_t FirstMatch(uint64_t hash, uint32_t id, const Grouped& g, Members r,
                    const JoinContext& ctx, std::vector<uint32_t>& matches) {
  if (matches.size() < kSliceHashes) matches.resize(kSliceHashes);
  for (uint32_t from = r.begin; from < r.end; from += kSliceHashes) {
    const uint32_t n = std::min(kSliceHashes, r.end - from);
    const size_t count = HammingMatches(hash, g.hashes.data() + from, n,
                                        ctx.threshold, matches.data());
    for (size_t j = 0; j < count; ++j) {
      if (ctx.MayJoin(id, g.ids[from + matches[j]])) return from + matches[j];
    }
  }
  return r.end;
}

// Joins `ra` of `a` with `rb` of `b` through the first pair of members
// within the threshold (that may be joined), if any: each member of the
// smaller side scans the larger one. Returns whether it merged.
bool JoinAnyPair(const Grouped& a, Members ra, const Grouped& b, Members rb,
                 JoinContext& ctx, std::vector<uint32_t>& matches) {
  const bool a_smaller = ra.end - ra.begin <= rb.end - rb.begin;
  const Grouped& small = a_smaller ? a : b;
  const Grouped& large = a_smaller ? b : a;
  const Members rs = a_smaller ? ra : rb, rl = a_smaller ? rb : ra;
  for (uint32_t q = rs.begin; q < rs.end; ++q) {
    const uint32_t y =
        FirstMatch(small.hashes[q], small.ids[q], large, rl, ctx, matches);
    if (y != rl.end) {
      return ctx.Join(small.ids[q], large.ids[y], small.hashes[q],
                      large.hashes[y]);
    }
  }
  return false;
}

// Joins the members of `ra` with every single of `b` within the threshold
// of one of them, the larger side scanned vectorised. A single now in ra's
// component leaves b's singles for a new group of b at the end, so the
// next members of ra and the next rows skip it. Returns how many joins
// merged two components.
size_t JoinSingles(const Grouped& a, Members ra, Grouped& b, JoinContext& ctx,
                   std::vector<uint32_t>& matches) {
  size_t joins = 0;
  std::vector<std::pair<uint64_t, uint32_t>> absorbed;  // hash, id
  auto absorb = [&](uint32_t y, uint32_t q) {           // y: a single, q: in ra
    joins += ctx.Join(a.ids[q], b.ids[y], a.hashes[q], b.hashes[y]);
    absorbed.emplace_back(b.hashes[y], b.ids[y]);
    --b.singles;
    b.hashes[y] = b.hashes[b.singles];
    b.ids[y] = b.ids[b.singles];
  };
  if (ra.end - ra.begin > b.singles) {
    for (uint32_t y = b.singles; y-- > 0;) {  // swaps move processed ones
      const uint32_t q = FirstMatch(b.hashes[y], b.ids[y], a, ra, ctx, matches);
      if (q != ra.end) absorb(y, q);
    }
  } else {
    for (uint32_t q = ra.begin; q < ra.end && b.singles > 0; ++q) {
      if (matches.size() < b.singles) matches.resize(b.singles);
      const size_t count =
          HammingMatches(a.hashes[q], b.hashes.data(), b.singles, ctx.threshold,
                         matches.data());
      for (size_t j = count; j-- > 0;) {  // descending, as swaps move later
        if (ctx.MayJoin(a.ids[q], b.ids[matches[j]])) absorb(matches[j], q);
      }
    }
  }
  if (!absorbed.empty()) {  // entries [singles, starts[0]) are now unused
    for (const auto& [hash, id] : absorbed) {
      b.hashes.push_back(hash);
      b.ids.push_back(id);
    }
    b.starts.push_back(static_cast<uint32_t>(b.ids.size()));
  }
  return joins;
}

// A large block: `a` against `b` (buckets of the left and right table,
// grouped; `regroup` rebuilds b). Each single or group of a is compared
// with b's singles in one vectorised pass, and with each of b's groups in
// another component until one pair matches; b is regrouped once a
// quarter of its components have merged. A dense cluster of k hashes
// (thousands of flat images within a few bits of each other) so costs
// O(k log k) instead of O(k^2), and a block of unrelated hashes what
// comparing all its pairs does.
template <typename Regroup>
void JoinGroups(const Grouped& a, Grouped& b, const Regroup& regroup,
                JoinContext& ctx, std::vector<uint32_t>& matches) {
  UnionFind& components = ctx.components;
  size_t joins = 0;
  auto row = [&](Members ra) {
    joins += JoinSingles(a, ra, b, ctx, matches);
    uint32_t root = components.Find(a.ids[ra.begin]);
    for (size_t g = 0; g < b.Groups(); ++g) {
      const Members rb{b.starts[g], b.starts[g + 1]};
      if (components.Find(b.ids[rb.begin]) == root ||
          !JoinAnyPair(a, ra, b, rb, ctx, matches)) {
        continue;
      }
      root = components.Find(a.ids[ra.begin]);
      ++joins;
    }
    if (joins * 4 > b.singles + b.Groups()) {
      b = regroup();
      joins = 0;
    }
  };
  for (uint32_t x = 0; x < a.singles; ++x) row({x, x + 1});
  for (size_t g = 0; g < a.Groups(); ++g) row({a.starts[g], a.starts[g + 1]});
}

// Right-hand buckets of large blocks, grouped: a big bucket (a dense
// cluster) is the right side of many blocks. Stale groupings stay correct
// (components only merge), they just hold more groups than needed.
class GroupedBuckets {
 public:
  GroupedBuckets(const ChunkTable& table, UnionFind& components)
      : table_(table), components_(components) {}

  Grouped& Get(uint32_t bucket) {
    auto it = cache_.find(bucket);
    if (it != cache_.end()) return it->second;
    Grouped g = Group(bucket);
    if (g.ids.size() < kCachedBucketEntries) {
      uncached_ = std::move(g);
      return uncached_;
    }
    return cache_.emplace(bucket, std::move(g)).first->second;
  }

  Grouped Group(uint32_t bucket) {
    return GroupByComponent(table_, table_.Begin(bucket), table_.End(bucket),
                            components_);
  }

 private:
  static constexpr size_t kCachedBucketEntries = 64;
  const ChunkTable& table_;
  UnionFind& components_;
  std::unordered_map<uint32_t, Grouped> cache_;
  Grouped uncached_;
};

}  // namespace

bool UnionFind::Join(uint32_t x, uint32_t y, int distance) {
  x = Find(x);
  y = Find(y);
  if (x == y) return false;
  if (size_[x] < size_[y]) std::swap(x, y);
  parent_[y] = x;
  size_[x] += size_[y];
  widest_[x] = std::max({widest_[x], widest_[y], distance});
  return true;
}

std::vector<uint32_t> UnionFind::Labels() {
  std::vector<uint32_t> labels(parent_.size());
  for (uint32_t i = 0; i < labels.size(); ++i) labels[i] = Find(i);
  return labels;
}

void JoinTables(const ChunkTable& left, const ChunkTable& right,
                const std::vector<uint32_t>& masks, JoinSide side,
                JoinContext& ctx) {
  Scan scan;
  GroupedBuckets right_groups(right, ctx.components);
  GroupedBuckets left_groups(left, ctx.components);
  for (uint32_t a = 0; a < left.Buckets(); ++a) {
    if (left.Begin(a) == left.End(a)) continue;
    ScanBucket(left, right, a, masks, side, ctx, scan);
    if (scan.large.empty() && !scan.large_diagonal) continue;
    Grouped grouped = left_groups.Group(a);
    if (scan.large_diagonal) {  // first: it joins most of a dense bucket
      Grouped same = grouped;
      JoinGroups(
          grouped, same, [&] { return left_groups.Group(a); }, ctx,
          scan.matches);
      grouped = left_groups.Group(a);
    }
    for (const uint32_t b : scan.large) {
      Grouped& other = right_groups.Get(b);
      JoinGroups(
          grouped, other, [&] { return right_groups.Group(b); }, ctx,
          scan.matches);
    }
    scan.large.clear();
  }
}

}  // namespace phodex::dedup
