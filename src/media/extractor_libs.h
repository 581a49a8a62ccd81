#pragma once
// Internal to media/: one-time set-up of each metadata library, called by
// InitMetadataLibraries() (media/metadata_extractor.h), and the Exiv2
// adapter's entry point, which ExtractImageMetadata completes with the
// HEIF reader of media_parsers.

#include <string>

#include "core/error.h"
#include "core/media_metadata.h"
#include "media/heif_metadata.h"

namespace phodex::media::internal {

void InitExiv2();  // media/exiv2_extractor.cc
void InitLibav();  // media/video_extractor.cc

// ExtractImageMetadata (media/exiv2_extractor.cc). For a HEIF-family file
// (Exiv2 says HEIC, HEIF, AVIF or another BMFF image) `read_heif` supplies
// the primary image's Exif and XMP items and size, which replace what
// Exiv2 read itself, kind by kind (docs/metadata-accuracy.md, "HEIC, HEIF
// and AVIF"); when it fails, what Exiv2 read stands. nullptr: Exiv2 only.
Result<MediaMetadata> ExtractWithExiv2(const std::string& path,
                                       HeifMetadataReader read_heif);

}  // namespace phodex::media::internal
