#include "scan/verifier.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>

#include "media/hasher.h"
#include "util/metrics.h"
#include "util/mutex.h"

namespace phodex::scan {
namespace {

struct Item {
  catalog::FileRow row;
  std::optional<ContentHash> computed;
  std::optional<std::string> sha256;
};

constexpr size_t kBaselineBatch = 500;
constexpr size_t kChunk = 4096;  // files hashed per parallel round

}  // namespace

Result<VerifyReport> Verify(catalog::Catalog& catalog, os::FileSystem& fs,
                            const catalog::FileQuery& query,
                            const VerifyOptions& options,
                            const std::atomic<bool>* cancel) {
  PHODEX_METRIC_RECORD("verify");
  VerifyReport report;
  util::Mutex mu;  // guards `report`
  auto add = [&](VerifyFinding::Kind kind, const std::string& path,
                 std::string detail) {
    util::MutexLock lock(mu);
    report.findings.push_back({kind, path, std::move(detail)});
    switch (kind) {
      case VerifyFinding::Kind::kDamaged: ++report.damaged; break;
      case VerifyFinding::Kind::kMissing: ++report.missing; break;
      case VerifyFinding::Kind::kChanged: ++report.changed; break;
      case VerifyFinding::Kind::kError: ++report.errors; break;
    }
  };

  auto check = [&](Item& item) {
    if (cancel && cancel->load(std::memory_order_relaxed)) return;
    const catalog::FileRow& r = item.row;
    const std::string abs = os::JoinPath(r.root_path, r.rel);
    auto st = fs.Stat(abs, os::Follow::kNo);
    if (!st) {
      if (st.error().code() == ErrorCode::kNotFound) {
        add(VerifyFinding::Kind::kMissing, abs, "no longer there");
      } else {
        add(VerifyFinding::Kind::kError, abs, st.error().ToString());
      }
      return;
    }
    if (st->size != r.size || st->mtime != r.mtime || st->ino != r.ino) {
      add(VerifyFinding::Kind::kChanged, abs,
          "changed since the last scan (size, mtime or inode); scan it");
      return;
    }
    auto file = fs.OpenForRead(abs, os::AccessPattern::kSequential);
    auto h = file
                 ? media::HashWholeFile(**file,
                                        options.sha256 ? media::WithSha256::kYes
                                                       : media::WithSha256::kNo,
                                        cancel)
                 : std::unexpected(file.error());
    if (!h && h.error().code() == ErrorCode::kCancelled) return;
    if (!h) {
      add(VerifyFinding::Kind::kError, abs, h.error().ToString());
      return;
    }
    {
      util::MutexLock lock(mu);
      report.bytes += h->bytes;
    }
    if (r.hash && *r.hash != h->xxh128) {
      add(VerifyFinding::Kind::kDamaged, abs,
          "content changed while size and mtime did not: stored " +
              r.hash->ToHex() + ", now " + h->xxh128.ToHex());
      return;
    }
    if (r.sha256 && h->sha256 && *r.sha256 != *h->sha256) {
      add(VerifyFinding::Kind::kDamaged, abs, "SHA-256 differs");
      return;
    }
    item.computed = h->xxh128;
    item.sha256 = std::move(h->sha256);
  };

  const int threads = std::min(
      options.threads > 0 ? options.threads : tbb::info::default_concurrency(),
      kMaxThreads);
  tbb::task_arena arena(threads);
  std::vector<catalog::HashUpdate> updates;
  // Hashes a chunk in parallel and keeps only what must be written back,
  // so memory stays bounded by the chunk, not the library.
  auto process = [&](std::vector<Item>& chunk) {
    arena.execute([&] {
      tbb::parallel_for(size_t{0}, chunk.size(),
                        [&](size_t i) { check(chunk[i]); });
    });
    for (Item& item : chunk) {
      if (!item.computed) continue;
      if (!item.row.hash) {
        ++report.baselined;
      } else {
        ++report.checked;
      }
      const bool new_sha = options.sha256 && !item.row.sha256;
      if (!item.row.hash || new_sha) {
        updates.push_back({item.row.id, *item.computed, item.sha256});
      }
    }
    chunk.clear();
  };
  // A page of rows is read (and its read ended) before its files are
  // hashed: no read of the catalog stays open while files are read.
  std::vector<Item> chunk;
  catalog::FileCursor after;
  int64_t left = query.limit.value_or(-1);  // -1: no limit
  while (left != 0) {
    const size_t n =
        left < 0 ? kChunk : std::min(kChunk, static_cast<size_t>(left));
    PHODEX_ASSIGN_OR_RETURN(catalog::FilePage page,
                            catalog.ListFiles(query, after, n));
    if (left > 0) left -= static_cast<int64_t>(page.rows.size());
    for (catalog::FileRow& r : page.rows) {
      chunk.push_back(Item{std::move(r), std::nullopt, std::nullopt});
    }
    process(chunk);
    if (!page.next) break;
    after = std::move(*page.next);
  }
  report.interrupted = cancel && cancel->load();
  for (size_t i = 0; i < updates.size(); i += kBaselineBatch) {
    const size_t end = std::min(updates.size(), i + kBaselineBatch);
    PHODEX_TRY(catalog.SetHashes(
        std::vector<catalog::HashUpdate>(updates.begin() + i,
                                         updates.begin() + end)));
  }
  return report;
}

}  // namespace phodex::scan
