#pragma once
// The inner loop of the similar-photo search (similar_groups.cc): which of
// an array of 64-bit hashes lie within a Hamming distance of one hash.
// Picks, once per process, the fastest code the CPU runs: AVX2 (four
// hashes per step, popcount by nibble lookup), the POPCNT instruction, or
// portable C++ (baseline x86-64 has neither; the build targets baseline).
//
// Internal to dedup. Pure function; thread-safe.

#include <cstddef>
#include <cstdint>

namespace phodex::dedup {

// Writes to `matches`, ascending, the indices k < n with
// popcount(query ^ hashes[k]) <= threshold, and returns how many.
// REQUIRES: matches has room for n indices; n < 2^32.
size_t HammingMatches(uint64_t query, const uint64_t* hashes, size_t n,
                      int threshold, uint32_t* matches);

}  // namespace phodex::dedup
