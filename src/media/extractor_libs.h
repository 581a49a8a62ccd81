#pragma once
// Internal to media/: one-time set-up of each metadata library, called by
// InitMetadataLibraries() (media/metadata_extractor.h).

namespace phodex::media::internal {

void InitExiv2();  // media/exiv2_extractor.cc
void InitLibav();  // media/video_extractor.cc

}  // namespace phodex::media::internal
