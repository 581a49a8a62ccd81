#include "dedup/similar_groups.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <numeric>
#include <random>

#include "dedup/hamming_matches.h"

namespace phodex::dedup {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// An item whose rotated hashes are unrelated to anything else.
SimilarItem Item(uint64_t phash, std::optional<int64_t> pair = std::nullopt) {
  return {phash, {Mix(phash ^ 1), Mix(phash ^ 2), Mix(phash ^ 3)}, pair};
}

SimilarOptions Threshold(int t, bool rotations = true) {
  return {.threshold = t, .rotations = rotations};
}

using Members = std::vector<std::vector<size_t>>;

Members MembersOf(const std::vector<SimilarGroup>& groups) {
  Members members;
  for (const SimilarGroup& g : groups) members.push_back(g.members);
  return members;
}

constexpr uint64_t kBase = 0x0123456789ABCDEFull;

TEST(SimilarGroups, NothingToGroup) {
  EXPECT_TRUE(FindSimilarGroups({}, Threshold(10)).empty());
  const std::vector<SimilarItem> one{Item(kBase)};
  EXPECT_TRUE(FindSimilarGroups(one, Threshold(10)).empty());
  const std::vector<SimilarItem> two{Item(kBase), Item(kBase)};
  EXPECT_TRUE(FindSimilarGroups(two, Threshold(-1)).empty());
}

TEST(SimilarGroups, TwoHashesThreeBitsApart) {
  const std::vector<SimilarItem> items{Item(kBase), Item(kBase ^ 0b10101)};
  const auto groups = FindSimilarGroups(items, Threshold(4));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(groups[0].max_distance, 3);
  EXPECT_EQ(FindSimilarGroups(items, Threshold(3)).size(), 1u);
  EXPECT_TRUE(FindSimilarGroups(items, Threshold(2)).empty());
  EXPECT_TRUE(FindSimilarGroups(items, Threshold(0)).empty());
}

TEST(SimilarGroups, IdenticalHashesAtThresholdZero) {
  const std::vector<SimilarItem> items{Item(1), Item(kBase), Item(1)};
  const auto groups = FindSimilarGroups(items, Threshold(0));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(groups[0].max_distance, 0);
}

TEST(SimilarGroups, SimilarityIsTransitive) {
  const uint64_t b = kBase ^ 0x1F;         // 5 bits from a
  const uint64_t c = b ^ (0x1Full << 40);  // 5 more: 10 from a
  const std::vector<SimilarItem> items{Item(kBase), Item(Mix(9)), Item(c),
                                       Item(b)};
  const auto groups = FindSimilarGroups(items, Threshold(6));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{0, 2, 3}));
  EXPECT_EQ(groups[0].max_distance, 10);
}

TEST(SimilarGroups, PairsAreNotJoinedThroughThemselves) {
  std::vector<SimilarItem> items{Item(kBase, 7), Item(kBase ^ 0b11, 7)};
  EXPECT_TRUE(FindSimilarGroups(items, Threshold(4)).empty());
  // Different keys: ordinary items.
  items[1].pair = 8;
  EXPECT_EQ(FindSimilarGroups(items, Threshold(4)).size(), 1u);
  // A third item close to both joins all three.
  items[1].pair = 7;
  items.push_back(Item(kBase ^ 0b100));
  const auto groups = FindSimilarGroups(items, Threshold(4));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(groups[0].max_distance, 3);
}

TEST(SimilarGroups, RotatedCopiesGroupOnlyWithRotations) {
  const SimilarItem original = Item(kBase);
  // Turned 90 degrees clockwise, one bit off.
  SimilarItem turned = Item(original.rotated[0] ^ 1);
  const std::vector<SimilarItem> items{Item(Mix(5)), original, turned};
  const auto groups = FindSimilarGroups(items, Threshold(4));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].members, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(groups[0].max_distance, 1);
  EXPECT_TRUE(FindSimilarGroups(items, Threshold(4, false)).empty());
  // Found from either side: here only the copy's own turn matches.
  const std::vector<SimilarItem> reversed{
      Item(Mix(6)),
      {Mix(7), {Mix(8), kBase ^ 0b110, Mix(10)}, std::nullopt},
      Item(kBase)};
  EXPECT_EQ(MembersOf(FindSimilarGroups(reversed, Threshold(2))),
            (Members{{1, 2}}));
}

TEST(SimilarGroups, GroupsAreOrderedByFirstMember) {
  const uint64_t x = Mix(1), y = Mix(2), z = Mix(3);
  const std::vector<SimilarItem> items{Item(x),    Item(y),     Item(x ^ 1),
                                       Item(z),    Item(y ^ 2), Item(z ^ 4),
                                       Item(y ^ 8)};
  EXPECT_EQ(MembersOf(FindSimilarGroups(items, Threshold(3))),
            (Members{{0, 2}, {1, 4, 6}, {3, 5}}));
}

TEST(SimilarGroups, ThresholdOf64JoinsEverything) {
  const std::vector<SimilarItem> items{Item(0), Item(~0ull), Item(kBase)};
  const auto groups = FindSimilarGroups(items, Threshold(100, false));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].max_distance, 64);
}

// ---- Against brute force.

int ReferenceDistance(const SimilarItem& a, const SimilarItem& b,
                      bool rotations) {
  int d = std::popcount(a.phash ^ b.phash);
  for (int r = 0; rotations && r < 3; ++r) {
    d = std::min(d, std::popcount(a.rotated[r] ^ b.phash));
    d = std::min(d, std::popcount(a.phash ^ b.rotated[r]));
  }
  return d;
}

// All pairs, a plain union-find, diameters by all pairs.
std::vector<SimilarGroup> BruteForce(const std::vector<SimilarItem>& items,
                                     const SimilarOptions& options) {
  std::vector<size_t> parent(items.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t j = i + 1; j < items.size(); ++j) {
      if (items[i].pair && items[i].pair == items[j].pair) continue;
      if (ReferenceDistance(items[i], items[j], options.rotations) <=
          options.threshold) {
        parent[find(i)] = find(j);
      }
    }
  }
  std::vector<std::vector<size_t>> by_root(items.size());
  for (size_t i = 0; i < items.size(); ++i) by_root[find(i)].push_back(i);
  std::vector<SimilarGroup> groups;
  for (auto& members : by_root) {
    if (members.size() < 2) continue;
    SimilarGroup g{members, 0};
    for (size_t p = 0; p < members.size() &&
                       members.size() <= kSimilarExactDiameterMaxMembers;
         ++p) {
      for (size_t q = p + 1; q < members.size(); ++q) {
        g.max_distance =
            std::max(g.max_distance,
                     ReferenceDistance(items[members[p]], items[members[q]],
                                       options.rotations));
      }
    }
    groups.push_back(std::move(g));
  }
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    return a.members[0] < b.members[0];
  });
  return groups;
}

uint64_t FlipBits(uint64_t h, int count, std::mt19937_64& rng) {
  for (int flipped = 0; flipped < count;) {
    const uint64_t bit = uint64_t{1} << (rng() % 64);
    if (h & bit) continue;  // only set bits: exactly `count` flips of h
    h |= bit;
    ++flipped;
  }
  return h;
}

// Random hashes, clusters of near copies (some turned, some RAW+JPEG
// pairs) and clumps of flat images near 0 and ~0 (half the items: they
// make the large blocks), shuffled.
std::vector<SimilarItem> Library(size_t count, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<SimilarItem> items;
  int64_t next_pair = 0;
  while (items.size() < count) {
    const uint64_t kind = rng() % 10;
    if (kind < 6) {
      items.push_back(Item(rng()));
    } else if (kind < 9) {
      const SimilarItem base = Item(rng());
      items.push_back(base);
      const int copies = 1 + static_cast<int>(rng() % 4);
      for (int c = 0; c < copies; ++c) {
        std::mt19937_64 local(rng());
        const int turn = local() % 4 == 0 ? static_cast<int>(local() % 3) : -1;
        const uint64_t h = turn < 0 ? base.phash : base.rotated[turn];
        items.push_back(Item(h ^ (FlipBits(0, 1 + local() % 12, local))));
        if (local() % 5 == 0) {
          items.back().pair = next_pair;
          items.push_back(Item(items.back().phash ^ 1, next_pair++));
        }
      }
    } else {
      // Flat images: hashes near 0 or ~0, their turns often alike.
      const uint64_t around = rng() % 2 ? 0 : ~uint64_t{0};
      for (int c = 0; c < 20; ++c) {
        const uint64_t h = around ^ FlipBits(0, rng() % 5, rng);
        items.push_back(rng() % 2 ? Item(h) : SimilarItem{h, {h, h, h}, {}});
      }
    }
  }
  items.resize(count);
  std::shuffle(items.begin(), items.end(), rng);
  return items;
}

void ExpectSameGroups(const std::vector<SimilarGroup>& actual,
                      const std::vector<SimilarGroup>& expected,
                      int threshold) {
  ASSERT_EQ(MembersOf(actual), MembersOf(expected));
  for (size_t g = 0; g < actual.size(); ++g) {
    if (actual[g].members.size() <= kSimilarExactDiameterMaxMembers) {
      EXPECT_EQ(actual[g].max_distance, expected[g].max_distance) << g;
    } else {
      EXPECT_LE(actual[g].max_distance, std::min(threshold, 64)) << g;
    }
  }
}

TEST(SimilarGroups, MatchesBruteForce) {
  struct Case {
    size_t items;
    uint32_t seed;
  };
  const std::vector<int> all{0, 1, 2, 3, 4, 5, 7, 10, 13, 16, 20, 24, 32, 64};
  const std::vector<int> some{0, 1, 4, 7, 10, 16, 24, 32};
  for (const Case c : {Case{40, 1}, Case{400, 2}, Case{2000, 3}}) {
    const std::vector<SimilarItem> items = Library(c.items, c.seed);
    for (const int t : c.items < 1000 ? all : some) {
      for (const bool rotations : {true, false}) {
        SCOPED_TRACE(testing::Message() << c.items << " items, threshold " << t
                                        << ", rotations " << rotations);
        const SimilarOptions options = Threshold(t, rotations);
        ExpectSameGroups(FindSimilarGroups(items, options),
                         BruteForce(items, options), t);
      }
    }
  }
}

TEST(SimilarGroups, DenseClustersStayFast) {
  // 4000 hashes within 3 bits of 0 (flat images), 4000 near ~0, 4000
  // random: 16 million similar pairs, found as two groups without
  // visiting them all.
  std::mt19937_64 rng(11);
  std::vector<SimilarItem> items;
  for (int i = 0; i < 12000; ++i) {
    const uint64_t flips = FlipBits(0, rng() % 4, rng);
    if (i % 3 == 2) {
      items.push_back(Item(rng()));
    } else {
      const uint64_t h = (i % 3 ? ~uint64_t{0} : 0) ^ flips;
      items.push_back({h, {h, h, h}, std::nullopt});  // flat: turns alike
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const auto groups = FindSimilarGroups(items, Threshold(10));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].members.size(), 4000u);
  EXPECT_EQ(groups[1].members.size(), 4000u);
  EXPECT_LE(groups[0].max_distance, 10);
  // A loose bound (debug builds, sanitizers, loaded machines): it takes
  // about 2 s in a debug build, and catches a return to visiting every
  // similar pair.
  EXPECT_LT(seconds, 30);
}

// The search's inner loop (whichever kernel this CPU gets), at every
// length around its 4- and 8-wide steps and every threshold.
TEST(HammingMatches, AgreesWithPopcount) {
  std::mt19937_64 rng(5);
  const uint64_t query = rng();
  std::vector<uint64_t> hashes;
  for (int i = 0; i < 70; ++i) {
    hashes.push_back(query ^ FlipBits(0, static_cast<int>(rng() % 65), rng));
  }
  std::vector<uint32_t> matches(hashes.size());
  for (size_t n = 0; n <= hashes.size(); ++n) {
    for (int t = 0; t <= 64; t += 3) {
      std::vector<uint32_t> expected;
      for (uint32_t k = 0; k < n; ++k) {
        if (std::popcount(query ^ hashes[k]) <= t) expected.push_back(k);
      }
      const size_t count =
          HammingMatches(query, hashes.data(), n, t, matches.data());
      EXPECT_EQ(std::vector<uint32_t>(matches.begin(), matches.begin() + count),
                expected)
          << n << " hashes, threshold " << t;
    }
  }
}

}  // namespace
}  // namespace phodex::dedup
