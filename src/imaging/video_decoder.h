#pragma once
// Internal to imaging/: one frame of a video through libavformat and
// libavcodec, scaled with libswscale. See imaging/decoder.h.
//
// The frame: the first one at or after 10% of the duration (seeking back
// to the keyframe before it), or, when the duration is unknown, the first
// one at or after 1 s; when the video ends (or a bound below is reached)
// before that, the last frame decoded. Scaled to the display aspect
// (sample aspect ratio applied), turned by the stream's display matrix
// (90/180/270 degrees).
//
// Bounds on hostile files: the container is one of a fixed list of video
// formats, the only protocol is "file", and the decode gives up (kContentFault,
// "no decodable frame") after 300 video packets without a frame; at most
// 120 frames are decoded looking for the target time.
//
// Thread-safe (one set of FFmpeg contexts per call, decoders single-
// threaded: the scan runs one worker process per core).

#include <string>

#include "core/error.h"
#include "imaging/decoder.h"

namespace phodex::imaging {

// REQUIRES: InitImagingLibraries() was called; options.target_edge >= 1.
Result<DecodedImage> DecodeVideoFrame(const std::string& path,
                                      const DecodeOptions& options);

}  // namespace phodex::imaging
