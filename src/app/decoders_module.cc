// The decoder module (app/decoders.h): phodex_decoders.so, loaded by the
// phodex binary when it first needs a parser or a decoder. Its one exported
// symbol hands out the table below; everything else in it is hidden.

#include "app/decoders.h"
#include "imaging/render_worker.h"
#include "media/metadata_worker.h"

namespace {

using phodex::app::DecoderModule;

const DecoderModule kModule = {
    phodex::app::kDecoderModuleAbi,
    &phodex::media::RunExtractorWorker,
    &phodex::imaging::RunPixelWorker,
    []() -> phodex::media::MetadataReader* {
      return new phodex::media::InProcessMetadataReader();
    },
    []() -> phodex::imaging::PixelRenderer* {
      return new phodex::imaging::InProcessRenderer();
    },
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const DecoderModule*
phodex_decoder_module() {
  return &kModule;
}
