#pragma once
// Everything that needs pixels, from one decode: the file is decoded once
// (imaging/decoder.h) at the size of the largest output, and that single
// RgbImage feeds every encoded output (thumbnail, preview), the perceptual
// hash and the quality metrics. No consumer opens the file again.
//
// PixelRenderer is the interface the scan uses; the scan's implementation
// is the isolated worker pool (RenderPool: decoders are large C libraries
// that crash and hang on hostile files), tests and benchmarks may use the
// in-process one (imaging/render_worker.h, in the decoder module).
// Implementations are thread-safe.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/media_kind.h"
#include "imaging/decoder.h"
#include "imaging/perceptual_hash.h"
#include "imaging/quality.h"
#include "os/worker_pool.h"

namespace phodex::imaging {

// Bump when what Render computes changes (hash construction, metrics,
// decode rules): catalog rows of an older version are computed again.
inline constexpr int kPixelVersion = 1;

struct RenderRequest {
  std::string path;
  MediaKind kind = MediaKind::kOther;
  // The encoded outputs wanted (thumbnail, preview, ...), in order. The
  // decode targets the largest. May be empty (hash and quality only).
  std::vector<EncodeOptions> outputs;
  // Refuse sources larger than this (decompression bombs).
  int64_t max_source_pixels = DecodeOptions{}.max_source_pixels;
};

struct Rendered {
  int source_width = 0;   // as displayed
  int source_height = 0;
  DecodePath decode_path = DecodePath::kLibvips;
  PerceptualHash phash;
  QualityMetrics quality;
  std::vector<std::string> outputs;  // encoded bytes, as requested
};

class PixelRenderer {
 public:
  virtual ~PixelRenderer() = default;
  // Errors as Decode's: kContentFault/kUnsupported are facts about the
  // content (not retried until it changes); kTimedOut, kInternal (a
  // crashed decoder, out of memory), kNotFound, kPermissionDenied and kIo
  // are passing failures, retried (scan/retry_policy.h).
  virtual Result<Rendered> Render(const RenderRequest& request) = 0;
};

// The isolated pool: `phodex __pixel-worker` processes (os/worker_pool.h,
// `what` "decoder"). A crash or hang costs one file.
class RenderPool final : public PixelRenderer {
 public:
  static Result<std::unique_ptr<RenderPool>> Create(os::WorkerPoolOptions options);
  Result<Rendered> Render(const RenderRequest& request) override;
  os::WorkerPoolStats stats() const { return pool_->stats(); }

 private:
  explicit RenderPool(std::unique_ptr<os::WorkerPool> pool)
      : pool_(std::move(pool)) {}
  std::unique_ptr<os::WorkerPool> pool_;
};

// The wire format between RenderPool and its workers (inside
// os/worker_pool.h frames). DecodeRenderRequest returns false on a
// malformed request.
std::string EncodeRenderRequest(const RenderRequest& r);
bool DecodeRenderRequest(std::string_view in, RenderRequest& r);
std::string EncodeRenderReply(const Result<Rendered>& r);
Result<Rendered> DecodeRenderReply(std::string_view in,
                                   const std::string& path);

}  // namespace phodex::imaging
