#include "scan/pixel_work.h"

#include <algorithm>

#include "media/hasher.h"
#include "scan/retry_policy.h"
#include "util/metrics.h"

namespace phodex::scan {

int64_t MemoryBudget::Acquire(int64_t bytes) {
  bytes = std::min(bytes, cap_);
  util::MutexLock lock(mu_);
  while (used_ + bytes > cap_) cv_.Wait(mu_);
  used_ += bytes;
  return bytes;
}

void MemoryBudget::Release(int64_t bytes) {
  {
    util::MutexLock lock(mu_);
    used_ -= bytes;
  }
  cv_.NotifyAll();
}

catalog::FileErrorEntry PixelErrorEntry(const PixelItem& item) {
  std::string abs = os::JoinPath(item.file.root_path, item.file.rel);
  const Error& e = *item.error;
  if (e.path().empty() || e.path() == abs) {
    return {std::move(abs), e.op(), e.message()};
  }
  return {std::move(abs), "make thumbnails", e.ToString()};
}

PixelWork::PixelWork(os::FileSystem& fs, os::Clock& clock,
                     const PixelPassOptions& options,
                     const std::atomic<bool>* cancel)
    : fs_(fs),
      clock_(clock),
      options_(options),
      cancel_(cancel),
      budget_(options.memory_budget_bytes) {
  for (const auto& spec : options_.cache->specs()) {
    outputs_.push_back(spec.encode);
  }
}

bool PixelWork::UpToDate(const catalog::PixelCandidate& c) const {
  if (!c.hash || c.pixel_version != imaging::kPixelVersion) return false;
  if (c.pixel_error) return true;  // not retried until the content changes
  return c.thumbs_key == options_.cache->settings_key() &&
         options_.cache->HasAll(*c.hash);
}

Status PixelWork::EnsureHash(PixelItem& item) {
  catalog::PixelCandidate& c = item.file;
  const std::string abs = os::JoinPath(c.root_path, c.rel);
  PHODEX_ASSIGN_OR_RETURN(FileStat st, fs_.Stat(abs, os::Follow::kNo));
  if (st.size != c.size || st.mtime != c.mtime) {
    item.outcome = PixelItem::Outcome::kChanged;
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

bool PixelWork::Cancelled(PixelItem& item) const {
  if (cancel_ == nullptr || !cancel_->load(std::memory_order_relaxed)) {
    return false;
  }
  item.outcome = PixelItem::Outcome::kNotDone;
  return true;
}

bool PixelWork::Prepare(PixelItem& item) {
  if (UpToDate(item.file)) return false;
  if (Cancelled(item)) return false;
  if (auto st = EnsureHash(item); !st) {
    if (st.error().code() == ErrorCode::kCancelled) {
      item.outcome = PixelItem::Outcome::kNotDone;
      return false;
    }
    item.outcome = PixelItem::Outcome::kOtherError;
    item.error = st.error();
    return false;
  }
  if (item.outcome == PixelItem::Outcome::kChanged) return false;
  return !UpToDate(item.file);  // else a copy of a content already done
}

void PixelWork::Render(PixelItem& item) {
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
    item.outcome = PixelItem::Outcome::kNotDone;  // interrupted in flight
    return;
  }
  if (!rendered) {
    item.error = rendered.error();
    if (!RecordAsDone(rendered.error())) {  // scan/retry_policy.h
      item.outcome = PixelItem::Outcome::kOtherError;
      return;
    }
    item.outcome = PixelItem::Outcome::kContentError;
    f.error = rendered.error().message();
    item.update = catalog::PixelUpdate{*c.hash, std::move(f)};
    return;
  }
  for (size_t i = 0; i < rendered->outputs.size(); ++i) {
    if (auto st = options_.cache->Put(*c.hash, i, rendered->outputs[i]); !st) {
      item.outcome = PixelItem::Outcome::kOtherError;  // e.g. disk full
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
  item.outcome = PixelItem::Outcome::kRendered;
  item.update = catalog::PixelUpdate{*c.hash, std::move(f)};
}

}  // namespace phodex::scan
