#include "dedup/similar_index.h"

#include <algorithm>
#include <cmath>

namespace phodex::dedup {
namespace {

constexpr int kHashBits = 64;
// The widest chunk: a table of 2^22 + 1 buckets (32 MiB).
constexpr int kMaxChunkBits = 22;
// Cost of looking up one bucket, in popcounts (a cache miss or two, and
// copying its entries).
constexpr double kLookupCost = 6;

uint32_t ChunkValue(uint64_t hash, const HashChunk& chunk) {
  if (chunk.bits == 0) return 0;
  return static_cast<uint32_t>(hash >> chunk.shift) & ((1u << chunk.bits) - 1);
}

// How many values lie within `radius` bits of a `bits`-bit value.
double BallSize(int bits, int radius) {
  double sum = 0, term = 1;
  for (int i = 0; i <= std::min(radius, bits); ++i) {
    sum += term;
    term = term * (bits - i) / (i + 1);
  }
  return sum;
}

double PlanCost(const ChunkPlan& plan, double n, bool rotations) {
  double cost = 0;
  for (const HashChunk& c : plan.chunks) {
    const double values = std::ldexp(1.0, c.bits);
    const double ball = BallSize(c.bits, c.radius);
    auto nonempty = [&](double entries) {
      return -values * std::expm1(-entries / values);
    };
    // Displayed against displayed: each pair of buckets once.
    cost += values + n + n * n / 2 * ball / values +
            kLookupCost * nonempty(n) * ball / 2;
    if (rotations) {  // 3n turned hashes against the n displayed ones
      cost += values + 3 * n + 3 * n * n * ball / values +
              kLookupCost * nonempty(3 * n) * ball;
    }
  }
  return cost;
}

// `count` chunks of (nearly) equal width; the t + 1 units of radius budget
// shared out, wider chunks first.
ChunkPlan MultiIndexPlan(int count, int threshold) {
  ChunkPlan plan;
  const int budget = threshold + 1;
  int shift = 0;
  for (int c = 0; c < count; ++c) {
    const int bits = kHashBits / count + (c < kHashBits % count ? 1 : 0);
    const int radius = budget / count + (c < budget % count ? 1 : 0) - 1;
    if (radius >= 0) {
      plan.chunks.push_back({shift, bits, std::min(radius, bits)});
    }
    shift += bits;
  }
  return plan;
}

}  // namespace

ChunkPlan ChooseChunkPlan(size_t items, int threshold, bool rotations) {
  const double n = static_cast<double>(items);
  ChunkPlan best{{HashChunk{}}, 0};  // all pairs
  best.cost = PlanCost(best, n, rotations);
  for (int count = 3; count <= 8; ++count) {
    if ((kHashBits + count - 1) / count > kMaxChunkBits) continue;
    ChunkPlan plan = MultiIndexPlan(count, threshold);
    plan.cost = PlanCost(plan, n, rotations);
    if (plan.cost < best.cost) best = std::move(plan);
  }
  return best;
}

std::vector<uint32_t> ChunkMasks(const HashChunk& chunk) {
  std::vector<uint32_t> masks;
  for (uint32_t m = 0; m < (1u << chunk.bits); ++m) {
    if (__builtin_popcount(m) <= chunk.radius) masks.push_back(m);
  }
  return masks;
}

ChunkTable BuildChunkTable(const HashEntries& entries, const HashChunk& chunk,
                           std::span<const uint32_t> labels) {
  const uint32_t values = 1u << chunk.bits;
  ChunkTable table;
  table.buckets.assign(values + 1, HashBucket{});
  for (uint64_t h : entries.hashes) {
    ++table.buckets[ChunkValue(h, chunk) + 1].begin;
  }
  for (uint32_t v = 1; v <= values; ++v) {
    table.buckets[v].begin += table.buckets[v - 1].begin;
  }
  std::vector<uint32_t> next(values);
  for (uint32_t v = 0; v < values; ++v) next[v] = table.Begin(v);
  table.hashes.resize(entries.hashes.size());
  table.ids.resize(entries.hashes.size());
  for (size_t k = 0; k < entries.hashes.size(); ++k) {
    const uint32_t pos = next[ChunkValue(entries.hashes[k], chunk)]++;
    table.hashes[pos] = entries.hashes[k];
    table.ids[pos] = entries.ids[k];
  }
  for (uint32_t v = 0; v < values; ++v) {
    if (table.Begin(v) == table.End(v)) continue;
    const uint32_t label = labels[table.ids[table.Begin(v)]];
    bool same = true;
    for (uint32_t k = table.Begin(v) + 1; k < table.End(v) && same; ++k) {
      same = labels[table.ids[k]] == label;
    }
    if (same) table.buckets[v].label = label;
  }
  return table;
}

}  // namespace phodex::dedup
