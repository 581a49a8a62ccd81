#pragma once
// A pool of isolated worker processes that answer one request at a time:
// how phodex runs third-party parsers and decoders (Exiv2, libavformat,
// libvips, LibRaw, FFmpeg) that may crash or hang on hostile files. Each
// worker is phodex itself, re-executed in a hidden worker mode
// (ServeWorkerRequests below); requests and replies are opaque byte
// strings framed on the worker's stdin/stdout. A worker that crashes costs
// the request it was answering ("<what> crashed (killed by signal 11)");
// one that overruns the time limit is killed and costs that request
// ("<what> gave no answer in 10000 ms and was stopped"); the next request
// gets a fresh worker. See docs/architecture.md ("Isolating parsers").
//
// Frame (both ways): a 4-byte little-endian length, then that many bytes.
//
// WorkerPool is thread-safe: callers use as many threads as workers (more
// threads just wait for an idle worker).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "util/mutex.h"
#include "util/sanitizers.h"

namespace phodex::os {

class Subprocess;

struct WorkerPoolOptions {
  // The worker command, e.g. {SelfExecutablePath(), "__metadata-worker"}.
  std::vector<std::string> worker_argv;
  // Worker processes; requests go to whichever is idle.
  int workers = 2;
  // Longest time one request may take. Healthy files take milliseconds;
  // a hang is what this catches.
  std::chrono::milliseconds timeout{10000};
  // Address-space cap per worker (0: none; see SubprocessOptions). Off in
  // sanitizer builds, which reserve terabytes of address space.
#if PHODEX_ASAN_BUILD || PHODEX_TSAN_BUILD
  int64_t address_space_bytes = 0;
#else
  int64_t address_space_bytes = int64_t{4} << 30;
#endif
  // Names the worker in errors: "metadata parser", "decoder".
  std::string what = "worker";
};

struct WorkerPoolStats {
  int64_t requests = 0;
  int64_t started = 0;   // worker processes started
  int64_t crashes = 0;   // workers that died on a request
  int64_t timeouts = 0;  // workers killed for overrunning
};

// Workers start with the first request (a rescan that finds nothing new
// starts none), are restarted when one is lost, and stop with the pool.
class WorkerPool {
 public:
  static Result<std::unique_ptr<WorkerPool>> Create(WorkerPoolOptions options);
  ~WorkerPool();

  // Sends `request` to an idle worker and returns its reply. A worker that
  // crashes or hangs on the request is replaced and the request sent once
  // more (one such loss may be the machine's: a worker killed from
  // outside, a busy machine). Errors: kContentFault (two losses in a row:
  // the request's file is to blame; the message is the second one's,
  // "crashed (...)" or "gave no answer in ..."), kInternal (it would not
  // start, or its reply was malformed), kCancelled (the process was
  // interrupted meanwhile, os/process.h: the worker was stopped; nothing
  // is known about the request). `op` and `path` label the error.
  Result<std::string> Call(std::string_view request, std::string_view op,
                           const std::string& path);
  WorkerPoolStats stats() const;
  const WorkerPoolOptions& options() const { return options_; }

 private:
  struct Slot;
  explicit WorkerPool(WorkerPoolOptions options);
  Status Start(Slot& slot);
  Slot* Acquire() EXCLUDES(mu_);
  void Release(Slot* slot) EXCLUDES(mu_);
  Result<std::string> CallWith(Slot& slot, std::string_view request,
                               std::string_view op, const std::string& path);

  const WorkerPoolOptions options_;
  util::Mutex mu_;
  util::CondVar idle_cv_;
  std::vector<std::unique_ptr<Slot>> slots_;  // fixed after construction
  std::vector<Slot*> idle_ GUARDED_BY(mu_);
  std::atomic<int64_t> requests_{0}, started_{0}, crashes_{0}, timeouts_{0};
};

// Frames `payload` (the length prefix above).
std::string Frame(std::string_view payload);
// The length in a 4-byte frame header. REQUIRES: header.size() >= 4.
uint32_t FrameLength(std::string_view header);

// The largest frame either side accepts (a preview is a few hundred KB).
inline constexpr uint32_t kMaxFrameBytes = 64u << 20;

// --- Worker side ------------------------------------------------------------
// What a worker does with freed memory between requests.
enum class WorkerHeap {
  // Keep large buffers (up to 128 MiB) for the next request: a metadata
  // worker handles one file after another with the same few buffers of a
  // few MiB, and glibc's defaults mmap and munmap each one (it showed in
  // perf).
  kKeepBuffers,
  // glibc's defaults: buffers over 128 KiB are returned when freed. For
  // decoders, whose buffers are tens to hundreds of MiB and differ per
  // file: one worker per core keeping them would break the memory bound.
  kReturnBuffers,
};

// The worker's main loop: becomes a worker process (BecomeWorkerProcess),
// sets up the heap, then answers each request on stdin with
// handle(request) on stdout until stdin ends. Returns the exit status.
// `handle` must not throw.
int ServeWorkerRequests(
    WorkerHeap heap,
    const std::function<std::string(std::string_view request)>& handle);

// Test hook: with PHODEX_WORKER_FAULTS_FOR_TESTING set in the
// environment, a worker crashes (SIGSEGV) on paths containing
// "crash-worker" and hangs on "hang-worker", so tests can prove the
// isolation without relying on a library bug.
void ApplyWorkerFaultsForTesting(const std::string& path);

}  // namespace phodex::os
