#include "imaging/video_decoder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include "imaging/reorient.h"

namespace phodex::imaging {
namespace {

constexpr char kOp[] = "decode video";

// The demuxers allowed (as media/video_extractor.cc): no image, raw-stream
// or playlist demuxer, none that opens other files.
constexpr char kVideoFormats[] =
    "mov,avi,matroska,mpegts,mpeg,flv,asf,ogg,mxf,dv,rm,wtv,nut";
constexpr int64_t kProbeBytes = int64_t{1} << 20;
constexpr int kMaxPacketsWithoutFrame = 300;
constexpr int kMaxFramesAfterSeek = 120;
constexpr int kMaxPackets = 5000;  // all streams, audio included

struct FormatClose {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsFree {
  void operator()(SwsContext* c) const { sws_freeContext(c); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatClose>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFree>;

std::unexpected<Error> AvError(int err, const char* step,
                               const std::string& path) {
  const int sys = AVUNERROR(err);
  if (sys > 0 && sys < 4096) return ErrnoError(sys, kOp, path);
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, text, sizeof text);
  return MakeError(ErrorCode::kContentFault, std::string(step) + ": " + text, kOp,
                   path);
}

std::unexpected<Error> TooLarge(int width, int height,
                                const std::string& path) {
  return MakeError(ErrorCode::kContentFault,
                   "image too large: " + std::to_string(width) + " x " +
                       std::to_string(height),
                   kOp, path);
}

// An open container and a decoder for its best video stream.
struct Source {
  FormatPtr format;
  CodecPtr codec;
  AVStream* stream = nullptr;
};

Result<Source> Open(const std::string& path, const DecodeOptions& options) {
  Source src;
  AVFormatContext* fc = nullptr;
  AVDictionary* dict = nullptr;
  av_dict_set_int(&dict, "probesize", kProbeBytes, 0);
  av_dict_set(&dict, "format_whitelist", kVideoFormats, 0);
  av_dict_set(&dict, "protocol_whitelist", "file", 0);
  // "file:" so that a name with a colon is never taken for a protocol.
  const std::string url = "file:" + path;
  int err = avformat_open_input(&fc, url.c_str(), nullptr, &dict);
  av_dict_free(&dict);
  if (err < 0) return AvError(err, "open", path);  // fc freed by FFmpeg
  src.format.reset(fc);
  err = avformat_find_stream_info(fc, nullptr);
  if (err < 0) return AvError(err, "read stream info", path);

  const AVCodec* decoder = nullptr;
  const int index =
      av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (index == AVERROR_DECODER_NOT_FOUND) {
    return MakeError(ErrorCode::kUnsupported, "no decoder for this video", kOp,
                     path);
  }
  if (index < 0)
    return MakeError(ErrorCode::kContentFault, "no video stream", kOp, path);
  src.stream = fc->streams[index];
  const AVCodecParameters& par = *src.stream->codecpar;
  if (options.max_source_pixels > 0 &&
      int64_t{par.width} * par.height > options.max_source_pixels)
    return TooLarge(par.width, par.height, path);

  src.codec.reset(avcodec_alloc_context3(decoder));
  if (src.codec == nullptr)
    return MakeError(ErrorCode::kInternal, "out of memory", kOp, path);
  err = avcodec_parameters_to_context(src.codec.get(), &par);
  if (err < 0) return AvError(err, "set up decoder", path);
  src.codec->thread_count = 1;
  err = avcodec_open2(src.codec.get(), decoder, nullptr);
  if (err < 0) return AvError(err, "open decoder", path);
  return src;
}

// The time to show, in the stream's time base.
int64_t TargetTime(const AVFormatContext& fc, const AVStream& st) {
  const int64_t start = st.start_time != AV_NOPTS_VALUE ? st.start_time : 0;
  if (st.duration != AV_NOPTS_VALUE && st.duration > 0)
    return start + st.duration / 10;
  if (fc.duration != AV_NOPTS_VALUE && fc.duration > 0)
    return start + av_rescale_q(fc.duration / 10, AVRational{1, AV_TIME_BASE},
                                st.time_base);
  return start + av_rescale_q(1, AVRational{1, 1}, st.time_base);
}

// Seeks back to the keyframe before the target, then decodes up to the
// target. Returns the frame to show.
Result<FramePtr> DecodeFrame(Source& src, const std::string& path) {
  AVFormatContext* fc = src.format.get();
  AVCodecContext* codec = src.codec.get();
  const int index = src.stream->index;
  const int64_t target = TargetTime(*fc, *src.stream);
  // A failed seek leaves the demuxer at the start: decode from there.
  av_seek_frame(fc, index, target, AVSEEK_FLAG_BACKWARD);

  FramePtr frame(av_frame_alloc());
  FramePtr best(av_frame_alloc());
  PacketPtr packet(av_packet_alloc());
  if (frame == nullptr || best == nullptr || packet == nullptr)
    return MakeError(ErrorCode::kInternal, "out of memory", kOp, path);
  bool have = false;
  bool draining = false;
  int frames = 0;
  int without_frame = 0;
  for (int packets = 0; packets < kMaxPackets; ++packets) {
    if (!draining) {
      const int err = av_read_frame(fc, packet.get());
      if (err < 0) {
        draining = true;  // end of file (or unreadable): flush the decoder
        avcodec_send_packet(codec, nullptr);
      } else if (packet->stream_index != index) {
        av_packet_unref(packet.get());
        continue;
      } else {
        // A packet the decoder refuses is skipped: the next may do.
        avcodec_send_packet(codec, packet.get());
        av_packet_unref(packet.get());
      }
    }
    int err = 0;
    while ((err = avcodec_receive_frame(codec, frame.get())) >= 0) {
      av_frame_unref(best.get());
      av_frame_move_ref(best.get(), frame.get());
      have = true;
      without_frame = 0;
      const int64_t ts = best->best_effort_timestamp;
      if (ts == AV_NOPTS_VALUE || ts >= target ||
          ++frames >= kMaxFramesAfterSeek)
        return best;
    }
    if (err == AVERROR_EOF || (draining && err != AVERROR(EAGAIN))) break;
    if (++without_frame > kMaxPacketsWithoutFrame) break;
  }
  if (!have)
    return MakeError(ErrorCode::kContentFault, "no decodable frame", kOp, path);
  return best;
}

// The stream's display rotation, clockwise, rounded to a quarter turn.
int ClockwiseRotation(const AVStream& st) {
  size_t size = 0;
  const uint8_t* matrix =
      av_stream_get_side_data(&st, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (matrix == nullptr || size < 9 * sizeof(int32_t)) return 0;
  // av_display_rotation_get: counter-clockwise degrees.
  const double ccw =
      av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(ccw)) return 0;
  const int quarter = static_cast<int>(std::lround(-ccw / 90.0));
  return ((quarter % 4) + 4) % 4 * 90;
}

// Width as displayed: the coded width stretched by the sample aspect ratio.
int DisplayWidth(int width, AVRational sar) {
  if (sar.num <= 0 || sar.den <= 0) return width;
  return std::max(1, static_cast<int>(std::lround(width * av_q2d(sar))));
}

Result<RgbImage> ToRgb(const AVFrame& frame, AVRational sar, int edge,
                       const std::string& path) {
  const int display_width = DisplayWidth(frame.width, sar);
  const double scale = std::min(
      1.0, static_cast<double>(edge) / std::max(display_width, frame.height));
  RgbImage image;
  image.width =
      std::max(1, static_cast<int>(std::lround(display_width * scale)));
  image.height =
      std::max(1, static_cast<int>(std::lround(frame.height * scale)));
  const int flags = image.width < frame.width ? SWS_AREA : SWS_BICUBIC;
  SwsPtr sws(sws_getContext(frame.width, frame.height,
                            static_cast<AVPixelFormat>(frame.format),
                            image.width, image.height, AV_PIX_FMT_RGB24, flags,
                            nullptr, nullptr, nullptr));
  if (sws == nullptr) {
    const char* name =
        av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame.format));
    return MakeError(ErrorCode::kUnsupported,
                     std::string("cannot convert pixel format ") +
                         (name != nullptr ? name : "unknown"),
                     kOp, path);
  }
  // The stream's YUV matrix and range (unspecified: BT.709 for HD, BT.601
  // below), rather than swscale's BT.601 for everything.
  int* inv_table = nullptr;
  int* table = nullptr;
  int src_range = 0, dst_range = 0, brightness = 0, contrast = 0,
      saturation = 0;
  if (sws_getColorspaceDetails(sws.get(), &inv_table, &src_range, &table,
                               &dst_range, &brightness, &contrast,
                               &saturation) >= 0) {
    int space = frame.colorspace;
    if (space == AVCOL_SPC_UNSPECIFIED || space == AVCOL_SPC_RGB)
      space = frame.height > 576 ? SWS_CS_ITU709 : SWS_CS_DEFAULT;
    if (frame.color_range == AVCOL_RANGE_JPEG) src_range = 1;
    sws_setColorspaceDetails(sws.get(), sws_getCoefficients(space), src_range,
                             table, dst_range, brightness, contrast,
                             saturation);
  }
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  uint8_t* dst[4] = {image.pixels.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {image.width * 3, 0, 0, 0};
  const int rows = sws_scale(sws.get(), frame.data, frame.linesize, 0,
                             frame.height, dst, dst_stride);
  if (rows != image.height)
    return MakeError(ErrorCode::kContentFault, "cannot scale the frame", kOp, path);
  return image;
}

}  // namespace

Result<DecodedImage> DecodeVideoFrame(const std::string& path,
                                      const DecodeOptions& options) {
  PHODEX_ASSIGN_OR_RETURN(Source src, Open(path, options));
  PHODEX_ASSIGN_OR_RETURN(FramePtr frame, DecodeFrame(src, path));
  if (frame->width <= 0 || frame->height <= 0)
    return MakeError(ErrorCode::kContentFault, "frame without a size", kOp, path);
  if (options.max_source_pixels > 0 &&
      int64_t{frame->width} * frame->height > options.max_source_pixels)
    return TooLarge(frame->width, frame->height, path);

  const AVRational sar =
      av_guess_sample_aspect_ratio(src.format.get(), src.stream, frame.get());
  PHODEX_ASSIGN_OR_RETURN(RgbImage image,
                          ToRgb(*frame, sar, options.target_edge, path));
  const unsigned flip = FlipForClockwiseDegrees(ClockwiseRotation(*src.stream));

  DecodedImage decoded;
  decoded.image = Reorient(std::move(image), flip);
  const int display_width = DisplayWidth(frame->width, sar);
  const bool swap = (flip & 4) != 0;
  decoded.source_width = swap ? frame->height : display_width;
  decoded.source_height = swap ? display_width : frame->height;
  decoded.path = DecodePath::kVideoFrame;
  return decoded;
}

}  // namespace phodex::imaging
