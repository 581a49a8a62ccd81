#include "imaging/decoder.h"

#include <memory>
#include <mutex>
#include <string>
#include <utility>

extern "C" {
#include <libavutil/log.h>
}
#include <vips/vips.h>

#include "imaging/raw_decoder.h"
#include "imaging/video_decoder.h"
#include "imaging/vips_decoder.h"
#include "os/file_system.h"

namespace phodex::imaging {
namespace {

constexpr char kOp[] = "decode";
// Enough for every signature IsPhotoSignature looks at.
constexpr size_t kHeadBytes = 32;

// Loaders a photo never needs, blocked for the whole process: fewer
// parsers reachable from a file that lies about its type. (The photo
// decoder also checks signatures before libvips sees a file.)
constexpr const char* kBlockedLoaders[] = {
    "VipsForeignLoadPdf",  "VipsForeignLoadSvg",    "VipsForeignLoadOpenslide",
    "VipsForeignLoadMat",  "VipsForeignLoadFits",   "VipsForeignLoadAnalyze",
    "VipsForeignLoadCsv",  "VipsForeignLoadMatrix", "VipsForeignLoadRaw",
    "VipsForeignLoadVips", "VipsForeignLoadRad",    "VipsForeignLoadOpenexr",
    "VipsForeignLoadPpm",
};

std::once_flag g_init_once;
bool g_vips_started = false;  // written once under g_init_once

// libvips' warnings ("ignoring nclx profile", libjpeg's "premature end of
// file") go to stderr through GLib; the result or the error says enough.
void DropLog(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

// Opens the file the way every other phodex read does, so that a missing
// or unreadable file is reported from errno (kNotFound, kPermissionDenied)
// rather than in a library's words, and returns its first bytes.
Result<std::string> ReadHead(const std::string& path) {
  static const std::unique_ptr<os::FileSystem> fs = os::NewPosixFileSystem();
  PHODEX_ASSIGN_OR_RETURN(std::unique_ptr<os::RandomAccessFile> file,
                          fs->OpenForRead(path, os::AccessPattern::kRandom));
  if (file->size() == 0)
    return MakeError(ErrorCode::kContentFault, "empty file", kOp, path);
  std::string head(kHeadBytes, '\0');
  PHODEX_ASSIGN_OR_RETURN(size_t n, file->ReadAt(0, head.data(), head.size()));
  head.resize(n);
  return head;
}

// The helpers shared by the decoders report errors without a path: the
// path and operation are added here.
Result<DecodedImage> WithPath(Result<DecodedImage> result,
                              const std::string& path) {
  if (result || !result.error().path().empty()) return result;
  const Error& e = result.error();
  return std::unexpected(
      Error(e.code(), e.message(), e.op().empty() ? kOp : e.op(), path));
}

Status CheckReady(const DecodeOptions& options) {
  InitImagingLibraries();
  if (!g_vips_started)
    return MakeError(ErrorCode::kInternal, "libvips failed to start", kOp);
  if (options.target_edge < 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "target_edge must be at least 1", kOp);
  }
  return {};
}

}  // namespace

void InitImagingLibraries() {
  std::call_once(g_init_once, [] {
    av_log_set_level(AV_LOG_QUIET);
    if (VIPS_INIT("phodex") != 0) return;
    g_vips_started = true;
    // One worker per core is the scan's job (processes): libvips itself
    // stays on one thread, and keeps no cache of operations or open files,
    // so a decode's memory is released when it returns.
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    for (const char* loader : kBlockedLoaders)
      vips_operation_block_set(loader, TRUE);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, &DropLog, nullptr);
  });
}

Result<DecodedImage> Decode(const std::string& path, MediaKind kind,
                            const DecodeOptions& options) {
  PHODEX_TRY(CheckReady(options));
  PHODEX_ASSIGN_OR_RETURN(const std::string head, ReadHead(path));
  switch (kind) {
    case MediaKind::kPhoto:
      return WithPath(DecodeWithVips(path, head, options), path);
    case MediaKind::kRaw:
      return WithPath(DecodeRaw(path, options, RawRoute::kPreviewOrHalfSize),
                      path);
    case MediaKind::kVideo:
      return WithPath(DecodeVideoFrame(path, options), path);
    case MediaKind::kSidecar:
    case MediaKind::kOther:
      break;
  }
  return MakeError(
      ErrorCode::kUnsupported,
      std::string("no decoder for ") + MediaKindName(kind) + " files", kOp,
      path);
}

Result<DecodedImage> DecodeRawHalfSizeForBench(const std::string& path,
                                               const DecodeOptions& options) {
  PHODEX_TRY(CheckReady(options));
  PHODEX_TRY(ReadHead(path));
  return WithPath(DecodeRaw(path, options, RawRoute::kHalfSizeOnly), path);
}

}  // namespace phodex::imaging
