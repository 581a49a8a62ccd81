#pragma once
// The decoders' side of imaging/renderer.h: rendering in this process
// (tests, the worker itself, and the benchmark of what the isolation
// costs) and the worker's main loop. Built into the decoder module
// (app/decoders.h), not into the phodex binary, which loads libvips, LibRaw
// and FFmpeg only when it decodes.

#include "imaging/renderer.h"

namespace phodex::imaging {

// Decodes in this process. Not safe on hostile files.
class InProcessRenderer final : public PixelRenderer {
 public:
  InProcessRenderer();
  Result<Rendered> Render(const RenderRequest& request) override;
};

// The worker's main loop (`phodex __pixel-worker`). Returns the exit
// status.
int RunPixelWorker();

}  // namespace phodex::imaging
