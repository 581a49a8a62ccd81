#pragma once
// The join step of FindSimilarGroups (similar_groups.h): for one chunk of
// the multi-index (similar_index.h), every bucket of one table compared
// with the buckets of another whose chunk value is within the chunk's
// radius, and each pair of items within the threshold joined into one
// component.
//
// Small blocks (a bucket against a bucket) are compared pair by pair: the
// candidates of all of a bucket's neighbour buckets are gathered into one
// buffer (one random access per neighbour, prefetched), which each entry of
// the bucket scans with HammingMatches (hamming_matches.h). Blocks of two
// buckets whose entries were all in one component are skipped. Large
// blocks (more than 4096 pairs: dense clusters, such as thousands of flat
// images hashing within a few bits of 0) are compared per component, not
// per pair: one match joins two components and the rest of their pairs is
// skipped, so a dense cluster of k hashes costs O(k log k), not O(k^2).
//
// Internal to dedup. Single-threaded: JoinTables mutates the UnionFind.

#include <cstdint>
#include <numeric>
#include <vector>

#include "dedup/similar_index.h"

namespace phodex::dedup {

// Union-find over items 0..n-1, by size with path halving. A component's
// root also remembers the widest edge (in bits) that joined it.
// Thread-compatible.
class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n), size_(n, 1), widest_(n, 0) {
    std::iota(parent_.begin(), parent_.end(), 0u);
  }

  // The root of x's component. Amortised nearly O(1).
  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }

  // Joins the components of x and y, linked by an edge of `distance` bits.
  // Returns false when they were one already.
  bool Join(uint32_t x, uint32_t y, int distance);

  uint32_t Size(uint32_t root) const { return size_[root]; }
  int WidestJoin(uint32_t root) const { return widest_[root]; }

  // Every item's root: the labels of BuildChunkTable.
  std::vector<uint32_t> Labels();

 private:
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> size_;
  std::vector<int> widest_;
};

// What joining needs besides the tables. Refers to, does not own, the
// pair classes and the union-find.
struct JoinContext {
  int threshold = 0;
  // Per item: 0, or a key shared by the captures of one shot, which are
  // never joined through each other.
  const std::vector<uint32_t>& pair_class;
  UnionFind& components;

  bool MayJoin(uint32_t x, uint32_t y) const {
    return x != y && (pair_class[x] == 0 || pair_class[x] != pair_class[y]);
  }
  bool Join(uint32_t x, uint32_t y, uint64_t hx, uint64_t hy) {
    return components.Join(x, y, __builtin_popcountll(hx ^ hy));
  }
};

// Which pairs of buckets a join visits.
enum class JoinSide {
  kSame,   // left and right are one table: each pair of buckets once
  kCross,  // turned hashes against displayed ones: every pair
};

// Joins, for every pair of entries x of `left` and y of `right` whose
// buckets' values differ by one of `masks`, the items of x and y when
// their hashes are within ctx.threshold and MayJoin allows. Cost on
// random hashes: one lookup per non-empty bucket and mask, plus one
// popcount per candidate pair (vectorised).
// REQUIRES: left and right built for one chunk with current-or-older
//   labels of ctx.components; masks == ChunkMasks(that chunk).
void JoinTables(const ChunkTable& left, const ChunkTable& right,
                const std::vector<uint32_t>& masks, JoinSide side,
                JoinContext& ctx);

}  // namespace phodex::dedup
