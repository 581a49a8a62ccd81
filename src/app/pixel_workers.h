#pragma once
// Wiring of the pixel stage (scan/pixel_pass.h): the isolated decoder
// pool (imaging/renderer.h; the worker is this binary started as
// `phodex __pixel-worker`), the thumbnail cache under the data folder,
// and the run shared by `phodex thumbs` and `phodex scan --thumbs`.
// Single-threaded (the main thread).

#include <atomic>
#include <memory>

#include "app/config.h"
#include "app/context.h"
#include "catalog/catalog.h"
#include "imaging/renderer.h"
#include "imaging/thumbnail_cache.h"
#include "scan/pixel_pass.h"

namespace phodex::app {

// The hidden command that runs a decoder worker (never shown in --help).
inline constexpr char kPixelWorkerCommand[] = "__pixel-worker";

// <data_dir>/thumbs, with the sizes, format and quality of `config`.
std::unique_ptr<imaging::ThumbnailCache> OpenThumbnailCache(
    Context& ctx, const Config& config);

// Starts the decoder pool (lazily: no process until the first file) and
// runs the pixel stage over `scope`, printing a summary line (and
// progress on a terminal). Records it as a "thumbs" operation. Returns an
// exit code.
int RunPixelStage(Context& ctx, catalog::Catalog& cat, const Config& config,
                  const catalog::FileQuery& scope, const std::string& where,
                  const std::atomic<bool>& cancel);

}  // namespace phodex::app
