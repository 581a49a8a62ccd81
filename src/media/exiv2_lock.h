#pragma once
// Internal to media/: the one process-wide lock around Exiv2's XMP work.
//
// Exiv2 0.27.6 decodes and encodes XMP with Adobe's XMP toolkit, which
// keeps its namespace tables in process-wide state, and takes the lock
// handed to XmpParser::initialize only around its own namespace
// registration. Two threads parsing XMP at once lose packets (seen in
// tests/media/image_metadata_test.cc, Exiv2Threads). Every caller in media/
// that makes Exiv2 touch XMP (Image::readMetadata / writeMetadata,
// XmpParser::decode / encode) holds this mutex for the duration of the
// call; the Exiv2 adapter (media/exiv2_extractor.cc) does for readMetadata.

#include <mutex>

namespace phodex::media::internal {

// Thread-safe; never destroyed.
std::mutex& Exiv2XmpMutex();

}  // namespace phodex::media::internal
