// Times dedup::FindSimilarGroups on a generated library and prints one
// line of JSON:
//   {"items":N,"threshold":T,"rotations":true,"skewed_share":S,
//    "seconds":..,"cpu_seconds":..,"groups":..,"grouped_items":..,
//    "largest_group":..,"planted":..,"planted_found":..}
// "seconds" is wall time, "cpu_seconds" this process's CPU time, both for
// the FindSimilarGroups call alone (on a shared machine, CPU time is the
// steadier of the two).
// Usage: similar_bench [items=500000] [threshold=10] [--no-rotations]
//                      [--skew=PERCENT]
// The library (fixed seed, so runs compare): random 64-bit hashes (distinct
// photos), ~10% of items in planted clusters of 2..6 near copies (1..8
// bits flipped, one copy in five turned by 90/180/270 degrees), and with
// --skew a share of "flat" images hashing within 3 bits of 0 or of ~0
// (their turns alike), the dense clumps real libraries have. Rotated hashes
// follow the DCT: turning transposes the 8 x 8 coefficients and negates the
// odd rows or columns, modelled as a bit permutation plus a sign mask.
// "planted_found": clusters whose members all landed in one group.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "dedup/similar_groups.h"

namespace {

using phodex::dedup::SimilarItem;

bool Bit(uint64_t h, int u, int v) { return (h >> (63 - (u * 8 + v))) & 1; }

// The hash of the same picture turned `turns` x 90 degrees clockwise, in
// the perceptual hash's bit layout (imaging/perceptual_hash.h).
uint64_t Turn(uint64_t h, int turns) {
  uint64_t out = 0;
  for (int u = 0; u < 8; ++u) {
    for (int v = 0; v < 8; ++v) {
      bool bit = false;
      if (turns == 1) bit = Bit(h, v, u) ^ (v % 2);
      if (turns == 2) bit = Bit(h, u, v) ^ ((u + v) % 2);
      if (turns == 3) bit = Bit(h, v, u) ^ (u % 2);
      if (bit) out |= uint64_t{1} << (63 - (u * 8 + v));
    }
  }
  return out;
}

SimilarItem Picture(uint64_t phash) {
  return {phash, {Turn(phash, 1), Turn(phash, 2), Turn(phash, 3)}, {}};
}

uint64_t RandomBits(int count, std::mt19937_64& rng) {
  uint64_t bits = 0;
  while (__builtin_popcountll(bits) < count)
    bits |= uint64_t{1} << (rng() % 64);
  return bits;
}

struct Library {
  std::vector<SimilarItem> items;
  std::vector<std::vector<size_t>> planted;  // clusters, by item index
};

Library Generate(size_t count, double skew_share, std::mt19937_64& rng) {
  Library lib;
  std::vector<int> cluster_of;  // -1: not planted
  auto add = [&](SimilarItem item, int cluster) {
    lib.items.push_back(item);
    cluster_of.push_back(cluster);
  };
  std::uniform_real_distribution<double> unit(0, 1);
  int clusters = 0;
  while (lib.items.size() < count) {
    const double kind = unit(rng);
    if (kind < skew_share) {
      const uint64_t h = (rng() % 2 ? 0 : ~uint64_t{0}) ^
                         RandomBits(static_cast<int>(rng() % 4), rng);
      add({h, {h, h, h}, {}}, -1);
    } else if (kind < skew_share + 0.03) {
      const uint64_t base = rng();
      add(Picture(base), clusters);
      const int copies = 1 + static_cast<int>(rng() % 5);
      for (int c = 0; c < copies; ++c) {
        const int turns = rng() % 5 == 0 ? 1 + static_cast<int>(rng() % 3) : 0;
        const uint64_t flips = RandomBits(1 + static_cast<int>(rng() % 8), rng);
        add(Picture((turns ? Turn(base, turns) : base) ^ flips), clusters);
      }
      ++clusters;
    } else {
      add(Picture(rng()), -1);
    }
  }
  // Shuffled, so clusters are not neighbours in memory.
  std::vector<size_t> order(lib.items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<SimilarItem> shuffled;
  lib.planted.resize(clusters);
  for (size_t pos = 0; pos < order.size(); ++pos) {
    shuffled.push_back(lib.items[order[pos]]);
    if (cluster_of[order[pos]] >= 0) {
      lib.planted[cluster_of[order[pos]]].push_back(pos);
    }
  }
  lib.items = std::move(shuffled);
  return lib;
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = 500000;
  phodex::dedup::SimilarOptions options;
  double skew_percent = 0;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--no-rotations") {
      options.rotations = false;
    } else if (arg.rfind("--skew=", 0) == 0) {
      skew_percent = std::atof(arg.c_str() + 7);
    } else if (positional++ == 0) {
      count = std::strtoull(arg.c_str(), nullptr, 10);
    } else {
      options.threshold = std::atoi(arg.c_str());
    }
  }
  std::mt19937_64 rng(20240611);
  const Library lib = Generate(count, skew_percent / 100, rng);

  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  const auto groups = phodex::dedup::FindSimilarGroups(lib.items, options);
  const double cpu_seconds =
      static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  std::vector<size_t> group_of(lib.items.size(), SIZE_MAX);
  size_t grouped = 0, largest = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t m : groups[g].members) group_of[m] = g;
    grouped += groups[g].members.size();
    largest = std::max(largest, groups[g].members.size());
  }
  size_t found = 0;
  for (const auto& cluster : lib.planted) {
    const size_t g = group_of[cluster[0]];
    found += g != SIZE_MAX &&
             std::all_of(cluster.begin(), cluster.end(),
                         [&](size_t m) { return group_of[m] == g; });
  }
  std::printf(
      "{\"items\":%zu,\"threshold\":%d,\"rotations\":%s,\"skewed_share\":%.3f,"
      "\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"groups\":%zu,\"grouped_items\":%"
      "zu,"
      "\"largest_group\":%zu,\"planted\":%zu,\"planted_found\":%zu}\n",
      lib.items.size(), options.threshold, options.rotations ? "true" : "false",
      skew_percent / 100, seconds, cpu_seconds, groups.size(), grouped, largest,
      lib.planted.size(), found);
  return 0;
}
