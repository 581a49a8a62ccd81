#pragma once
// What the pixel stage (imaging/renderer.h) learnt of each content, stored
// per content hash (docs/catalog.md, table `pixels`): a moved or copied
// file shares it, a changed file has another hash. Part of
// catalog::Catalog (catalog.h).
//
// Thread-compatible.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/types.h"
#include "core/content_hash.h"
#include "core/error.h"

namespace phodex::catalog {

class PixelStore {
 public:
  virtual ~PixelStore() = default;

  // Up to `limit` present photos, RAWs and videos in `scope` (root,
  // rel_prefix; presence, kind and limit ignored) with id > `after`, by
  // id: the pixel stage's work list, paged so a 500,000-file library is
  // never held in memory.
  virtual Result<std::vector<PixelCandidate>> ListPixelCandidates(
      const FileQuery& scope, FileId after, int64_t limit) = 0;
  // The candidate `id` as ListPixelCandidates would list it; null when it
  // is none (removed, not a photo, RAW or video, or no such file). What a
  // "pixels" job reads of its file when it runs.
  virtual Result<std::optional<PixelCandidate>> GetPixelCandidate(
      FileId id) = 0;
  // Stores (replaces) the facts of each content, in one transaction.
  virtual Status SetPixels(const std::vector<PixelUpdate>& updates) = 0;
  // Totals over the pixel facts of present files' contents, counting
  // thumbnails made with `thumbs_key`.
  virtual Result<PixelTotals> GetPixelTotals(const std::string& thumbs_key) = 0;

  // Up to `limit` distinct full hashes of present files, in byte order,
  // greater than `after` (null: from the first): what the thumbnail cache
  // must keep. A page shorter than `limit` is the last.
  virtual Result<std::vector<ContentHash>> ListPresentHashes(
      const std::optional<ContentHash>& after, size_t limit) = 0;
  // Calls `fn` with every hash ListPresentHashes lists, reading pages of
  // kHashPage: no read is open while `fn` runs.
  Status ForEachPresentHash(const std::function<void(const ContentHash&)>& fn);

  // The lowest id of a present file whose full hash is `hash` (a content
  // the API is asked a thumbnail of), or null. Along files_hash.
  virtual Result<std::optional<FileId>> FindPresentFileWithHash(
      const ContentHash& hash) = 0;
  static constexpr size_t kHashPage = 4096;
};

}  // namespace phodex::catalog
