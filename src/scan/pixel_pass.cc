#include "scan/pixel_pass.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include <tbb/parallel_for.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "os/file_system.h"
#include "scan/pixel_work.h"
#include "util/metrics.h"

namespace phodex::scan {
namespace {

constexpr size_t kMaxReportedErrors = 20;

using Item = PixelItem;

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
void RunPage(PixelWork& pass, std::vector<Item>& items,
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
  PixelWork pass(fs, clock, options, cancel);
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
          errors.push_back(PixelErrorEntry(item));
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
