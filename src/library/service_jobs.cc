#include "library/service_jobs.h"

#include <charconv>
#include <utility>
#include <vector>

#include "imaging/renderer.h"
#include "imaging/thumbnail_cache.h"
#include "library/rate_jobs.h"
#include "library/thumbs.h"
#include "media/hasher.h"
#include "os/process.h"
#include "scan/pixel_work.h"
#include "scan/retry_policy.h"
#include "scan/stage.h"
#include "util/mutex.h"

namespace phodex::library {
namespace {

// Pixel candidates read per page when queueing.
constexpr int64_t kQueuePage = 512;
// Running jobs read per page when looking for dead lease holders.
constexpr int64_t kLeasePage = 1000;

bool PixelsUpToDate(const catalog::PixelCandidate& c,
                    const std::string& thumbs_key) {
  if (!c.hash || c.pixel_version != imaging::kPixelVersion) return false;
  return c.pixel_error || c.thumbs_key == thumbs_key;
}

// The pid of a lease holder "host:pid/pool" when its host is `host`.
std::optional<int> PidOn(const std::string& owner, const std::string& host) {
  if (!owner.starts_with(host + ":")) return std::nullopt;
  const char* begin = owner.data() + host.size() + 1;
  const char* end = owner.data() + owner.size();
  int pid = 0;
  auto [ptr, ec] = std::from_chars(begin, end, pid);
  if (ec != std::errc() || ptr == begin || pid <= 0) return std::nullopt;
  if (ptr != end && *ptr != '/') return std::nullopt;
  return pid;
}

}  // namespace

int64_t FileJobVersion(int64_t size, const FileTime& mtime) {
  // splitmix64 over the three numbers: distinct states of one file get
  // distinct versions (a collision would need equal mixes of two stats of
  // the same file), kept positive and non-zero.
  auto mix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  uint64_t h = mix(static_cast<uint64_t>(size));
  h = mix(h ^ static_cast<uint64_t>(mtime.sec));
  h = mix(h ^ static_cast<uint64_t>(mtime.nsec));
  const auto v = static_cast<int64_t>(h >> 1);
  return v == 0 ? 1 : v;
}

Result<QueuedFileJobs> QueueFileJobs(catalog::Catalog& catalog,
                                     os::Clock& clock,
                                     const QueueFileJobsRequest& req) {
  QueuedFileJobs out;
  auto enqueue = [&](const std::vector<catalog::JobSpec>& specs) -> Status {
    if (specs.empty()) return {};
    PHODEX_ASSIGN_OR_RETURN(const catalog::EnqueueResult r,
                            catalog.EnqueueJobs(specs, clock.NowUnixNs()));
    out.added += r.added;
    out.already += r.already_queued;
    return {};
  };
  // Metadata first: what a person sees of a new photo before its
  // thumbnail.
  for (FileId after{0}; req.metadata;) {
    PHODEX_ASSIGN_OR_RETURN(
        std::vector<catalog::FileState> page,
        catalog.ListFilesAtContentVersion(
            req.scope, scan::kContentStagesVersionNoMetadata, after,
            kQueuePage));
    if (page.empty()) break;
    after = page.back().id;
    std::vector<catalog::JobSpec> specs;
    for (const catalog::FileState& f : page) {
      specs.push_back({.kind = kMetadataJob,
                       .priority = req.priority,
                       .file = f.id,
                       .version = FileJobVersion(f.size, f.mtime)});
    }
    PHODEX_TRY(enqueue(specs));
  }
  FileId after{0};
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(
        std::vector<catalog::PixelCandidate> page,
        catalog.ListPixelCandidates(req.scope, after, kQueuePage));
    if (page.empty()) break;
    after = page.back().id;
    std::vector<catalog::JobSpec> specs;
    for (const catalog::PixelCandidate& c : page) {
      ++out.files;
      const int64_t version = FileJobVersion(c.size, c.mtime);
      const bool pixels = req.pixels && !PixelsUpToDate(c, req.thumbs_key);
      if (pixels) {
        specs.push_back({.kind = kPixelsJob,
                         .priority = req.priority,
                         .file = c.id,
                         .version = version});
      }
      // A pixels job hashes the file first (one read for both): a
      // full_hash job of its own would read it a second time, meanwhile.
      if (!c.hash && !pixels) {
        specs.push_back({.kind = kFullHashJob,
                         .priority = catalog::JobPriority::kBackground,
                         .file = c.id,
                         .version = version});
      }
    }
    PHODEX_TRY(enqueue(specs));
  }
  return out;
}

Result<int64_t> ReleaseJobsOfDeadProcesses(catalog::JobQueue& queue,
                                           const std::string& host,
                                           int64_t now_ns) {
  std::vector<catalog::JobLease> dead;
  catalog::JobFilter filter;
  filter.state = catalog::JobState::kRunning;
  filter.limit = kLeasePage;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(std::vector<catalog::Job> page,
                            queue.ListJobs(filter));
    for (const catalog::Job& job : page) {
      const std::optional<int> pid = PidOn(job.lease_owner, host);
      // Alive at its last renewal (updated): a process started since is
      // another one.
      if (pid && !os::ProcessMayBeRunning(*pid, job.updated_ns)) {
        dead.push_back({job.id, job.lease_token});
      }
    }
    if (std::ssize(page) < kLeasePage) break;
    filter.after = page.back().id;
  }
  if (dead.empty()) return 0;
  return queue.ReleaseJobs(dead, now_ns);
}

// The handlers of both kinds and what they found, buffered until the
// supervisor writes it (Flush, on its thread, before the completions).
class FileJobs::Handlers {
 public:
  Handlers(Library& lib, catalog::Catalog& reader,
           const std::atomic<bool>* stop)
      : lib_(lib),
        reader_(reader),
        stop_(stop),
        metadata_(*this, &Handlers::RunMetadata),
        pixels_(*this, &Handlers::RunPixels),
        hashes_(*this, &Handlers::RunHash),
        rate_(*this, &Handlers::RunRate) {}

  // Starts the decoder pool (its processes start with the first file),
  // and the parser that reads back what a "rate" job wrote.
  Status Init() {
    if (lib_.workers().metadata) {
      Config one_worker = lib_.config();
      one_worker.metadata_workers = 1;
      PHODEX_ASSIGN_OR_RETURN(rate_reader_, lib_.workers().metadata(one_worker));
    }
    if (!lib_.workers().pixels) return {};
    PHODEX_ASSIGN_OR_RETURN(renderer_, lib_.workers().pixels(lib_.config()));
    cache_ = OpenThumbnailCache(lib_);
    options_ = PixelPassOptionsFor(lib_.config());
    options_.renderer = renderer_.get();
    options_.cache = cache_.get();
    work_ = std::make_unique<scan::PixelWork>(lib_.fs(), lib_.clock(),
                                              options_, stop_);
    return {};
  }
  // Starts the parser pool (its processes start with the first file).
  Status InitMetadata() {
    if (!lib_.workers().metadata) {
      return MakeError(ErrorCode::kUnsupported, "no metadata parsers",
                       "start the job runner");
    }
    PHODEX_ASSIGN_OR_RETURN(reader_pool_, lib_.workers().metadata(lib_.config()));
    return {};
  }
  bool has_pixels() const { return work_ != nullptr; }
  bool has_rate() const { return rate_reader_ != nullptr; }
  jobs::JobHandler& rate() { return rate_; }
  jobs::JobHandler& metadata() { return metadata_; }
  jobs::JobHandler& pixels() { return pixels_; }
  jobs::JobHandler& hashes() { return hashes_; }

  // Writes what the handlers found since the last call.
  Status Flush(catalog::Catalog& catalog) EXCLUDES(mu_) {
    std::vector<catalog::MetadataUpdate> metadata;
    std::vector<catalog::HashUpdate> hashes;
    std::vector<catalog::PixelUpdate> pixels;
    {
      util::MutexLock lock(mu_);
      metadata.swap(metadata_found_);
      hashes.swap(hashes_found_);
      pixels.swap(pixels_found_);
    }
    Status st;
    if (!metadata.empty()) {
      // Each only for the state it was read from (the file may have
      // changed since: its new state has a job of its own).
      auto stored = catalog.SetMetadata(metadata);
      if (!stored) st = std::unexpected(stored.error());
    }
    if (st && !hashes.empty()) st = catalog.SetHashes(hashes);
    if (st && !pixels.empty()) st = catalog.SetPixels(pixels);
    if (!st) {  // kept for the next flush
      util::MutexLock lock(mu_);
      metadata_found_.insert(metadata_found_.end(), metadata.begin(),
                             metadata.end());
      hashes_found_.insert(hashes_found_.end(), hashes.begin(), hashes.end());
      pixels_found_.insert(pixels_found_.end(), pixels.begin(), pixels.end());
    }
    return st;
  }

 private:
  // A kind's handler: one of the Run* methods below.
  class Handler final : public jobs::JobHandler {
   public:
    using Method = Status (Handlers::*)(const catalog::Job&, jobs::CancelToken);
    Handler(Handlers& h, Method run) : h_(h), run_(run) {}
    Status Run(const catalog::Job& job, jobs::CancelToken cancel) override {
      return (h_.*run_)(job, cancel);
    }

   private:
    Handlers& h_;
    const Method run_;
  };

  Status RunPixels(const catalog::Job& job, jobs::CancelToken cancel) {
    if (!job.file || !work_) return {};
    std::optional<catalog::PixelCandidate> candidate;
    {
      util::MutexLock lock(reader_mu_);
      PHODEX_ASSIGN_OR_RETURN(candidate, reader_.GetPixelCandidate(*job.file));
    }
    // Gone, or changed since it was queued: its new state has a job of
    // its own (the watcher saw the change).
    if (!candidate ||
        FileJobVersion(candidate->size, candidate->mtime) != job.version) {
      return {};
    }
    if (cancel.cancelled()) return MakeError(ErrorCode::kCancelled, "stopping");
    scan::PixelItem item{std::move(*candidate)};
    if (work_->Prepare(item)) work_->Render(item);
    {
      util::MutexLock lock(mu_);
      if (item.hashed) {
        hashes_found_.push_back({item.file.id, *item.file.hash, std::nullopt});
      }
      if (item.update) pixels_found_.push_back(std::move(*item.update));
    }
    switch (item.outcome) {
      case scan::PixelItem::Outcome::kUpToDate:
      case scan::PixelItem::Outcome::kRendered:
      case scan::PixelItem::Outcome::kChanged:
        return {};
      case scan::PixelItem::Outcome::kNotDone:
        return MakeError(ErrorCode::kCancelled, "stopping");
      case scan::PixelItem::Outcome::kContentError:
      case scan::PixelItem::Outcome::kOtherError:
        break;
    }
    // Vanished meanwhile: its removal is the watcher's to record.
    if (item.error->code() == ErrorCode::kNotFound) return {};
    return std::unexpected(*item.error);
  }

  // The job's file as the catalog and the disk both have it now, with
  // its absolute path; null when there is nothing to do: gone, or changed
  // since the job was queued (its new state has a job of its own; one
  // changed on disk but not yet in the catalog is the watcher's to bring).
  struct Current {
    catalog::FileRow row;
    FileStat stat;
    std::string abs;
  };
  Result<std::optional<Current>> CurrentState(const catalog::Job& job) {
    std::optional<catalog::FileRow> row;
    {
      util::MutexLock lock(reader_mu_);
      PHODEX_ASSIGN_OR_RETURN(row, reader_.GetFile(*job.file));
    }
    if (!row || !row->present ||
        FileJobVersion(row->size, row->mtime) != job.version) {
      return std::nullopt;
    }
    std::string abs = os::JoinPath(row->root_path, row->rel);
    auto stat = lib_.fs().Stat(abs, os::Follow::kNo);
    if (!stat && stat.error().code() == ErrorCode::kNotFound) {
      return std::nullopt;
    }
    if (!stat) return std::unexpected(stat.error());
    if (stat->size != row->size || stat->mtime != row->mtime) {
      return std::nullopt;
    }
    return Current{std::move(*row), *stat, std::move(abs)};
  }

  Status RunMetadata(const catalog::Job& job, jobs::CancelToken cancel) {
    if (!job.file || !reader_pool_) return {};
    // A scan meanwhile may have read it too: the same state gives the
    // same metadata.
    PHODEX_ASSIGN_OR_RETURN(std::optional<Current> current, CurrentState(job));
    if (!current) return {};
    const catalog::FileRow& row = current->row;
    const FileStat& stat = current->stat;
    const std::string& abs = current->abs;
    if (cancel.cancelled()) return MakeError(ErrorCode::kCancelled, "stopping");
    auto read = reader_pool_->Read(abs, row.kind);
    if (!read && read.error().code() == ErrorCode::kNotFound) return {};
    catalog::MetadataUpdate u{.id = row.id,
                              .size = stat.size,
                              .mtime = stat.mtime,
                              .ino = stat.ino,
                              .content_version = scan::kContentStagesVersion};
    if (read) {
      u.metadata = std::move(*read);
    } else if (scan::RecordAsDone(read.error())) {
      // The file's fault: recorded as the scan records it, not read again
      // until it changes.
      u.error = "metadata: " + read.error().ToString();
    } else {
      return std::unexpected(read.error());  // passing: retried
    }
    {
      util::MutexLock lock(mu_);
      metadata_found_.push_back(std::move(u));
    }
    return read ? Status{} : Status(std::unexpected(read.error()));
  }

  // Writes at once (the user's file, then its record through reader_):
  // run again, a job writes the same values.
  Status RunRate(const catalog::Job& job, jobs::CancelToken cancel) {
    if (cancel.cancelled()) return MakeError(ErrorCode::kCancelled, "stopping");
    util::MutexLock lock(reader_mu_);
    return RunRateJob(reader_, lib_, *rate_reader_, job);
  }

  Status RunHash(const catalog::Job& job, jobs::CancelToken cancel) {
    if (!job.file) return {};
    PHODEX_ASSIGN_OR_RETURN(std::optional<Current> current, CurrentState(job));
    if (!current || current->row.hash) return {};
    const std::string& abs = current->abs;
    auto file = lib_.fs().OpenForRead(abs, os::AccessPattern::kSequential);
    if (!file && file.error().code() == ErrorCode::kNotFound) return {};
    if (!file) return std::unexpected(file.error());
    PHODEX_ASSIGN_OR_RETURN(
        const media::FullHashes hashes,
        media::HashWholeFile(**file, media::WithSha256::kNo, cancel.flag()));
    util::MutexLock lock(mu_);
    hashes_found_.push_back({current->row.id, hashes.xxh128, std::nullopt});
    return {};
  }

  Library& lib_;
  catalog::Catalog& reader_;
  const std::atomic<bool>* const stop_;
  util::Mutex reader_mu_;  // one handler at a time reads through reader_
  std::unique_ptr<media::MetadataReader> reader_pool_;
  std::unique_ptr<media::MetadataReader> rate_reader_;
  std::unique_ptr<imaging::PixelRenderer> renderer_;
  std::unique_ptr<imaging::ThumbnailCache> cache_;
  scan::PixelPassOptions options_;
  std::unique_ptr<scan::PixelWork> work_;
  Handler metadata_;
  Handler pixels_;
  Handler hashes_;
  Handler rate_;

  util::Mutex mu_;
  std::vector<catalog::MetadataUpdate> metadata_found_ GUARDED_BY(mu_);
  std::vector<catalog::HashUpdate> hashes_found_ GUARDED_BY(mu_);
  std::vector<catalog::PixelUpdate> pixels_found_ GUARDED_BY(mu_);
};

Result<std::unique_ptr<FileJobs>> FileJobs::Start(
    Library& lib, std::unique_ptr<catalog::Catalog> queue,
    std::unique_ptr<catalog::Catalog> reader, FileJobsOptions options) {
  std::unique_ptr<FileJobs> self(new FileJobs());
  self->queue_ = std::move(queue);
  self->reader_ = std::move(reader);
  self->on_error_ = std::move(options.on_error);
  self->handlers_ =
      std::make_unique<Handlers>(lib, *self->reader_, self->stop_.token().flag());
  PHODEX_TRY(self->handlers_->Init());
  if (options.metadata_parallel > 0) {
    PHODEX_TRY(self->handlers_->InitMetadata());
  }
  PHODEX_TRY(ReleaseJobsOfDeadProcesses(*self->queue_, os::HostName(),
                                        lib.clock().NowUnixNs()));
  jobs::SupervisorOptions sup = std::move(options.supervisor);
  sup.owner = options.owner;
  Handlers* handlers = self->handlers_.get();
  catalog::Catalog* writer = self->queue_.get();
  sup.before_flush = [handlers, writer] { return handlers->Flush(*writer); };
  std::vector<jobs::PoolOptions> pools;
  if (options.metadata_parallel > 0) {
    pools.push_back({.kind = kMetadataJob,
                     .handler = &handlers->metadata(),
                     .max_parallel = options.metadata_parallel,
                     .claim_batch = 4 * options.metadata_parallel});
  }
  if (handlers->has_pixels()) {
    pools.push_back({.kind = kPixelsJob,
                     .handler = &handlers->pixels(),
                     .max_parallel = std::max(options.pixel_parallel, 1),
                     .claim_batch = std::max(options.pixel_parallel, 1)});
  }
  if (handlers->has_rate()) {
    pools.push_back({.kind = kRateJob,
                     .handler = &handlers->rate(),
                     .max_parallel = 1,
                     .claim_batch = 16});
  }
  pools.push_back({.kind = kFullHashJob,
                   .handler = &handlers->hashes(),
                   .max_parallel = std::max(options.hash_parallel, 1),
                   .claim_batch = 4});
  PHODEX_ASSIGN_OR_RETURN(
      self->supervisor_,
      jobs::JobSupervisor::Create(*self->queue_, lib.clock(), std::move(sup),
                                  std::move(pools)));
  FileJobs* raw = self.get();
  self->thread_ = std::thread([raw] {
    raw->result_ = raw->supervisor_->Run(raw->stop_.token(), raw->on_error_);
  });
  return self;
}

FileJobs::~FileJobs() {
  (void)Stop();  // errors: a caller that wants them calls Stop
  // The handlers' threads (joined here) use the handlers and the stop flag.
  supervisor_.reset();
  handlers_.reset();
}

void FileJobs::Wake() {
  if (supervisor_) supervisor_->Wake();
}

Status FileJobs::Stop() {
  if (stopped_.exchange(true)) return {};
  stop_.Cancel();
  if (supervisor_) supervisor_->Wake();
  if (thread_.joinable()) thread_.join();
  return result_;
}

jobs::SupervisorStats FileJobs::stats() const {
  return supervisor_ ? supervisor_->stats() : jobs::SupervisorStats{};
}

}  // namespace phodex::library
