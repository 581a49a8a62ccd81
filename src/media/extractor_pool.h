#pragma once
// Where the scan gets metadata from. Third-party parsers (Exiv2 0.27.6,
// libavformat) crash and hang on some hostile files, so the scan reads
// metadata through a small pool of worker processes: each worker is phodex
// itself, re-executed in worker mode (RunExtractorWorker below), and
// answers one file at a time over a socket. A worker that crashes costs
// the file it was reading (recorded as "metadata parser crashed: killed by
// signal 11"); one that overruns its time limit is killed and costs that
// file ("timed out"); either way the next file gets a fresh worker. See
// docs/architecture.md ("Isolating parsers") and docs/performance.md for
// what the isolation costs.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/media_kind.h"
#include "core/media_metadata.h"

namespace phodex::os {
class Subprocess;
}

namespace phodex::media {

// Reads the metadata of one file. Implementations are thread-safe.
class MetadataReader {
 public:
  virtual ~MetadataReader() = default;
  // Errors that are facts about the file's content (kCorrupt: unreadable;
  // kTimedOut: the parser hung; kInternal: the parser crashed) are
  // permanent for that content; kNotFound/kPermissionDenied/kIo are not.
  virtual Result<MediaMetadata> Read(const std::string& path,
                                     MediaKind kind) = 0;
};

// Calls the parsers in this process: for tests, benchmarks of the
// isolation's cost, and the worker itself. Not safe on hostile files.
class InProcessMetadataReader final : public MetadataReader {
 public:
  InProcessMetadataReader();
  Result<MediaMetadata> Read(const std::string& path,
                             MediaKind kind) override;
};

struct ExtractorPoolOptions {
  // The worker command: normally {SelfExecutablePath(), "__metadata-worker"}.
  std::vector<std::string> worker_argv;
  // Worker processes; files are handed to whichever is idle. Callers use
  // as many threads as workers (more threads just wait).
  int workers = 2;
  // Longest time one file may take. Healthy files take milliseconds; a
  // hang is what this catches.
  std::chrono::milliseconds timeout{10000};
  // Address-space cap per worker (0: none; see os::SubprocessOptions).
  // Off in sanitizer builds, which reserve terabytes of address space.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  int64_t address_space_bytes = 0;
#else
  int64_t address_space_bytes = int64_t{4} << 30;
#endif
};

struct ExtractorPoolStats {
  int64_t files = 0;
  int64_t started = 0;   // worker processes started
  int64_t crashes = 0;   // workers that died on a file
  int64_t timeouts = 0;  // workers killed for overrunning
};

// Thread-safe. Workers start when the first files arrive (a rescan that
// finds nothing new starts none), are restarted when one is lost, and stop
// with the pool.
class ExtractorPool final : public MetadataReader {
 public:
  static Result<std::unique_ptr<ExtractorPool>> Create(
      ExtractorPoolOptions options);
  ~ExtractorPool() override;

  Result<MediaMetadata> Read(const std::string& path,
                             MediaKind kind) override;
  ExtractorPoolStats stats() const;

 private:
  struct Slot;
  explicit ExtractorPool(ExtractorPoolOptions options);
  Status Start(Slot& slot);
  Slot* Acquire();
  void Release(Slot* slot);
  Result<MediaMetadata> ReadWith(Slot& slot, const std::string& path,
                                 MediaKind kind);

  const ExtractorPoolOptions options_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::vector<std::unique_ptr<Slot>> slots_;  // fixed after construction
  std::vector<Slot*> idle_;                   // GUARDED_BY(mu_)
  std::atomic<int64_t> files_{0}, started_{0}, crashes_{0}, timeouts_{0};
};

// The worker's main loop (`phodex __metadata-worker`): reads requests on
// stdin, answers on stdout, until stdin ends. Returns the exit status.
int RunExtractorWorker();

}  // namespace phodex::media
