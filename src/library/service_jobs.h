#pragma once
// `phodex serve`'s per-file work through the persistent job queue
// (catalog/job_queue.h; docs/serve.md, "Per-file work"): what the engine
// queues after it applied a folder, a tree or a reconciliation, and the
// handlers and supervisor (jobs/job_supervisor.h) that do it.
//
// Kinds:
//   "metadata"   the metadata of one file the change's pass catalogued
//                with its quick hash only (scan::kContentStagesVersion-
//                NoMetadata): read in the isolated parser pool, stored for
//                the state it was read from.
//   "pixels"     the pixel stage of one file (scan/pixel_work.h): its full
//                hash if it has none, one decode giving its thumbnail and
//                preview, perceptual hash and quality. In the isolated
//                decoder pool, at most [thumbnails] workers at once.
//   "full_hash"  the full hash of one file that has none (exact duplicates
//                without a second read); background priority.
//   "rate"       a rating, color label or pick written to one file
//                (library/rate_jobs.h), queued by the API at interactive
//                priority; written and recorded by the handler itself.
// The quick hash stays in the pass that detects the change
// (scan::ScanSession): it is the identity that pass compares to follow a
// move, so it is needed before a change can be told from a move. That
// pass commits in batches, and the startup reconciliation redoes what a
// kill left uncommitted.
//
// A job's key is (kind, file, FileJobVersion of its size and mtime): a
// file queued twice in one state is one job; a file that changed is a new
// job, and a job whose file changed since it was queued does nothing (the
// new state has its own). Exactly once: a handler's results (hashes, pixel
// facts) are buffered and written by the supervisor, in one batch, just
// before the completions that count them (SupervisorOptions::before_flush);
// a job whose results were written but whose completion a kill lost runs
// again and finds its work done (one stat per thumbnail). Failures follow
// the queue's rules: a corrupt or unsupported file fails at once with its
// reason (and its content's pixel facts record it, so it is not decoded
// again until it changes); passing failures (I/O, a decoder that crashed
// or would not start) retry with backoff.
//
// Threads: QueueFileJobs runs on the caller's thread with the caller's
// catalog. FileJobs runs the supervisor on a thread of its own over a
// catalog connection of its own; its handlers read the files' rows
// through a second connection of its own (one handler at a time) and use
// the Library's file system, clock, data folder, settings and worker
// factories, never its catalog. Wake and Stop are thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "catalog/catalog.h"
#include "catalog/job_queue.h"
#include "core/error.h"
#include "core/types.h"
#include "jobs/job_supervisor.h"
#include "library/library.h"

namespace phodex::library {

inline constexpr char kMetadataJob[] = "metadata";
inline constexpr char kPixelsJob[] = "pixels";
inline constexpr char kFullHashJob[] = "full_hash";

// The content version a file's jobs are keyed by: its size and mtime,
// what change detection compares (never 0).
int64_t FileJobVersion(int64_t size, const FileTime& mtime);

struct QueueFileJobsRequest {
  // The present files to look at (root, rel_prefix; "" = the whole root).
  catalog::FileQuery scope;
  // Of the "metadata" and "pixels" jobs (catalog::JobPriority);
  // "full_hash" jobs are always background.
  int priority = catalog::JobPriority::kWatch;
  // Whether to queue "metadata" jobs for the files catalogued without
  // their metadata (the pass ran without the metadata stage).
  bool metadata = false;
  // Whether to queue "pixels" jobs ([serve] thumbs), and the thumbnail
  // settings' key (ThumbnailCache::settings_key) they must be made with.
  bool pixels = true;
  std::string thumbs_key;
};

struct QueuedFileJobs {
  int64_t files = 0;    // photos, RAWs and videos looked at
  int64_t added = 0;    // jobs queued
  int64_t already = 0;  // jobs whose key was queued before
};

// Queues the per-file jobs `req.scope` lacks, judged from the catalog
// alone (no file is touched): with req.metadata a "metadata" job for each
// present file catalogued without its metadata, a "pixels" job for each present photo, RAW
// and video whose content has no pixel facts of this phodex's pixel
// version and `thumbs_key` (and no recorded decode error), a "full_hash"
// job for each without a full hash and without a pixels job (which hashes
// the file first, in the same read). Reads the catalog in pages and
// queues each page in one transaction. The caller wakes the runner.
Result<QueuedFileJobs> QueueFileJobs(catalog::Catalog& catalog,
                                     os::Clock& clock,
                                     const QueueFileJobsRequest& req);

struct FileJobsOptions {
  // Who claims, as `phodex jobs` shows it: "host:pid".
  std::string owner;
  // Handlers run at once: decoders ([thumbnails] workers; memory-hungry)
  // and hashers (reading whole files; one keeps the disk streaming).
  int pixel_parallel = 2;
  int hash_parallel = 1;
  // Metadata parsers at once (cheap; [metadata] workers); 0: no
  // "metadata" pool (the pass that detects changes reads it).
  int metadata_parallel = 0;
  // Passed to the supervisor (lease, flush, backoff, aging; tests shorten
  // them).
  jobs::SupervisorOptions supervisor;
  // Told about each turn's error (a busy or failing catalog): the loop
  // goes on. Called on the runner's thread. May be empty.
  std::function<void(const Error&)> on_error;
};

class FileJobs {
 public:
  // Starts the runner thread. `lib` is borrowed (see Threads above);
  // `queue` and `reader` are this runner's own connections to the
  // catalog. Before the first claim, running jobs whose lease holder is a
  // process of this host that is gone (a killed `serve`) are given back,
  // so a restart does not wait for their leases to expire. Fails when the
  // decoder pool cannot be made or the catalog cannot be read.
  static Result<std::unique_ptr<FileJobs>> Start(
      Library& lib, std::unique_ptr<catalog::Catalog> queue,
      std::unique_ptr<catalog::Catalog> reader, FileJobsOptions options);
  // Stop(), errors dropped.
  ~FileJobs();
  FileJobs(const FileJobs&) = delete;
  FileJobs& operator=(const FileJobs&) = delete;

  // Jobs were queued: claim at once. Thread-safe.
  void Wake();
  // Stops claiming, cancels the handlers, gives back the jobs not begun,
  // records what finished and joins the thread (within the supervisor's
  // stop_grace, plus a decode the worker pool was already stopping).
  // Idempotent; thread-safe.
  Status Stop();
  jobs::SupervisorStats stats() const;

 private:
  class Handlers;
  FileJobs() = default;

  std::unique_ptr<catalog::Catalog> queue_;
  std::unique_ptr<catalog::Catalog> reader_;
  std::unique_ptr<Handlers> handlers_;  // before supervisor_: it uses them
  std::unique_ptr<jobs::JobSupervisor> supervisor_;
  jobs::CancelSource stop_;
  std::function<void(const Error&)> on_error_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  Status result_;
};

// Gives back the running jobs whose lease holder ("host:pid/...") is a
// process of `host` that is no longer running (os::ProcessMayBeRunning):
// available again at once. Returns how many.
Result<int64_t> ReleaseJobsOfDeadProcesses(catalog::JobQueue& queue,
                                           const std::string& host,
                                           int64_t now_ns);

}  // namespace phodex::library
