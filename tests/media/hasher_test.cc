#include "media/hasher.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <random>

#include "tests/fakes/fake_file_system.h"

namespace phodex::media {
namespace {

std::unique_ptr<os::RandomAccessFile> Open(testing::FakeFileSystem& fs,
                                           const std::string& content) {
  fs.AddFile("/f", content);
  return *fs.OpenForRead("/f", os::AccessPattern::kSequential);
}

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Hasher, FullHashIsXxh3OfEveryByte) {
  testing::FakeFileSystem fs;
  for (size_t size : {size_t{0}, size_t{1}, kFullHashBlockBytes - 1,
                      kFullHashBlockBytes, 3 * kFullHashBlockBytes + 17}) {
    const std::string data = RandomBytes(size, static_cast<unsigned>(size));
    auto h = HashWholeFile(*Open(fs, data), WithSha256::kNo);
    ASSERT_TRUE(h);
    const XXH128_hash_t ref = XXH3_128bits(data.data(), data.size());
    EXPECT_EQ(h->xxh128, (ContentHash{ref.high64, ref.low64})) << size;
    EXPECT_EQ(h->bytes, static_cast<int64_t>(size));
    EXPECT_FALSE(h->sha256.has_value());
  }
}

TEST(Hasher, Sha256KnownAnswer) {
  testing::FakeFileSystem fs;
  auto h = HashWholeFile(*Open(fs, "abc"), WithSha256::kYes);
  ASSERT_TRUE(h);
  ASSERT_TRUE(h->sha256.has_value());
  EXPECT_EQ(HexOf(*h->sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hasher, QuickHashCoversSizeHeadAndTail) {
  testing::FakeFileSystem fs;
  const std::string big = RandomBytes(500 * 1024, 1);
  auto read = ReadQuick(*Open(fs, big));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->head, big.substr(0, kQuickBlockBytes));
  EXPECT_EQ(read->tail, big.substr(big.size() - kQuickBlockBytes));
  const ContentHash h = QuickHash(*read);

  std::string middle = big;
  middle[250 * 1024] ^= 1;  // outside both blocks: same quick hash
  EXPECT_EQ(QuickHash(*ReadQuick(*Open(fs, middle))), h);
  std::string head = big;
  head[10] ^= 1;
  EXPECT_NE(QuickHash(*ReadQuick(*Open(fs, head))), h);
  std::string tail = big;
  tail[big.size() - 10] ^= 1;
  EXPECT_NE(QuickHash(*ReadQuick(*Open(fs, tail))), h);
  // Size is part of the key even when the blocks agree.
  std::string longer = big.substr(0, 250 * 1024) + "x" + big.substr(250 * 1024);
  EXPECT_NE(QuickHash(*ReadQuick(*Open(fs, longer))), h);
}

TEST(Hasher, SmallFilesAreReadWholeWithoutOverlap) {
  testing::FakeFileSystem fs;
  const std::string data = RandomBytes(kQuickBlockBytes + 100, 2);
  auto read = ReadQuick(*Open(fs, data));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->head.size() + read->tail.size(), data.size());
  EXPECT_EQ(read->head + read->tail, data);
  auto empty = ReadQuick(*Open(fs, ""));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->head.empty() && empty->tail.empty());
}

TEST(ContentHash, BytesAndHexRoundTrip) {
  const ContentHash h{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  EXPECT_EQ(h.ToHex(), "0123456789abcdeffedcba9876543210");
  EXPECT_EQ(ContentHash::FromBytes(h.ToBytes()), h);
  EXPECT_FALSE(ContentHash::FromBytes("short").has_value());
}

}  // namespace
}  // namespace phodex::media
