#pragma once
// The decoders: Exiv2 and libavformat reading metadata, libvips, LibRaw and
// FFmpeg decoding pixels. Together with what they pull in they are about
// 170 shared libraries, and loading them costs every process that links
// them about 70 ms before main() (docs/performance.md, "Start-up"). So they
// are not linked into the phodex binary but into a module,
// phodex_decoders.so, built and installed beside it (or in
// ../lib/phodex/), which is loaded on first use: by the worker processes
// (`phodex __metadata-worker`, `phodex __pixel-worker`) and by the
// in-process benchmark modes. Commands that decode nothing (ls, status,
// dupes, similar, a no-change rescan) never load it.

#include <memory>

#include "core/error.h"
#include "imaging/renderer.h"
#include "media/extractor_pool.h"

namespace phodex::app {

// What the module hands out. Bump kDecoderModuleAbi when this changes: a
// module from another build is refused rather than called.
struct DecoderModule {
  int abi;
  int (*run_metadata_worker)();
  int (*run_pixel_worker)();
  media::MetadataReader* (*new_metadata_reader)();  // caller owns
  imaging::PixelRenderer* (*new_pixel_renderer)();  // caller owns
};
inline constexpr int kDecoderModuleAbi = 1;
inline constexpr char kDecoderModuleFile[] = "phodex_decoders.so";
inline constexpr char kDecoderModuleEntry[] = "phodex_decoder_module";

// Where the module is, without loading it: for failing early, with a clear
// error naming where it looked, before starting workers that would need it.
// A module that is there but cannot be read is that error ("cannot load
// the decoders module '<path>': Permission denied"), not a missing one.
Result<std::string> FindDecoders();

// Loads the module once per process (thread-safe) and returns its table,
// or a clear error.
Result<const DecoderModule*> LoadDecoders();

// The in-process parsers and renderer, from the module.
Result<std::unique_ptr<media::MetadataReader>> NewInProcessMetadataReader();
Result<std::unique_ptr<imaging::PixelRenderer>> NewInProcessRenderer();

// `phodex __metadata-worker` / `__pixel-worker`: the worker loops, from the
// module. Return the process's exit status.
int RunMetadataWorker();
int RunPixelWorker();

}  // namespace phodex::app
