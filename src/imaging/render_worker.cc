#include "imaging/render_worker.h"

#include <algorithm>
#include <exception>
#include <new>

namespace phodex::imaging {
namespace {

Result<Rendered> RenderInProcess(const RenderRequest& request) {
  DecodeOptions decode;
  decode.max_source_pixels = request.max_source_pixels;
  decode.target_edge = kQualityEdge;
  for (const EncodeOptions& o : request.outputs) {
    decode.target_edge = std::max(decode.target_edge, o.longest_edge);
  }
  PHODEX_ASSIGN_OR_RETURN(DecodedImage decoded,
                          Decode(request.path, request.kind, decode));
  if (decoded.image.width <= 0 || decoded.image.height <= 0) {
    return MakeError(ErrorCode::kContentFault, "decoded to an empty image", "decode",
                     request.path);
  }
  Rendered r;
  r.source_width = decoded.source_width;
  r.source_height = decoded.source_height;
  r.decode_path = decoded.path;
  r.phash = ComputePerceptualHash(decoded.image);
  r.quality = MeasureQuality(decoded.image);
  for (const EncodeOptions& o : request.outputs) {
    auto bytes = Encode(decoded.image, o);
    if (!bytes) {
      return MakeError(bytes.error().code(), bytes.error().message(), "encode",
                       request.path);
    }
    r.outputs.push_back(std::move(*bytes));
  }
  return r;
}

Result<Rendered> RenderCatchingAll(const RenderRequest& request) {
  try {
    return RenderInProcess(request);
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorCode::kInternal, "decoder ran out of memory", "decode",
                     request.path);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kContentFault, e.what(), "decode", request.path);
  }
}

}  // namespace

InProcessRenderer::InProcessRenderer() { InitImagingLibraries(); }

Result<Rendered> InProcessRenderer::Render(const RenderRequest& request) {
  return RenderCatchingAll(request);
}

int RunPixelWorker() {
  InitImagingLibraries();
  return os::ServeWorkerRequests(
      os::WorkerHeap::kReturnBuffers, [](std::string_view body) {
        RenderRequest request;
        if (!DecodeRenderRequest(body, request)) {
          return EncodeRenderReply(MakeError(ErrorCode::kInvalidArgument,
                                             "malformed request", "decode"));
        }
        os::ApplyWorkerFaultsForTesting(request.path);
        return EncodeRenderReply(RenderCatchingAll(request));
      });
}

}  // namespace phodex::imaging
