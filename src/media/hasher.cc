#include "media/hasher.h"

#include <openssl/evp.h>
#include <xxhash.h>

#include <vector>

#include "util/metrics.h"

namespace phodex::media {
namespace {

ContentHash FromXxh(XXH128_hash_t h) { return ContentHash{h.high64, h.low64}; }

// RAII for OpenSSL's digest context.
struct EvpCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~EvpCtx() { EVP_MD_CTX_free(ctx); }
};

// RAII for the XXH3 streaming state.
struct Xxh3State {
  XXH3_state_t* state = XXH3_createState();
  ~Xxh3State() { XXH3_freeState(state); }
};

}  // namespace

Result<QuickRead> ReadQuick(os::RandomAccessFile& file) {
  PHODEX_METRIC_RECORD("hash.quick_read");
  QuickRead r;
  r.size = file.size();
  const uint64_t size = static_cast<uint64_t>(r.size);
  const size_t head_len =
      static_cast<size_t>(std::min<uint64_t>(size, kQuickBlockBytes));
  r.head.resize(head_len);
  PHODEX_ASSIGN_OR_RETURN(size_t got, file.ReadAt(0, r.head.data(), head_len));
  r.head.resize(got);
  if (size > head_len) {
    const uint64_t rest = size - head_len;
    const size_t tail_len =
        static_cast<size_t>(std::min<uint64_t>(rest, kQuickBlockBytes));
    r.tail.resize(tail_len);
    PHODEX_ASSIGN_OR_RETURN(
        size_t tgot, file.ReadAt(size - tail_len, r.tail.data(), tail_len));
    r.tail.resize(tgot);
  }
  return r;
}

ContentHash QuickHash(const QuickRead& read) {
  Xxh3State s;
  XXH3_128bits_reset(s.state);
  unsigned char size_le[8];
  for (int i = 0; i < 8; ++i) {
    size_le[i] = static_cast<unsigned char>(
        static_cast<uint64_t>(read.size) >> (8 * i));
  }
  XXH3_128bits_update(s.state, size_le, sizeof size_le);
  XXH3_128bits_update(s.state, read.head.data(), read.head.size());
  XXH3_128bits_update(s.state, read.tail.data(), read.tail.size());
  return FromXxh(XXH3_128bits_digest(s.state));
}

Result<FullHashes> HashWholeFile(os::RandomAccessFile& file, WithSha256 sha256,
                                 const std::atomic<bool>* cancel) {
  PHODEX_METRIC_RECORD("hash.full");
  Xxh3State xs;
  XXH3_128bits_reset(xs.state);
  EvpCtx evp;
  if (sha256 == WithSha256::kYes &&
      EVP_DigestInit_ex(evp.ctx, EVP_sha256(), nullptr) != 1) {
    return MakeError(ErrorCode::kInternal, "OpenSSL SHA-256 init failed",
                     "hash");
  }
  std::vector<char> buf(kFullHashBlockBytes);
  FullHashes out;
  uint64_t offset = 0;
  for (;;) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      return MakeError(ErrorCode::kCancelled, "interrupted", "hash");
    }
    PHODEX_ASSIGN_OR_RETURN(size_t n,
                            file.ReadAt(offset, buf.data(), buf.size()));
    if (n == 0) break;
    XXH3_128bits_update(xs.state, buf.data(), n);
    if (sha256 == WithSha256::kYes) EVP_DigestUpdate(evp.ctx, buf.data(), n);
    offset += n;
    if (n < buf.size()) break;
  }
  out.bytes = static_cast<int64_t>(offset);
  out.xxh128 = FromXxh(XXH3_128bits_digest(xs.state));
  if (sha256 == WithSha256::kYes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(evp.ctx, md, &len);
    out.sha256 = std::string(reinterpret_cast<char*>(md), len);
  }
  return out;
}

}  // namespace phodex::media
