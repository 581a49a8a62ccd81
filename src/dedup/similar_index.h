#pragma once
// The multi-index behind FindSimilarGroups (similar_groups.h): how the
// 64-bit hashes are cut into chunks, and per chunk a table bucketing them
// by that chunk's value.
//
// Generalised pigeonhole: cut the bits into chunks c with radii r_c such
// that sum(r_c + 1) = t + 1. Two hashes within t bits then differ by at
// most r_c bits in at least one chunk c (else they would differ by
// sum(r_c + 1) > t), so comparing each bucket with the buckets whose chunk
// value is within r_c of its own, chunk after chunk, misses no pair. A
// chunk with radius -1 is not indexed at all (t = 0 needs one chunk).
//
// Internal to dedup. Plain values (thread-compatible); pure functions.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace phodex::dedup {

// One indexed chunk: bits [shift, shift + bits) of the hash. bits == 0 is
// one bucket holding everything: comparing all pairs.
struct HashChunk {
  int shift = 0;
  int bits = 0;
  int radius = 0;
};

struct ChunkPlan {
  std::vector<HashChunk> chunks;
  double cost = 0;  // expected work for random hashes, in popcounts
};

// The cheapest plan for `items` hashes and this threshold: 3..8 chunks of
// equal width (16 bits for a few hundred thousand items; fewer and
// narrower buckets for fewer items), or all pairs where that is cheaper
// (small inputs, thresholds near 32). The cost model assumes uniformly
// random hashes: per chunk, items^2 * ball(r) / 2^bits popcounts plus a
// few popcounts' worth per bucket lookup (one per non-empty bucket and
// neighbour value). `rotations`: three more hashes per item are compared
// against the displayed ones.
// REQUIRES: 0 <= threshold <= 64.
ChunkPlan ChooseChunkPlan(size_t items, int threshold, bool rotations);

// Every chunk value within the chunk's radius of 0: XOR-ed with a bucket's
// value, the buckets to compare it with. Ascending.
std::vector<uint32_t> ChunkMasks(const HashChunk& chunk);

// Hashes to index, each with the item it belongs to (ids ascending).
struct HashEntries {
  std::vector<uint64_t> hashes;
  std::vector<uint32_t> ids;
};

// Bucket::label of a bucket whose entries are in several components.
inline constexpr uint32_t kMixedLabel = std::numeric_limits<uint32_t>::max();

// One bucket of a ChunkTable. `label`: the component (any id naming it) all
// its entries were in when the table was built, or kMixedLabel. Components
// only merge, so two buckets with one label cannot join anything.
struct HashBucket {
  uint32_t begin = 0;  // the bucket ends where the next one begins
  uint32_t label = kMixedLabel;
};

// The entries bucketed by one chunk's value, as CSR arrays: bucket v holds
// positions [Begin(v), End(v)) of hashes and ids, ids ascending.
struct ChunkTable {
  std::vector<HashBucket> buckets;  // 2^bits + 1
  std::vector<uint64_t> hashes;
  std::vector<uint32_t> ids;

  uint32_t Buckets() const { return static_cast<uint32_t>(buckets.size() - 1); }
  uint32_t Begin(uint32_t v) const { return buckets[v].begin; }
  uint32_t End(uint32_t v) const { return buckets[v + 1].begin; }
};

// Counting sort of the entries by chunk value; O(entries + 2^bits).
// `labels`: each item's component.
// REQUIRES: labels covers every id; fewer than 2^32 entries.
ChunkTable BuildChunkTable(const HashEntries& entries, const HashChunk& chunk,
                           std::span<const uint32_t> labels);

}  // namespace phodex::dedup
