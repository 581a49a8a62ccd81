#pragma once
// The content-addressed thumbnail cache under the data folder
// (docs/pixels.md):
//   <dir>/<first 3 hex digits of the hash>/<hash>-<name>-<settings>.<ext>
// e.g. thumbs/3fa/3fa9...c1-thumb-5d41b2a0.webp. The key is the content
// hash (XXH3-128) and the output's settings (size, format, quality and
// the pixel pipeline version, imaging/renderer.h), so a moved or copied
// file reuses its thumbnails, a changed file gets new ones, and changing a
// setting never serves a stale image. 4,096 shard folders keep a
// 1,000,000-file cache at ~250 files a folder.
//
// Files are written with FileSystem::WriteCacheFile (temp + rename: never
// a partial file; after a power cut one may be missing or empty, and an
// empty file counts as missing).
//
// Thread-safe (the FileSystem is; the cache holds no mutable state).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/content_hash.h"
#include "core/error.h"
#include "imaging/decoder.h"
#include "os/file_system.h"

namespace phodex::imaging {

struct ThumbnailSpec {
  std::string name;  // "thumb", "preview": part of the file name
  EncodeOptions encode;
};

struct CacheGcReport {
  int64_t kept = 0;
  int64_t removed = 0;
  int64_t removed_bytes = 0;
  int64_t kept_bytes = 0;
};

class ThumbnailCache {
 public:
  // REQUIRES: `specs` non-empty with distinct names of [a-z0-9]. `fs`
  // outlives the cache.
  ThumbnailCache(os::FileSystem& fs, std::string dir,
                 std::vector<ThumbnailSpec> specs);

  const std::string& dir() const { return dir_; }
  const std::vector<ThumbnailSpec>& specs() const { return specs_; }
  // 8 hex digits naming the current settings of every spec (and the pixel
  // version); the catalog records it with the files whose thumbnails were
  // made (`thumb: true` in `ls --json`).
  const std::string& settings_key() const { return settings_key_; }

  // The path of output `spec` (index into specs()) of `hash`.
  std::string PathFor(const ContentHash& hash, size_t spec) const;
  // Whether every output of `hash` is in the cache (and not empty).
  bool HasAll(const ContentHash& hash) const;
  // Writes output `spec` of `hash`, creating its shard folder. An error
  // ("write thumbnail '<cache file>': No space left on device") names the
  // cache file, with the reason of the step that failed.
  Status Put(const ContentHash& hash, size_t spec, std::string_view bytes);

  // Removes every cache file whose hash `live` rejects or whose settings
  // are not the current ones (orphans), and stray temp files. Never
  // touches a file outside the cache's naming scheme.
  Result<CacheGcReport> Collect(
      const std::function<bool(const ContentHash&)>& live);
  // Bytes and files in the cache (a walk of the shard folders).
  Result<CacheGcReport> Measure();

 private:
  std::string FileName(const ContentHash& hash, size_t spec) const;
  enum class WalkMode { kMeasure, kCollect };
  Result<CacheGcReport> Walk(
      const std::function<bool(const std::string& name)>& keep, WalkMode mode);

  os::FileSystem& fs_;
  const std::string dir_;
  const std::vector<ThumbnailSpec> specs_;
  std::string settings_key_;
};

}  // namespace phodex::imaging
