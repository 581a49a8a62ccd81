#pragma once
// Content hashes (docs/architecture.md, "Content identity"):
//  - the quick hash: XXH3-128 over the size (8 bytes, little-endian) and
//    the first and last 64 KiB (the whole file when it is 128 KiB or
//    less), read once per new or changed file; the identity key for moves
//    and the prefilter for duplicates;
//  - the full hash: XXH3-128 of every byte, streamed in 1 MiB blocks,
//    computed only where needed; SHA-256 (OpenSSL) alongside on request.
// Functions are thread-safe; a FullHasher is thread-compatible.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/content_hash.h"
#include "core/error.h"
#include "os/file_system.h"

namespace phodex::media {

inline constexpr size_t kQuickBlockBytes = 64 * 1024;
inline constexpr size_t kFullHashBlockBytes = 1024 * 1024;

// The first and last blocks of a file, as the quick hash reads them.
// `tail` is empty when the head already covers the whole file; the two
// never overlap.
struct QuickRead {
  int64_t size = 0;
  std::string head;
  std::string tail;
};

// Reads what the quick hash needs: at most two reads.
Result<QuickRead> ReadQuick(os::RandomAccessFile& file);

ContentHash QuickHash(const QuickRead& read);

struct FullHashes {
  ContentHash xxh128;
  std::optional<std::string> sha256;  // 32 raw bytes when asked for
  int64_t bytes = 0;
};

enum class WithSha256 { kNo, kYes };

// Streams the whole file once, feeding every hash asked for. Once
// `cancel` is set it stops between two blocks with kCancelled (a video of
// many gigabytes must not hold up Ctrl-C).
Result<FullHashes> HashWholeFile(os::RandomAccessFile& file, WithSha256 sha256,
                                 const std::atomic<bool>* cancel = nullptr);

}  // namespace phodex::media
