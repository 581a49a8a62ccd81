#pragma once
// Internal to media/: the Exif and XMP items of a HEIF-family file (HEIC,
// HEIF, AVIF), read with libheif (media/heif_metadata.cc, in
// media_parsers), for the Exiv2 adapter (media/exiv2_extractor.cc) to
// decode and map like any other photo's.
//
// Why: Exiv2 0.27.6 misreads where items lie. It takes an item's position
// from the `iloc` base offset alone (exiftool puts the XMP item's in the
// extent offset) and misreads version 1 `iloc` boxes (libheif writes one
// for a picture stored as a grid, e.g. any odd size), so in a HEIC that
// libheif made and exiftool tagged it found no XMP, often no Exif either:
// a photo geotagged and rated with exiftool showed nothing. libheif is
// the reference HEIF reader and resolves the items the way viewers do:
// the ones attached (`cdsc`) to the primary image.
//
// Only bytes cross this header; no libheif or Exiv2 types. The reader
// refuses any item larger than kMaxHeifMetadataItemBytes (a hostile file
// cannot make it allocate more than that per item).
//
// Thread-safe (one libheif context per call).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace phodex::media::internal {

// Real Exif items are tens of KiB, XMP items a few KiB (Sony's 56 KiB).
inline constexpr size_t kMaxHeifMetadataItemBytes = size_t{16} << 20;

struct HeifMetadata {
  // The primary image's Exif items in file order, each from its TIFF
  // header ("II*\0" or "MM\0*") on: the item's 4-byte offset to the TIFF
  // header and any "Exif\0\0" before it are removed. Items whose TIFF
  // header cannot be found are left out.
  std::vector<std::string> exif;
  // The primary image's XMP items (`mime` items of content type
  // application/rdf+xml), one packet each, in file order.
  std::vector<std::string> xmp;
  // The primary image's `ispe`: stored pixels, before `irot`/`imir` are
  // applied (exiftool's ImageWidth/ImageHeight); 0 when it has none.
  int64_t width = 0;
  int64_t height = 0;
};

// Reads `path` with libheif. Fails (kContentFault, with libheif's reason) when
// libheif cannot read the file's structure or has no primary image; an
// item that is too large or unreadable is left out, the others are kept.
Result<HeifMetadata> ReadHeifMetadata(const std::string& path);

// How the Exiv2 adapter gets at the reader, which lives in media_parsers
// (libheif is one of the decoders' libraries, never linked into phodex).
using HeifMetadataReader = Result<HeifMetadata> (*)(const std::string& path);

}  // namespace phodex::media::internal
