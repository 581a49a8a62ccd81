#include "dedup/hamming_matches.h"

#include <algorithm>

#if defined(__x86_64__) && defined(__GNUC__)
#define PHODEX_X86_DISPATCH 1
#include <immintrin.h>
#endif

namespace phodex::dedup {
namespace {

// Four distances per branch: matches are rare, so the branch is almost
// always predicted right. Inlined into each target below, where
// __builtin_popcountll becomes that target's instruction.
__attribute__((always_inline)) inline size_t MatchesLoop(uint64_t query,
                                                         const uint64_t* hashes,
                                                         size_t n,
                                                         int threshold,
                                                         uint32_t* matches) {
  size_t count = 0;
  size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const int d0 = __builtin_popcountll(query ^ hashes[k]);
    const int d1 = __builtin_popcountll(query ^ hashes[k + 1]);
    const int d2 = __builtin_popcountll(query ^ hashes[k + 2]);
    const int d3 = __builtin_popcountll(query ^ hashes[k + 3]);
    if (std::min(std::min(d0, d1), std::min(d2, d3)) <= threshold) {
      if (d0 <= threshold) matches[count++] = static_cast<uint32_t>(k);
      if (d1 <= threshold) matches[count++] = static_cast<uint32_t>(k + 1);
      if (d2 <= threshold) matches[count++] = static_cast<uint32_t>(k + 2);
      if (d3 <= threshold) matches[count++] = static_cast<uint32_t>(k + 3);
    }
  }
  for (; k < n; ++k) {
    if (__builtin_popcountll(query ^ hashes[k]) <= threshold) {
      matches[count++] = static_cast<uint32_t>(k);
    }
  }
  return count;
}

size_t MatchesPortable(uint64_t query, const uint64_t* hashes, size_t n,
                       int threshold, uint32_t* matches) {
  return MatchesLoop(query, hashes, n, threshold, matches);
}

#ifdef PHODEX_X86_DISPATCH

__attribute__((target("popcnt"))) size_t MatchesPopcnt(uint64_t query,
                                                       const uint64_t* hashes,
                                                       size_t n, int threshold,
                                                       uint32_t* matches) {
  return MatchesLoop(query, hashes, n, threshold, matches);
}

// Bit k of the result: popcount(query ^ hashes[k]) <= threshold, k < 4.
// The popcount of each 64-bit lane: each nibble's count from a 16-entry
// table (vpshufb), the bytes of a lane summed (vpsadbw).
__attribute__((target("avx2"), always_inline)) inline unsigned NearMask4(
    uint64_t query, const uint64_t* hashes, int threshold) {
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  const __m256i table =
      _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                       2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i x = _mm256_xor_si256(
      _mm256_set1_epi64x(static_cast<int64_t>(query)),
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hashes)));
  const __m256i bytes = _mm256_add_epi8(
      _mm256_shuffle_epi8(table, _mm256_and_si256(x, nibble)),
      _mm256_shuffle_epi8(table,
                          _mm256_and_si256(_mm256_srli_epi64(x, 4), nibble)));
  const __m256i counts = _mm256_sad_epu8(bytes, _mm256_setzero_si256());
  const __m256i near =
      _mm256_cmpgt_epi64(_mm256_set1_epi64x(threshold + 1), counts);
  return static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(near)));
}

// Eight hashes per branch.
__attribute__((target("avx2,popcnt"))) size_t MatchesAvx2(
    uint64_t query, const uint64_t* hashes, size_t n, int threshold,
    uint32_t* matches) {
  size_t count = 0;
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    unsigned mask = NearMask4(query, hashes + k, threshold) |
                    NearMask4(query, hashes + k + 4, threshold) << 4;
    while (mask != 0) {
      matches[count++] = static_cast<uint32_t>(k + __builtin_ctz(mask));
      mask &= mask - 1;
    }
  }
  for (; k < n; ++k) {
    if (__builtin_popcountll(query ^ hashes[k]) <= threshold) {
      matches[count++] = static_cast<uint32_t>(k);
    }
  }
  return count;
}

#endif

}  // namespace

size_t HammingMatches(uint64_t query, const uint64_t* hashes, size_t n,
                      int threshold, uint32_t* matches) {
#ifdef PHODEX_X86_DISPATCH
  using Kernel = size_t (*)(uint64_t, const uint64_t*, size_t, int, uint32_t*);
  static const Kernel kernel = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) {
      return &MatchesAvx2;
    }
    if (__builtin_cpu_supports("popcnt")) return &MatchesPopcnt;
    return &MatchesPortable;
  }();
  return kernel(query, hashes, n, threshold, matches);
#else
  return MatchesPortable(query, hashes, n, threshold, matches);
#endif
}

}  // namespace phodex::dedup
