#include "media/extractor_pool.h"

#include "media/metadata_codec.h"

namespace phodex::media {

using os::Frame;
using os::FrameLength;

std::string EncodeMetadataReply(const Result<MediaMetadata>& r) {
  // Built by appending to a string that starts with its first byte: GCC 12
  // misreads `"O" + std::string`, and assigning a literal to a string, as
  // overlapping memcpys (-Wrestrict, GCC bug 105329) in Release builds.
  if (r) {
    std::string payload(1, 'O');
    payload += Frame(FieldsToJson(*r));
    payload += r->tags_json;
    return payload;
  }
  std::string payload(1, 'E');
  payload.push_back(static_cast<char>(r.error().code()));
  payload += r.error().message();
  return payload;
}

Result<MediaMetadata> DecodeMetadataReply(std::string_view payload,
                                          const std::string& path) {
  if (!payload.empty() && payload[0] == 'E' && payload.size() >= 2) {
    return MakeError(static_cast<ErrorCode>(payload[1]),
                     std::string(payload.substr(2)), "read metadata", path);
  }
  if (payload.size() < 5 || payload[0] != 'O') {
    return MakeError(ErrorCode::kInternal, "malformed reply from worker",
                     "read metadata", path);
  }
  const uint32_t n = FrameLength(payload.substr(1, 4));
  if (n > payload.size() - 5) {
    return MakeError(ErrorCode::kInternal, "malformed reply from worker",
                     "read metadata", path);
  }
  MediaMetadata m;
  PHODEX_TRY(FieldsFromJson(payload.substr(5, n), m));
  m.tags_json = std::string(payload.substr(5 + n));
  return m;
}

// --- Pool ---------------------------------------------------------------------

Result<std::unique_ptr<ExtractorPool>> ExtractorPool::Create(
    ExtractorPoolOptions options) {
  if (options.what == "worker") options.what = "metadata parser";
  PHODEX_ASSIGN_OR_RETURN(auto pool, os::WorkerPool::Create(std::move(options)));
  return std::unique_ptr<ExtractorPool>(new ExtractorPool(std::move(pool)));
}

Result<MediaMetadata> ExtractorPool::Read(const std::string& path,
                                          MediaKind kind) {
  const std::string request = std::string(1, static_cast<char>(kind)) + path;
  // (Not PHODEX_ASSIGN_OR_RETURN: GCC 12 then warns, wrongly, that the
  // moved string may be used uninitialised.)
  const Result<std::string> reply = pool_->Call(request, "read metadata", path);
  if (!reply) return std::unexpected(reply.error());
  return DecodeMetadataReply(*reply, path);
}

}  // namespace phodex::media
