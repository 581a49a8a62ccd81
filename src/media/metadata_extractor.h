#pragma once
// In-process metadata extraction: headers only, never pixels. Images, RAW
// and XMP sidecars go through Exiv2 (media/exiv2_extractor.cc), with the
// Exif and XMP items of HEIC, HEIF and AVIF files found by libheif
// (media/heif_metadata.h), videos through FFmpeg's libavformat
// (media/video_extractor.cc); both are mapped
// onto the normalised fields of core/media_metadata.h the way exiftool
// reports them (docs/metadata-accuracy.md says how close we are).
//
// These parsers are not safe on hostile files (Debian's Exiv2 0.27.6
// crashes and hangs on some): the scan never calls them in its own process
// but through media/extractor_pool.h, which runs them in worker processes
// with a time limit. Tests and the worker itself call them directly.
//
// Thread-safe after InitMetadataLibraries().

#include <string>

#include "core/error.h"
#include "core/media_kind.h"
#include "core/media_metadata.h"

namespace phodex::media {

// Once per process, before any extraction: turns on Exiv2's BMFF support
// (HEIC, AVIF, CR3; off by default in 0.27), silences the libraries'
// logging (warnings would otherwise go to stderr). Idempotent.
void InitMetadataLibraries();

// Photos, RAW files and XMP sidecars (Exiv2; libheif for HEIF items).
// Fails with kContentFault (and the library's reason) when the file is not a
// readable image; a HEIF file whose items libheif cannot read gives what
// Exiv2 read.
Result<MediaMetadata> ExtractImageMetadata(const std::string& path);

// Videos (libavformat): duration, dimensions, rotation as orientation,
// creation time, QuickTime make/model/GPS keys, codec.
Result<MediaMetadata> ExtractVideoMetadata(const std::string& path);

// Picks the extractor for `kind` (photo, raw, sidecar: image; video:
// video). kOther fails with kInvalidArgument.
Result<MediaMetadata> ExtractMetadata(const std::string& path, MediaKind kind);

}  // namespace phodex::media
