#pragma once
// Groups of visually near-identical images (`phodex similar`) from their
// 64-bit perceptual hashes (imaging/perceptual_hash.h), through an index
// (multi-index hashing: the hash split into chunks; by the pigeonhole
// principle two hashes within the threshold agree closely on at least one
// chunk), never by comparing all pairs. See docs/similar.md.
//
// Exact duplicates are `phodex dupes`' business: the caller passes one
// item per distinct content. Captures of one shot (RAW+JPEG pairs) carry
// the same `pair` key and are not joined through each other.
//
// How: the 64 bits are cut into m chunks with radii r_c such that
// sum(r_c + 1) = threshold + 1, so two hashes within the threshold differ
// by at most r_c bits in some chunk c (similar_index.h). Per chunk, the
// hashes are bucketed by chunk value in flat CSR tables, each bucket is
// compared by popcount with the buckets within r_c of it, and union-find
// collects the components (similar_join.h). m and the chunk widths come
// from a cost model for the item count and threshold (4 chunks of 16 bits
// for a few hundred thousand items), falling back to all pairs where that
// is cheaper (few items; thresholds near 32). On random hashes that costs
// n^2 / 2 * sum_c ball(r_c) / 2^16 vectorised popcounts (n^2 * 0.0033 at
// threshold 10), seven times that with rotations, plus a lookup per
// bucket and neighbour value. Blocks already within one component are
// skipped, and large blocks (a dense cluster: thousands of flat images
// within a few bits of each other) are joined per component rather than
// per pair, so such a cluster of k items costs O(k log k), not O(k^2).
// Measured (bench/similar_bench.cc): 500,000 items, threshold 10, with
// rotations: about 3 s of one core at threshold 10, about 8 s at 12 (the
// default).
//
// Thread-compatible; FindSimilarGroups uses the calling thread only.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace phodex::dedup {

struct SimilarItem {
  uint64_t phash = 0;                   // as displayed
  std::array<uint64_t, 3> rotated{};    // turned 90, 180, 270 degrees
  // Items with the same key are one capture (RAW+JPEG): never joined by
  // their own similarity. nullopt: not part of a pair.
  std::optional<int64_t> pair;
};

// Groups up to this size report their exact max_distance (all pairs
// compared); larger ones, the widest edge that joined them.
inline constexpr size_t kSimilarExactDiameterMaxMembers = 1000;

struct SimilarGroup {
  std::vector<size_t> members;  // indices into the items, ascending
  // Largest distance between two members (the smallest over rotations),
  // pairs with the same `pair` key included. For a group of more than
  // kSimilarExactDiameterMaxMembers: the largest distance among the edges
  // the search joined it by (at most the threshold; the true diameter of
  // such a chain may be larger, and is no use to anyone).
  int max_distance = 0;
};

struct SimilarOptions {
  // Two items are similar when their hashes (or one's and a rotation of
  // the other's) differ in at most this many bits. Any value works; past
  // ~20 the index degrades to comparing all pairs, and random 64-bit
  // hashes start to chain into one giant group (at 16 for ~10^5 items).
  // Negative: nothing is similar.
  int threshold = 12;
  // Also match an item against the others' rotated hashes: the distance
  // between items a and b is then the least of d(a, b), d(a turned, b)
  // and d(a, b turned) over the three turns. Costs about seven times the
  // displayed-only search on random hashes.
  bool rotations = true;
};

// Groups are the connected components of the "similar" relation with at
// least two members, ordered by their first member. Edges between items
// with the same `pair` key are left out (they still group through a third
// item similar to both).
// REQUIRES: items.size() < 2^30.
std::vector<SimilarGroup> FindSimilarGroups(std::span<const SimilarItem> items,
                                            const SimilarOptions& options);

}  // namespace phodex::dedup
