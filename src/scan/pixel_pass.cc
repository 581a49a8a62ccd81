#include "scan/pixel_pass.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include <tbb/parallel_for.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "media/hasher.h"
#include "os/file_system.h"
#include "scan/retry_policy.h"
#include "util/metrics.h"
#include "util/mutex.h"

namespace phodex::scan {
namespace {

constexpr size_t kMaxReportedErrors = 20;

// A counting semaphore over bytes (thread-safe).
class MemoryBudget {
 public:
  explicit MemoryBudget(int64_t cap) : cap_(std::max<int64_t>(cap, 1)) {}
  // Waits until `bytes` fit (or nothing else is in flight), takes them and
  // returns how much was taken.
  int64_t Acquire(int64_t bytes) EXCLUDES(mu_) {
    bytes = std::min(bytes, cap_);
    util::MutexLock lock(mu_);
    while (used_ + bytes > cap_) cv_.Wait(mu_);
    used_ += bytes;
    return bytes;
  }
  void Release(int64_t bytes) EXCLUDES(mu_) {
    {
      util::MutexLock lock(mu_);
      used_ -= bytes;
    }
    cv_.NotifyAll();
  }

 private:
  const int64_t cap_;
  util::Mutex mu_;
  util::CondVar cv_;
  int64_t used_ GUARDED_BY(mu_) = 0;
};


// One file of a page and what became of it.
struct Item {
  catalog::PixelCandidate file;
  enum class Outcome {
    kUpToDate,
    kRendered,
    kContentError,
    kOtherError,
    kChanged,
    kNotDone  // interrupted before it: left for the next run
  } outcome = Outcome::kUpToDate;
  bool hashed = false;
  std::optional<catalog::PixelUpdate> update;
  std::optional<Error> error;
};

// What `ops --errors` and the summary show for a failed item. An error
// about another file than the photo (the cache file that could not be
// written) names that file too.
catalog::FileErrorEntry ErrorEntry(const Item& item) {
  std::string abs = os::JoinPath(item.file.root_path, item.file.rel);
  const Error& e = *item.error;
  if (e.path().empty() || e.path() == abs) {
    return {std::move(abs), e.op(), e.message()};
  }
  return {std::move(abs), "make thumbnails", e.ToString()};
}

class PixelPass {
 public:
  PixelPass(os::FileSystem& fs, os::Clock& clock,
            const PixelPassOptions& options, const std::atomic<bool>* cancel)
      : fs_(fs),
        clock_(clock),
        options_(options),
        cancel_(cancel),
        budget_(options.memory_budget_bytes) {
    for (const auto& spec : options_.cache->specs()) {
      outputs_.push_back(spec.encode);
    }
  }

  bool UpToDate(const catalog::PixelCandidate& c) const {
    if (!c.hash || c.pixel_version != imaging::kPixelVersion) return false;
    if (c.pixel_error) return true;  // not retried until the content changes
    return c.thumbs_key == options_.cache->settings_key() &&
           options_.cache->HasAll(*c.hash);
  }

  // Hashes the file when the catalog has no full hash for it, after
  // checking it is still what the catalog describes.
  Status EnsureHash(Item& item) {
    catalog::PixelCandidate& c = item.file;
    const std::string abs = os::JoinPath(c.root_path, c.rel);
    PHODEX_ASSIGN_OR_RETURN(FileStat st, fs_.Stat(abs, os::Follow::kNo));
    if (st.size != c.size || st.mtime != c.mtime) {
      item.outcome = Item::Outcome::kChanged;
      return {};
    }
    if (c.hash) return {};
    PHODEX_ASSIGN_OR_RETURN(auto file,
                            fs_.OpenForRead(abs, os::AccessPattern::kSequential));
    PHODEX_ASSIGN_OR_RETURN(
        auto hashes,
        media::HashWholeFile(*file, media::WithSha256::kNo, cancel_));
    c.hash = hashes.xxh128;
    item.hashed = true;
    return {};
  }

  // Interrupted: files not begun yet are left alone, so that a page of
  // 256 decodes does not hold Ctrl-C up.
  bool Cancelled(Item& item) const {
    if (cancel_ == nullptr || !cancel_->load(std::memory_order_relaxed)) {
      return false;
    }
    item.outcome = Item::Outcome::kNotDone;
    return true;
  }

  // Whether the item needs a decode (after hashing it if need be).
  bool Prepare(Item& item) {
    if (UpToDate(item.file)) return false;
    if (Cancelled(item)) return false;
    if (auto st = EnsureHash(item); !st) {
      if (st.error().code() == ErrorCode::kCancelled) {
        item.outcome = Item::Outcome::kNotDone;
        return false;
      }
      item.outcome = Item::Outcome::kOtherError;
      item.error = st.error();
      return false;
    }
    if (item.outcome == Item::Outcome::kChanged) return false;
    return !UpToDate(item.file);  // else a copy of a content already done
  }

  void Render(Item& item) {
    if (Cancelled(item)) return;
    const catalog::PixelCandidate& c = item.file;
    PHODEX_METRIC_RECORD("stage.pixels");
    imaging::RenderRequest request;
    request.path = os::JoinPath(c.root_path, c.rel);
    request.kind = c.kind;
    request.outputs = outputs_;
    request.max_source_pixels = options_.max_source_pixels;
    const int64_t reserved = budget_.Acquire(EstimateDecodeBytes(c));
    auto rendered = options_.renderer->Render(request);
    budget_.Release(reserved);
    catalog::PixelFacts f;
    f.version = imaging::kPixelVersion;
    f.at_ns = clock_.NowUnixNs();
    if (!rendered && rendered.error().code() == ErrorCode::kCancelled) {
      item.outcome = Item::Outcome::kNotDone;  // interrupted in flight
      return;
    }
    if (!rendered) {
      item.error = rendered.error();
      if (!RecordAsDone(rendered.error())) {  // scan/retry_policy.h
        item.outcome = Item::Outcome::kOtherError;
        return;
      }
      item.outcome = Item::Outcome::kContentError;
      f.error = rendered.error().message();
      item.update = catalog::PixelUpdate{*c.hash, std::move(f)};
      return;
    }
    for (size_t i = 0; i < rendered->outputs.size(); ++i) {
      if (auto st = options_.cache->Put(*c.hash, i, rendered->outputs[i]); !st) {
        item.outcome = Item::Outcome::kOtherError;  // e.g. disk full
        item.error = st.error();
        return;
      }
      f.thumb_bytes += static_cast<int64_t>(rendered->outputs[i].size());
    }
    f.thumbs_key = options_.cache->settings_key();
    f.width = rendered->source_width;
    f.height = rendered->source_height;
    f.decoded_by = imaging::DecodePathName(rendered->decode_path);
    f.phash = rendered->phash.hash;
    f.phash_rotated = rendered->phash.rotated;
    const imaging::QualityMetrics& q = rendered->quality;
    f.sharpness = q.sharpness;
    f.exposure = q.exposure;
    f.clipped_highlights = q.clipped_highlights;
    f.clipped_shadows = q.clipped_shadows;
    f.noise = q.noise;
    item.outcome = Item::Outcome::kRendered;
    item.update = catalog::PixelUpdate{*c.hash, std::move(f)};
  }

 private:
  os::FileSystem& fs_;
  os::Clock& clock_;
  const PixelPassOptions& options_;
  const std::atomic<bool>* const cancel_;
  std::vector<imaging::EncodeOptions> outputs_;
  MemoryBudget budget_;
};

template <typename Fn>
void ForEachParallel(tbb::task_arena& arena, size_t n, const Fn& fn) {
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, n, 1),
        [&](const tbb::blocked_range<size_t>& r) {
          for (size_t i = r.begin(); i != r.end(); ++i) fn(i);
        },
        tbb::simple_partitioner());
  });
}

// Prepares the page's files in parallel, then decodes each content once:
// two files of a page with the same content (copies) share one decode.
void RunPage(PixelPass& pass, std::vector<Item>& items,
             tbb::task_arena& arena) {
  std::vector<char> needs(items.size(), 0);
  ForEachParallel(arena, items.size(),
                  [&](size_t i) { needs[i] = pass.Prepare(items[i]); });
  std::vector<size_t> to_render;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!needs[i]) continue;
    bool first = true;
    for (size_t j : to_render) {
      if (*items[j].file.hash == *items[i].file.hash) first = false;
    }
    if (first) to_render.push_back(i);  // pages are small: linear is fine
  }
  ForEachParallel(arena, to_render.size(),
                  [&](size_t k) { pass.Render(items[to_render[k]]); });
}

}  // namespace

int64_t EstimateDecodeBytes(const catalog::PixelCandidate& file) {
  constexpr int64_t kMiB = int64_t{1} << 20;
  const int64_t pixels = file.pixels > 0 ? file.pixels : int64_t{24'000'000};
  switch (file.kind) {
    case MediaKind::kRaw:
      return 6 * pixels;
    case MediaKind::kVideo:
      return 100 * kMiB;
    default:
      break;
  }
  std::string ext = file.rel.substr(file.rel.rfind('.') + 1);
  for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ext == "jpg" || ext == "jpeg" || ext == "jpe") return pixels;
  if (ext == "heic" || ext == "heif" || ext == "hif" || ext == "avif") {
    return 14 * pixels;
  }
  return 4 * pixels;
}

Result<PixelPassReport> RunPixelPass(catalog::Catalog& catalog,
                                     os::FileSystem& fs, os::Clock& clock,
                                     const catalog::FileQuery& scope,
                                     const PixelPassOptions& options,
                                     PixelProgress& progress,
                                     const std::atomic<bool>* cancel) {
  const int64_t start_ns = clock.MonotonicNs();
  PixelPassReport report;
  PixelPass pass(fs, clock, options, cancel);
  // As many decodes in flight as there are workers, even beyond the cores
  // (TBB caps an arena at the cores unless told otherwise).
  const int threads = std::clamp(options.threads, 1, kMaxThreads);
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism,
                                  static_cast<size_t>(threads) + 1);
  tbb::task_arena arena(threads);
  FileId after{0};
  for (;;) {
    if (cancel && cancel->load()) {
      report.interrupted = true;
      break;
    }
    PHODEX_ASSIGN_OR_RETURN(
        auto page, catalog.ListPixelCandidates(scope, after, options.page));
    if (page.empty()) break;
    after = page.back().id;
    std::vector<Item> items;
    items.reserve(page.size());
    for (auto& c : page) items.push_back(Item{std::move(c)});
    RunPage(pass, items, arena);

    std::vector<catalog::HashUpdate> hashes;
    std::vector<catalog::PixelUpdate> updates;
    std::vector<catalog::FileErrorEntry> errors;
    int64_t done = 0;
    for (Item& item : items) {
      if (item.outcome == Item::Outcome::kNotDone) continue;
      ++done;
      if (item.hashed) {
        hashes.push_back({item.file.id, *item.file.hash, std::nullopt});
        ++report.hashed;
      }
      if (item.update) updates.push_back(std::move(*item.update));
      switch (item.outcome) {
        case Item::Outcome::kUpToDate: ++report.up_to_date; break;
        case Item::Outcome::kRendered: ++report.rendered; break;
        case Item::Outcome::kChanged: ++report.skipped_changed; break;
        case Item::Outcome::kNotDone:
          break;
        case Item::Outcome::kContentError:
        case Item::Outcome::kOtherError:
          ++report.errors;
          if (!item.error) break;
          errors.push_back(ErrorEntry(item));
          if (report.first_errors.size() < kMaxReportedErrors) {
            report.first_errors.push_back(errors.back());
          }
          break;
      }
    }
    report.candidates += done;
    progress.candidates = report.candidates;
    progress.rendered = report.rendered;
    progress.up_to_date = report.up_to_date;
    progress.hashed = report.hashed;
    progress.errors = report.errors;
    if (!hashes.empty()) PHODEX_TRY(catalog.SetHashes(hashes));
    if (!updates.empty()) PHODEX_TRY(catalog.SetPixels(updates));
    if (options.op.value != 0) {
      PHODEX_TRY(
          catalog.RecordFileErrors(options.op, errors, clock.NowUnixNs()));
    }
  }
  report.seconds = static_cast<double>(clock.MonotonicNs() - start_ns) / 1e9;
  return report;
}

}  // namespace phodex::scan
