#pragma once
// What the HTTP API streams: a file's original bytes and its thumbnails
// from the content-addressed cache (docs/api.md, "Files"). Files are
// reached by catalog id or content hash only, never by a path a client
// gave. Thread-compatible: one thread at a time per Library.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/content_hash.h"
#include "core/error.h"
#include "core/types.h"
#include "imaging/thumbnail_cache.h"
#include "library/library.h"
#include "os/file_system.h"

namespace phodex::library {

// File `id` with every tag of it and of its sidecar, and its capture
// partner (FileDetailsToJson's row), present or removed; null when the
// catalog has no such id.
Result<std::optional<catalog::FileRow>> GetFileDetails(Library& lib, FileId id);

// An open file to stream (read a piece at a time, never whole).
struct OpenedFile {
  std::shared_ptr<os::RandomAccessFile> file;
  int64_t size = 0;
  std::string mime;
  // Strong validator: changes whenever the bytes may have.
  std::string etag;
  // Last-Modified, seconds since the epoch.
  int64_t mtime_s = 0;
  // The file's name (for Content-Disposition), not its path.
  std::string name;
};

// The original of file `id`, opened, after checking that the file on disk
// is still the one the catalog describes (a regular file of the recorded
// size and mtime): kNotFound for an unknown or removed id or a file that
// is gone (its drive offline too: the message says so), kBusy when it
// changed since it was catalogued (the service will catalog it again).
Result<OpenedFile> OpenOriginal(Library& lib, FileId id);

// A thumbnail named as the cache names it: "<hash>-<spec>-<settings>.<ext>"
// (imaging/thumbnail_cache.h). nullopt when `name` is not such a name, or
// names another spec or settings than the cache's current ones.
struct ThumbnailName {
  ContentHash hash;
  size_t spec = 0;
};
std::optional<ThumbnailName> ParseThumbnailName(
    const imaging::ThumbnailCache& cache, std::string_view name);
// The public name of output `spec` of `hash` (the URL's last segment).
std::string ThumbnailFileName(const imaging::ThumbnailCache& cache,
                              const ContentHash& hash, size_t spec);

// What asking for a thumbnail found.
struct ThumbnailLookup {
  enum class State {
    kReady,    // `file` is open
    kQueued,   // not made yet; a pixels job is queued at interactive priority
    kFailed,   // the content cannot be decoded (`error`)
    kMissing,  // no present photo, RAW or video has this content
  } state = State::kMissing;
  std::optional<OpenedFile> file;
  std::string error;
  // The content-addressed name, when the content is known.
  std::string name;
};
// Output `spec` of content `hash`. When it is not in the cache but a
// present file of the catalog has that content, its pixels job is queued
// (or moved up) at interactive priority: `jobs_queued` tells the runner.
Result<ThumbnailLookup> LookupThumbnail(Library& lib,
                                        const imaging::ThumbnailCache& cache,
                                        const ContentHash& hash, size_t spec);
// The same for file `id`'s content (kNotFound for an unknown or removed
// id; kMissing when its content has no full hash yet: then its pixels job
// is queued, which hashes it).
Result<ThumbnailLookup> LookupFileThumbnail(
    Library& lib, const imaging::ThumbnailCache& cache, FileId id, size_t spec);

}  // namespace phodex::library
