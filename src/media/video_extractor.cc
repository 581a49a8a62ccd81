// Video metadata through FFmpeg's libavformat (Debian 12: FFmpeg 5.1),
// mapped onto core/media_metadata.h the way exiftool reports it. The
// mapping, and every place where we deliberately differ from exiftool, is
// written down in docs/metadata-accuracy.md ("Video").
//
// Headers only: no decoder is ever opened and avformat_find_stream_info is
// never called (it would decode frames to fill in missing parameters). What
// the container header lacks (MPEG-TS/PS dimensions and duration) comes from
// a bounded scan of packets with FFmpeg's bitstream parsers (which read
// SPS/sequence headers, not pixels).
//
// Bounds against hostile files: the demuxer set is a fixed list of video
// containers (no playlists, no image or raw-stream demuxers, no demuxer
// that opens other files), the only protocol is "file", probing reads at
// most kProbeBytes, and every byte goes through a read callback that stops
// at kMaxReadBytes in all, so no file makes us read it whole or for ever.

#include "media/metadata_extractor.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/avstring.h>
#include <libavutil/avutil.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
}
#include <nlohmann/json.hpp>

#include "media/extractor_libs.h"
#include "util/metrics.h"
#include "util/text.h"

namespace phodex::media {

namespace internal {
void InitLibav() { av_log_set_level(AV_LOG_QUIET); }
}  // namespace internal

namespace {

constexpr char kOp[] = "read video metadata";

// Demuxers we let FFmpeg use (matched against each name in
// AVInputFormat::name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"). Everything else is
// refused before its read_header runs: image and raw-stream demuxers would
// call a JPEG or a text file a "video", and playlist demuxers (hls, concat)
// open other files.
constexpr char kVideoFormats[] =
    "mov,avi,matroska,mpegts,mpeg,flv,asf,ogg,mxf,dv,rm,wtv,nut";

// Bytes FFmpeg may read to recognise the format and, for MPEG-TS, to find
// the programme tables (the "probesize" option).
constexpr int64_t kProbeBytes = int64_t{1} << 20;
// Hard cap on everything read from one file. A header (a 2-hour MOV's
// sample tables, an AVI index) is a few MiB; past this, the file is hostile.
constexpr int64_t kMaxReadBytes = int64_t{64} << 20;
// The packet scan for formats without a header duration or frame size
// (MPEG-TS/PS): packets read at the start, and bytes read at the end.
constexpr int kMaxScanPackets = 256;
constexpr int64_t kTailBytes = int64_t{1} << 20;

std::string AvErrorText(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

// FFmpeg returns AVERROR(errno) for system errors and tags of its own
// (AVERROR_INVALIDDATA, AVERROR_EOF, ...) for bad data.
std::unexpected<Error> LibavError(int err, const std::string& path) {
  const int sys = AVUNERROR(err);
  if (sys > 0 && sys < 4096) return ErrnoError(sys, kOp, path);
  return MakeError(ErrorCode::kContentFault, AvErrorText(err), kOp, path);
}

// The file as FFmpeg's demuxers see it: FFmpeg's own file protocol behind
// a read callback that refuses to go past kMaxReadBytes in total, whatever
// size a header claims for its tables.
struct CappedFile {
  AVIOContext* file = nullptr;  // avio_open2 on "file:<path>"
  int64_t bytes_read = 0;
  bool capped() const { return bytes_read >= kMaxReadBytes; }
};

int CappedRead(void* opaque, uint8_t* buf, int size) {
  auto* in = static_cast<CappedFile*>(opaque);
  const int64_t left = kMaxReadBytes - in->bytes_read;
  if (left <= 0) return AVERROR_EXIT;
  const int n = avio_read_partial(
      in->file, buf, static_cast<int>(std::min<int64_t>(size, left)));
  if (n == 0) return AVERROR_EOF;
  if (n > 0) in->bytes_read += n;
  return n;
}

int64_t CappedSeek(void* opaque, int64_t offset, int whence) {
  auto* in = static_cast<CappedFile*>(opaque);
  if (whence == AVSEEK_SIZE) return avio_size(in->file);
  return avio_seek(in->file, offset, whence);
}

// One open file and the demuxer on it. Single-threaded; one per extraction,
// which is what makes ExtractVideoMetadata thread-safe.
class Demuxer {
 public:
  static Result<std::unique_ptr<Demuxer>> Open(const std::string& path);
  ~Demuxer() {
    avformat_close_input(&fc_);  // AVFMT_FLAG_CUSTOM_IO: leaves pb_ to us
    if (pb_ != nullptr) av_freep(&pb_->buffer);
    avio_context_free(&pb_);
    avio_closep(&file_.file);
  }
  Demuxer(const Demuxer&) = delete;
  Demuxer& operator=(const Demuxer&) = delete;

  AVFormatContext* fc() const { return fc_; }
  AVIOContext* pb() const { return pb_; }

 private:
  static constexpr int kBufferBytes = 64 << 10;
  Demuxer() = default;
  // An error from FFmpeg, or ours when the read cap made it fail.
  std::unexpected<Error> Fail(int err, const std::string& path) const;

  CappedFile file_;
  AVIOContext* pb_ = nullptr;  // reads file_ through CappedRead
  AVFormatContext* fc_ = nullptr;
};

std::unexpected<Error> Demuxer::Fail(int err, const std::string& path) const {
  if (file_.capped()) {
    return MakeError(ErrorCode::kContentFault,
                     "gave up after reading " +
                         std::to_string(kMaxReadBytes >> 20) +
                         " MiB of headers",
                     kOp, path);
  }
  return LibavError(err, path);
}

Result<std::unique_ptr<Demuxer>> Demuxer::Open(const std::string& path) {
  std::unique_ptr<Demuxer> d(new Demuxer());
  // "file:" so that a name with a colon is never taken for a protocol.
  const std::string url = "file:" + path;
  int err =
      avio_open2(&d->file_.file, url.c_str(), AVIO_FLAG_READ, nullptr, nullptr);
  if (err < 0) return LibavError(err, path);
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferBytes));
  if (buffer != nullptr) {
    d->pb_ = avio_alloc_context(buffer, kBufferBytes, 0, &d->file_, &CappedRead,
                                nullptr, &CappedSeek);
  }
  if (d->pb_ == nullptr) {
    av_free(buffer);
    return MakeError(ErrorCode::kInternal, "out of memory", kOp, path);
  }

  const AVInputFormat* format = nullptr;
  err = av_probe_input_buffer2(d->pb_, &format, url.c_str(), nullptr, 0,
                               kProbeBytes);
  if (err < 0) return d->Fail(err, path);
  if (av_match_list(format->name, kVideoFormats, ',') <= 0) {
    return MakeError(
        ErrorCode::kContentFault,
        std::string("not a video container (FFmpeg reads it as '") +
            format->name + "')",
        kOp, path);
  }

  d->fc_ = avformat_alloc_context();
  if (d->fc_ == nullptr)
    return MakeError(ErrorCode::kInternal, "out of memory", kOp, path);
  d->fc_->pb = d->pb_;
  d->fc_->flags |= AVFMT_FLAG_CUSTOM_IO;
  AVDictionary* options = nullptr;
  av_dict_set_int(&options, "probesize", kProbeBytes, 0);
  av_dict_set(&options, "format_whitelist", kVideoFormats, 0);
  av_dict_set(&options, "protocol_whitelist", "file", 0);
  err = avformat_open_input(&d->fc_, url.c_str(), format, &options);
  av_dict_free(&options);
  if (err < 0) return d->Fail(err, path);  // fc_ was freed and nulled
  return d;
}

const char* Tag(const AVDictionary* dict, const char* key) {
  const AVDictionaryEntry* e =
      av_dict_get(dict, key, nullptr, AV_DICT_MATCH_CASE);
  return e != nullptr && e->value[0] != '\0' ? e->value : nullptr;
}

bool IsMovFamily(const AVFormatContext& fc) {
  return av_match_list(fc.iformat->name, "mov", ',') > 0;
}

// exiftool's MIME type for ISO media / QuickTime: from the ftyp major brand
// (QuickTime.pm's %ftypLookup and %mimeLookup), else the compatible brands.
std::string MovMimeType(const AVFormatContext& fc) {
  const char* brand = Tag(fc.metadata, "major_brand");
  if (brand == nullptr) return "video/quicktime";  // no ftyp: classic MOV
  const std::string_view b = brand;  // FFmpeg keeps the trailing spaces
  if (b == "qt  " || b == "mqt ") return "video/quicktime";
  if (b.starts_with("3g2")) return "video/3gpp2";
  if (b.starts_with("3gp") || b.starts_with("3ge") || b.starts_with("3gs"))
    return "video/3gpp";
  if (b.starts_with("M4V")) return "video/x-m4v";
  if (b == "M4A " || b == "M4B " || b == "M4P " || b == "F4A " || b == "F4B ")
    return "audio/mp4";
  if (b == "crx ") return "video/x-canon-crx";
  // Unknown major brand: only "qt  " without an MP4 brand makes it a MOV.
  const char* compat = Tag(fc.metadata, "compatible_brands");
  const std::string_view c = compat != nullptr ? compat : "";
  const bool mp4_brand = c.find("mp41") != c.npos || c.find("mp42") != c.npos ||
                         c.find("avc1") != c.npos;
  if (!mp4_brand && c.find("qt  ") != c.npos) return "video/quicktime";
  return "video/mp4";
}

// File:MIMEType as exiftool 12.57 gives it: per container, for a few by the
// extension as its SetFileType does (.webm, .m2t, .wmv).
std::string MimeType(const AVFormatContext& fc, const std::string& path) {
  if (IsMovFamily(fc)) return MovMimeType(fc);
  const std::string ext = util::LowerExtension(path);
  const std::string_view name = fc.iformat->name;
  if (name == "avi") return "video/x-msvideo";
  if (name.starts_with("matroska"))
    return ext == "webm" ? "video/webm" : "video/x-matroska";
  if (name == "mpegts") return ext == "m2t" ? "video/mpeg" : "video/m2ts";
  if (name == "mpeg") return "video/mpeg";
  if (name == "flv") return "video/x-flv";
  if (name == "asf") return ext == "wmv" ? "video/x-ms-wmv" : "video/x-ms-asf";
  if (name == "ogg") return "video/ogg";
  if (name == "mxf") return "application/mxf";
  if (name == "dv") return "video/x-dv";
  if (name == "rm") return "application/vnd.rn-realmedia";
  if (name == "wtv") return "video/x-ms-wtv";
  return "";
}

// The first real video stream (cover art is a video stream too).
AVStream* FirstVideoStream(const AVFormatContext& fc) {
  for (unsigned i = 0; i < fc.nb_streams; ++i) {
    AVStream* st = fc.streams[i];
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
        (st->disposition & AV_DISPOSITION_ATTACHED_PIC) == 0)
      return st;
  }
  return nullptr;
}

// Duration from headers only, in the order FFmpeg itself trusts them: the
// container's (MOV mvhd, Matroska Duration), then the longest stream's
// (AVI strh from the index), then the video frame count over the frame rate
// (AVI avih/strh, which is exiftool's FrameCount / FrameRate).
std::optional<double> HeaderDuration(const AVFormatContext& fc,
                                     const AVStream* video) {
  if (fc.duration != AV_NOPTS_VALUE && fc.duration > 0)
    return static_cast<double>(fc.duration) / AV_TIME_BASE;
  double longest = 0;
  for (unsigned i = 0; i < fc.nb_streams; ++i) {
    const AVStream* st = fc.streams[i];
    if ((st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0) continue;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
      longest = std::max(longest, st->duration * av_q2d(st->time_base));
  }
  if (longest > 0) return longest;
  if (video != nullptr && video->nb_frames > 0 &&
      video->avg_frame_rate.num > 0 && video->avg_frame_rate.den > 0)
    return video->nb_frames / av_q2d(video->avg_frame_rate);
  return std::nullopt;
}

// What the packet scan found.
struct PacketScan {
  AVStream* video = nullptr;  // may first appear while reading (MPEG-PS)
  int width = 0;
  int height = 0;
  int64_t first_ts = AV_NOPTS_VALUE;  // in video->time_base
  int64_t last_ts = AV_NOPTS_VALUE;
};

int64_t PacketTime(const AVPacket& pkt) {
  return pkt.pts != AV_NOPTS_VALUE ? pkt.pts : pkt.dts;
}

struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

// FFmpeg's bitstream parser for a stream's codec (h264, hevc, mpeg2video:
// it reads sequence headers, it does not decode), used for the frame size.
class SizeParser {
 public:
  explicit SizeParser(const AVStream& st)
      : parser_(av_parser_init(st.codecpar->codec_id)),
        avctx_(avcodec_alloc_context3(nullptr)) {
    if (parser_ == nullptr || avctx_ == nullptr ||
        avcodec_parameters_to_context(avctx_, st.codecpar) < 0) {
      Close();
      return;
    }
    // Packets from the demuxer are already whole frames.
    parser_->flags |= PARSER_FLAG_COMPLETE_FRAMES;
  }
  ~SizeParser() { Close(); }
  SizeParser(const SizeParser&) = delete;
  SizeParser& operator=(const SizeParser&) = delete;

  // True once the size is known or cannot be known.
  bool done(const PacketScan& scan) const {
    return parser_ == nullptr || scan.width > 0;
  }
  void Feed(const AVPacket& pkt, PacketScan& scan) {
    if (done(scan)) return;
    uint8_t* out = nullptr;
    int out_size = 0;
    av_parser_parse2(parser_, avctx_, &out, &out_size, pkt.data, pkt.size,
                     pkt.pts, pkt.dts, pkt.pos);
    if (parser_->width > 0 && parser_->height > 0) {
      scan.width = parser_->width;
      scan.height = parser_->height;
    }
  }

 private:
  void Close() {
    if (parser_ != nullptr) av_parser_close(parser_);
    parser_ = nullptr;
    avcodec_free_context(&avctx_);
  }
  AVCodecParserContext* parser_;
  AVCodecContext* avctx_;
};

// The last timestamp of `video` in the last kTailBytes of the file.
int64_t LastTimestamp(Demuxer& d, const AVStream& video, AVPacket* pkt) {
  const int64_t size = avio_size(d.pb());
  if (size <= 0 ||
      av_seek_frame(d.fc(), -1, std::max<int64_t>(0, size - kTailBytes),
                    AVSEEK_FLAG_BYTE) < 0)
    return AV_NOPTS_VALUE;
  int64_t last = AV_NOPTS_VALUE;
  while (av_read_frame(d.fc(), pkt) >= 0) {
    if (pkt->stream_index == video.index && PacketTime(*pkt) != AV_NOPTS_VALUE)
      last = std::max(last, PacketTime(*pkt));
    av_packet_unref(pkt);
  }
  return last;
}

// For what the header lacks (MPEG-TS/PS: the frame size, the duration, in
// MPEG-PS even the streams): reads up to kMaxScanPackets packets from the
// start, feeding the video ones to a SizeParser and noting the first
// timestamp; for the duration, then the last kTailBytes for the last one
// (exiftool does the same with PCRs). `video` may be null: MPEG-PS creates
// its streams as their packets arrive.
PacketScan ScanPackets(Demuxer& d, AVStream* video, bool need_size,
                       bool need_duration) {
  PacketScan scan;
  scan.video = video;
  std::unique_ptr<AVPacket, PacketDeleter> pkt(av_packet_alloc());
  if (pkt == nullptr) return scan;
  std::optional<SizeParser> parser;
  if (video != nullptr && need_size) parser.emplace(*video);
  bool at_eof = false;
  for (int n = 0; n < kMaxScanPackets; ++n) {
    if (av_read_frame(d.fc(), pkt.get()) < 0) {
      at_eof = true;
      break;
    }
    if (scan.video == nullptr &&
        (scan.video = FirstVideoStream(*d.fc())) != nullptr && need_size)
      parser.emplace(*scan.video);
    if (scan.video != nullptr && pkt->stream_index == scan.video->index) {
      if (const int64_t t = PacketTime(*pkt); t != AV_NOPTS_VALUE) {
        if (scan.first_ts == AV_NOPTS_VALUE) scan.first_ts = t;
        scan.last_ts = t;
      }
      if (parser) parser->Feed(*pkt, scan);
    }
    av_packet_unref(pkt.get());
    if (scan.video != nullptr && (!parser || parser->done(scan)) &&
        (!need_duration || scan.first_ts != AV_NOPTS_VALUE))
      break;
  }
  if (!need_duration || at_eof || scan.first_ts == AV_NOPTS_VALUE) return scan;
  int64_t last = LastTimestamp(d, *scan.video, pkt.get());
  if (last != AV_NOPTS_VALUE) {
    // Timestamps are 33 bits in MPEG; one wrap-around is a normal file.
    if (last < scan.first_ts && scan.video->pts_wrap_bits < 63)
      last += int64_t{1} << scan.video->pts_wrap_bits;
    scan.last_ts = last;
  }
  return scan;
}

// EXIF orientation from the display matrix (FFmpeg's copy of the tkhd
// matrix: x' = a*x + c*y, y' = b*x + d*y, in 16.16). The eight right-angle
// rotations and mirrorings are the eight EXIF values: 90 degrees clockwise
// (exiftool's Rotation 90) is orientation 6. exiftool's Rotation ignores
// mirroring (atan2(b, a) only); we report the mirrored orientations 2, 4,
// 5, 7. Other angles have no EXIF value and give none. A MOV/MP4 without
// display-matrix side data has the identity (FFmpeg only exports others).
std::optional<int> Orientation(const AVFormatContext& fc, const AVStream* st) {
  if (st == nullptr) return std::nullopt;
  size_t size = 0;
  const uint8_t* data =
      av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (data == nullptr || size < 9 * sizeof(int32_t))
    return IsMovFamily(fc) ? std::optional<int>(1) : std::nullopt;
  int32_t m[9];
  std::memcpy(m, data, sizeof m);
  const double scale = std::hypot(m[0], m[1]);
  if (scale == 0) return std::nullopt;
  int unit[4];  // a, b, c, d as -1, 0 or 1
  const int32_t* abcd[4] = {&m[0], &m[1], &m[3], &m[4]};
  for (int i = 0; i < 4; ++i) {
    const double v = *abcd[i] / scale;
    unit[i] = static_cast<int>(std::lround(v));
    if (std::fabs(v - unit[i]) > 0.01) return std::nullopt;
  }
  struct Case {
    int a, b, c, d, orientation;
  };
  static constexpr Case kCases[] = {
      {1, 0, 0, 1, 1},  {0, 1, -1, 0, 6}, {-1, 0, 0, -1, 3}, {0, -1, 1, 0, 8},
      {-1, 0, 0, 1, 2}, {1, 0, 0, -1, 4}, {0, 1, 1, 0, 5},   {0, -1, -1, 0, 7},
  };
  for (const Case& c : kCases) {
    if (unit[0] == c.a && unit[1] == c.b && unit[2] == c.c && unit[3] == c.d)
      return c.orientation;
  }
  return std::nullopt;
}

// Whether a trailing "Z" from FFmpeg is a fact or FFmpeg's formatting.
enum class UtcMark { kKeep, kDrop };

bool ReadDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+HH:MM|+HHMM]" (FFmpeg's creation_time,
// Apple's creationdate key) to RFC 3339 local time: "T", the fraction only
// when not zero, "+HH:MM" for an offset. Empty dates and anything that is
// not a date give none.
std::optional<std::string> ParseTaken(std::string_view s, UtcMark utc) {
  int y, mo, da, h, mi, se;
  if (s.size() < 19 || !ReadDigits(s, 0, 4, y) || s[4] != '-' ||
      !ReadDigits(s, 5, 2, mo) || s[7] != '-' || !ReadDigits(s, 8, 2, da) ||
      (s[10] != 'T' && s[10] != ' ') || !ReadDigits(s, 11, 2, h) ||
      s[13] != ':' || !ReadDigits(s, 14, 2, mi) || s[16] != ':' ||
      !ReadDigits(s, 17, 2, se))
    return std::nullopt;
  if (y <= 1904 || mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 ||
      mi > 59 || se > 60)
    return std::nullopt;
  // 0 seconds since 1970 is an unset date that went through a converter.
  if (y == 1970 && mo == 1 && da == 1 && h == 0 && mi == 0 && se == 0)
    return std::nullopt;
  std::string out(s.substr(0, 19));
  out[10] = 'T';
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    size_t end = pos + 1;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    std::string_view frac = s.substr(pos, end - pos);
    while (!frac.empty() && (frac.back() == '0' || frac.back() == '.'))
      frac.remove_suffix(1);
    out += frac;
    pos = end;
  }
  std::string_view zone = s.substr(pos);
  int oh, om;
  if (zone == "Z") {
    if (utc == UtcMark::kKeep) out += 'Z';
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
             ReadDigits(zone, 1, 2, oh) && zone[3] == ':' &&
             ReadDigits(zone, 4, 2, om)) {
    out += zone;
  } else if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') &&
             ReadDigits(zone, 1, 2, oh) && ReadDigits(zone, 3, 2, om)) {
    out += std::string(zone.substr(0, 3)) + ":" + std::string(zone.substr(3));
  } else if (!zone.empty()) {
    return std::nullopt;
  }
  return out;
}

// Capture time. Apple's creationdate key is local time with its offset, the
// best there is. Otherwise the container's creation_time: for MOV/MP4 the
// mvhd date, which the spec says is UTC but many cameras write in local
// time; like exiftool (without its QuickTimeUTC option) we keep the
// wall-clock value and do not claim an offset. Matroska's DateUTC is UTC
// by definition and keeps its "Z"; AVI's IDIT has no zone.
std::optional<std::string> Taken(const AVFormatContext& fc) {
  if (const char* v = Tag(fc.metadata, "com.apple.quicktime.creationdate"))
    if (auto t = ParseTaken(v, UtcMark::kKeep)) return t;
  if (const char* v = Tag(fc.metadata, "creation_time"))
    return ParseTaken(v, IsMovFamily(fc) ? UtcMark::kDrop : UtcMark::kKeep);
  return std::nullopt;
}

// One signed ISO 6709 component: "+DD.DDD", "+DDMM.MMM" or "+DDMMSS.SSS"
// (`deg_digits` is 2 for latitude, 3 for longitude). Advances `pos`.
std::optional<double> Iso6709Angle(std::string_view s, size_t& pos,
                                   size_t deg_digits) {
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return std::nullopt;
  const double sign = s[pos] == '-' ? -1 : 1;
  size_t end = pos + 1;
  while (end < s.size() && ((s[end] >= '0' && s[end] <= '9') || s[end] == '.'))
    ++end;
  const std::string num(s.substr(pos + 1, end - pos - 1));
  const size_t int_digits = std::min(num.find('.'), num.size());
  if (num.empty() || int_digits == 0) return std::nullopt;
  char* stop = nullptr;
  const double v = std::strtod(num.c_str(), &stop);
  if (stop != num.c_str() + num.size()) return std::nullopt;
  double deg;
  if (int_digits <= deg_digits) {
    deg = v;
  } else if (int_digits == deg_digits + 2) {  // DDMM.MMM
    deg = std::floor(v / 100) + std::fmod(v, 100) / 60;
  } else if (int_digits == deg_digits + 4) {  // DDMMSS.SSS
    deg = std::floor(v / 10000) + std::floor(std::fmod(v, 10000) / 100) / 60 +
          std::fmod(v, 100) / 3600;
  } else {
    return std::nullopt;
  }
  pos = end;
  return sign * deg;
}

// "+48.8584+002.2945+035.000/" (Apple's location.ISO6709 key, the ©xyz and
// 3GPP loci boxes FFmpeg reports as "location").
std::optional<GpsPosition> ParseIso6709(std::string_view s) {
  size_t pos = 0;
  const auto lat = Iso6709Angle(s, pos, 2);
  if (!lat) return std::nullopt;
  const auto lon = Iso6709Angle(s, pos, 3);
  if (!lon || std::fabs(*lat) > 90 || std::fabs(*lon) > 180)
    return std::nullopt;
  GpsPosition gps{*lat, *lon, std::nullopt};
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    size_t end = pos + 1;
    while (end < s.size() &&
           ((s[end] >= '0' && s[end] <= '9') || s[end] == '.'))
      ++end;
    const std::string num(s.substr(pos, end - pos));
    char* stop = nullptr;
    const double alt = std::strtod(num.c_str(), &stop);
    if (stop == num.c_str() + num.size() && num.size() > 1) gps.alt = alt;
  }
  return gps;
}

std::optional<std::string> FirstTag(const AVDictionary* dict,
                                    std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (const char* v = Tag(dict, key)) {
      std::string_view s = v;
      while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
        s.remove_suffix(1);
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
      if (!s.empty()) return std::string(s);
    }
  }
  return std::nullopt;
}

void AddTags(const AVDictionary* dict, const std::string& prefix,
             nlohmann::json& out) {
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr)
    out[prefix + e->key] = e->value;
}

// Every container and stream tag, named as ffprobe's flat output names
// them ("format.tags.major_brand", "streams.stream.0.tags.handler_name").
// The replace handler turns invalid UTF-8 into U+FFFD instead of throwing.
std::string TagsJson(const AVFormatContext& fc) {
  nlohmann::json tags = nlohmann::json::object();
  AddTags(fc.metadata, "format.tags.", tags);
  for (unsigned i = 0; i < fc.nb_streams; ++i)
    AddTags(fc.streams[i]->metadata,
            "streams.stream." + std::to_string(i) + ".tags.", tags);
  if (tags.empty()) return "";
  return tags.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool HasAudioOrVideo(const AVFormatContext& fc) {
  for (unsigned i = 0; i < fc.nb_streams; ++i) {
    const AVCodecParameters& par = *fc.streams[i]->codecpar;
    if ((par.codec_type == AVMEDIA_TYPE_VIDEO ||
         par.codec_type == AVMEDIA_TYPE_AUDIO) &&
        par.codec_id != AV_CODEC_ID_NONE)
      return true;
  }
  return false;
}

// Size, codec and orientation of the video stream, from its header.
void FromVideoStream(const AVFormatContext& fc, const AVStream& video,
                     MediaMetadata& md) {
  const AVCodecParameters& par = *video.codecpar;
  if (par.width > 0 && par.height > 0) {
    md.width = par.width;
    md.height = par.height;
  }
  if (par.codec_id != AV_CODEC_ID_NONE)
    md.codec = avcodec_get_name(par.codec_id);
  md.orientation = Orientation(fc, &video);
}

Result<MediaMetadata> Extract(Demuxer& d, const std::string& path) {
  const AVFormatContext& fc = *d.fc();
  MediaMetadata md;
  md.mime = MimeType(fc, path);
  md.taken = Taken(fc);
  md.make = FirstTag(fc.metadata, {"com.apple.quicktime.make", "make",
                                   "com.android.manufacturer"});
  md.model = FirstTag(
      fc.metadata, {"com.apple.quicktime.model", "model", "com.android.model"});
  for (const char* key : {"com.apple.quicktime.location.ISO6709", "location"}) {
    if (const char* v = Tag(fc.metadata, key); v != nullptr && !md.gps)
      md.gps = ParseIso6709(v);
  }
  AVStream* video = FirstVideoStream(fc);
  if (video != nullptr) FromVideoStream(fc, *video, md);
  md.duration = HeaderDuration(fc, video);

  // What the header lacks, from the packets. This moves the demuxer through
  // the file, so it comes after everything read from the header.
  const bool may_scan =
      video != nullptr || (fc.ctx_flags & AVFMTCTX_NOHEADER) != 0;
  if (may_scan && (!md.width || !md.duration)) {
    const PacketScan scan = ScanPackets(d, video, !md.width, !md.duration);
    if (video == nullptr && scan.video != nullptr)
      FromVideoStream(fc, *scan.video, md);
    if (scan.width > 0) {
      md.width = scan.width;
      md.height = scan.height;
    }
    if (!md.duration && scan.first_ts != AV_NOPTS_VALUE)
      md.duration =
          (scan.last_ts - scan.first_ts) * av_q2d(scan.video->time_base);
  }
  // A header cut short inside its first track still "opens".
  if (!HasAudioOrVideo(fc))
    return MakeError(ErrorCode::kContentFault, "no audio or video stream", kOp,
                     path);
  try {
    md.tags_json = TagsJson(fc);  // after the scan: it may add streams
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInternal, e.what(), kOp, path);
  }
  return md;
}

}  // namespace

Result<MediaMetadata> ExtractVideoMetadata(const std::string& path) {
  PHODEX_METRIC_RECORD("metadata.video");
  PHODEX_ASSIGN_OR_RETURN(std::unique_ptr<Demuxer> demuxer,
                          Demuxer::Open(path));
  return Extract(*demuxer, path);
}

}  // namespace phodex::media
