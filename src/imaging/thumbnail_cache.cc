#include "imaging/thumbnail_cache.h"

#include <cstdio>

#include "imaging/renderer.h"

namespace phodex::imaging {
namespace {

constexpr size_t kHashHexDigits = 32;
constexpr size_t kShardDigits = 3;

const char* Extension(ImageFormat f) {
  return f == ImageFormat::kJpeg ? ".jpg" : ".webp";
}

// FNV-1a: a stable short name for the settings, not a security property.
uint32_t Fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace

ThumbnailCache::ThumbnailCache(os::FileSystem& fs, std::string dir,
                               std::vector<ThumbnailSpec> specs)
    : fs_(fs), dir_(std::move(dir)), specs_(std::move(specs)) {
  std::string all = "pixels-v" + std::to_string(kPixelVersion);
  for (const ThumbnailSpec& s : specs_) {
    all += ";" + s.name + ":" + std::to_string(s.encode.longest_edge) + ":" +
           Extension(s.encode.format) + ":" + std::to_string(s.encode.quality);
  }
  char key[9];
  std::snprintf(key, sizeof(key), "%08x", Fnv1a(all));
  settings_key_ = key;
}

std::string ThumbnailCache::FileName(const ContentHash& hash,
                                     size_t spec) const {
  const ThumbnailSpec& s = specs_.at(spec);
  return hash.ToHex() + "-" + s.name + "-" + settings_key_ +
         Extension(s.encode.format);
}

std::string ThumbnailCache::PathFor(const ContentHash& hash,
                                    size_t spec) const {
  const std::string hex = hash.ToHex();
  return os::JoinPath(os::JoinPath(dir_, hex.substr(0, kShardDigits)),
                      FileName(hash, spec));
}

bool ThumbnailCache::HasAll(const ContentHash& hash) const {
  for (size_t i = 0; i < specs_.size(); ++i) {
    auto st = fs_.Stat(PathFor(hash, i), os::Follow::kNo);
    if (!st || st->type != FileType::kRegular || st->size == 0) return false;
  }
  return true;
}

Status ThumbnailCache::Put(const ContentHash& hash, size_t spec,
                           std::string_view bytes) {
  const std::string path = PathFor(hash, spec);
  auto st = fs_.WriteCacheFile(path, bytes);
  if (st) return st;
  if (st.error().code() == ErrorCode::kNotFound) {
    st = fs_.MakeDirs(os::DirName(path));  // first file of its shard
    if (st) st = fs_.WriteCacheFile(path, bytes);
  }
  if (st) return st;
  // The step that failed names a temporary file or the shard's folder:
  // say which cache file it was for (a full disk is the cache's problem,
  // not the photo's).
  return MakeError(st.error().code(), st.error().message(), "write thumbnail",
                   path);
}

Result<CacheGcReport> ThumbnailCache::Walk(
    const std::function<bool(const std::string& name)>& keep, WalkMode mode) {
  CacheGcReport report;
  auto shards = fs_.ListDir(dir_, os::Follow::kNo);
  if (!shards) {
    if (shards.error().code() == ErrorCode::kNotFound) return report;
    return std::unexpected(shards.error());
  }
  for (const os::DirEntry& shard : *shards) {
    if (shard.name.size() != kShardDigits || !shard.stat ||
        shard.stat->type != FileType::kDirectory) {
      continue;
    }
    const std::string shard_dir = os::JoinPath(dir_, shard.name);
    PHODEX_ASSIGN_OR_RETURN(auto files, fs_.ListDir(shard_dir, os::Follow::kNo));
    for (const os::DirEntry& f : files) {
      if (!f.stat || f.stat->type != FileType::kRegular) continue;
      const bool ours = f.name.size() > kHashHexDigits &&
                        ContentHash::FromHex(f.name.substr(0, kHashHexDigits)) &&
                        f.name.starts_with(shard.name);
      const bool stray_temp = f.name.starts_with(".") &&
                              f.name.find(".phodex-tmp-") != std::string::npos;
      if (!ours && !stray_temp) continue;  // not a cache file: leave it
      if (mode == WalkMode::kMeasure || (ours && keep(f.name))) {
        ++report.kept;
        report.kept_bytes += f.stat->size;
        continue;
      }
      auto st = fs_.RemoveFile(os::JoinPath(shard_dir, f.name));
      if (!st && st.error().code() != ErrorCode::kNotFound) return std::unexpected(st.error());
      ++report.removed;
      report.removed_bytes += f.stat->size;
    }
  }
  return report;
}

Result<CacheGcReport> ThumbnailCache::Collect(
    const std::function<bool(const ContentHash&)>& live) {
  return Walk([&](const std::string& name) {
    const auto hash = ContentHash::FromHex(name.substr(0, kHashHexDigits));
    if (!hash || !live(*hash)) return false;
    for (size_t i = 0; i < specs_.size(); ++i) {
      if (name == FileName(*hash, i)) return true;
    }
    return false;  // other settings: no longer served
  }, WalkMode::kCollect);
}

Result<CacheGcReport> ThumbnailCache::Measure() {
  return Walk([](const std::string&) { return true; }, WalkMode::kMeasure);
}

}  // namespace phodex::imaging
