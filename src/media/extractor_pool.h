#pragma once
// Where the scan gets metadata from. Third-party parsers (Exiv2 0.27.6,
// libavformat) crash and hang on some hostile files, so the scan reads
// metadata through a small pool of worker processes: each worker is phodex
// itself, re-executed in worker mode (RunExtractorWorker in
// media/metadata_worker.h, loaded from the decoder module), and
// answers one file at a time over a socket. A worker that crashes costs
// the file it was reading (recorded as "metadata parser crashed: killed by
// signal 11"); one that overruns its time limit is killed and costs that
// file ("timed out"); either way the next file gets a fresh worker. See
// docs/architecture.md ("Isolating parsers") and docs/performance.md for
// what the isolation costs.

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/media_kind.h"
#include "core/media_metadata.h"
#include "os/worker_pool.h"

namespace phodex::media {

// Reads the metadata of one file. Implementations are thread-safe.
class MetadataReader {
 public:
  virtual ~MetadataReader() = default;
  // kContentFault (unreadable) and kUnsupported are facts about the
  // file's content, permanent for that content; kTimedOut (the parser hung
  // or the machine was busy), kInternal (a worker crashed or would not
  // start, out of memory), kNotFound/kPermissionDenied/kIo are passing
  // failures (scan/retry_policy.h).
  virtual Result<MediaMetadata> Read(const std::string& path,
                                     MediaKind kind) = 0;
};

// Worker command, count, time limit and address-space cap
// (os/worker_pool.h). `what` defaults to "metadata parser".
using ExtractorPoolOptions = os::WorkerPoolOptions;

// Thread-safe. Workers start when the first files arrive (a rescan that
// finds nothing new starts none), are restarted when one is lost, and stop
// with the pool.
class ExtractorPool final : public MetadataReader {
 public:
  static Result<std::unique_ptr<ExtractorPool>> Create(
      ExtractorPoolOptions options);

  Result<MediaMetadata> Read(const std::string& path,
                             MediaKind kind) override;
  os::WorkerPoolStats stats() const { return pool_->stats(); }

 private:
  explicit ExtractorPool(std::unique_ptr<os::WorkerPool> pool)
      : pool_(std::move(pool)) {}
  std::unique_ptr<os::WorkerPool> pool_;
};

// The wire format between the pool and its workers (inside os/worker_pool.h
// frames):
//   request: kind (1 byte, MediaKind) + path bytes
//   reply:   'O' + fields length (4 bytes) + fields JSON + tags JSON
//            'E' + error code (1 byte, ErrorCode) + message
std::string EncodeMetadataReply(const Result<MediaMetadata>& r);
Result<MediaMetadata> DecodeMetadataReply(std::string_view payload,
                                          const std::string& path);

}  // namespace phodex::media
