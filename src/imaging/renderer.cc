#include "imaging/renderer.h"

#include <bit>
#include <cstring>

namespace phodex::imaging {
namespace {

// Wire format between RenderPool and its workers (inside os/worker_pool.h
// frames), little-endian fixed-width fields:
//   request: kind u8, max_source_pixels i64, outputs u8,
//            per output {longest_edge u32, format u8, quality u8}, path
//   reply:   'O', source_width u32, source_height u32, decode_path u8,
//            phash u64, rotated 3 x u64, 5 x f64 quality (sharpness,
//            exposure, clipped_highlights, clipped_shadows, noise),
//            outputs u8, per output {length u32, bytes}
//            'E', error code u8, message
class Writer {
 public:
  template <typename T>
  void Put(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
  }
  void Bytes(std::string_view s) { out_.append(s); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  bool Get(T& v) {
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(&v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  bool Bytes(size_t n, std::string& out) {
    if (in_.size() < n) return false;
    out.assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

static_assert(std::endian::native == std::endian::little,
              "the worker wire format assumes a little-endian host");

}  // namespace

std::string EncodeRenderRequest(const RenderRequest& r) {
  Writer w;
  w.Put<uint8_t>(static_cast<uint8_t>(r.kind));
  w.Put<int64_t>(r.max_source_pixels);
  w.Put<uint8_t>(static_cast<uint8_t>(r.outputs.size()));
  for (const EncodeOptions& o : r.outputs) {
    w.Put<uint32_t>(static_cast<uint32_t>(o.longest_edge));
    w.Put<uint8_t>(static_cast<uint8_t>(o.format));
    w.Put<uint8_t>(static_cast<uint8_t>(o.quality));
  }
  w.Bytes(r.path);
  return w.Take();
}

bool DecodeRenderRequest(std::string_view in, RenderRequest& r) {
  Reader rd(in);
  uint8_t kind = 0, n = 0;
  if (!rd.Get(kind) || !rd.Get(r.max_source_pixels) || !rd.Get(n)) return false;
  r.kind = static_cast<MediaKind>(kind);
  for (int i = 0; i < n; ++i) {
    uint32_t edge = 0;
    uint8_t format = 0, quality = 0;
    if (!rd.Get(edge) || !rd.Get(format) || !rd.Get(quality)) return false;
    r.outputs.push_back(
        {static_cast<int>(edge), static_cast<ImageFormat>(format), quality});
  }
  r.path = std::string(rd.rest());
  return true;
}

std::string EncodeRenderReply(const Result<Rendered>& r) {
  Writer w;
  if (!r) {
    w.Put<char>('E');
    w.Put<uint8_t>(static_cast<uint8_t>(r.error().code()));
    w.Bytes(r.error().message());
    return w.Take();
  }
  w.Put<char>('O');
  w.Put<uint32_t>(static_cast<uint32_t>(r->source_width));
  w.Put<uint32_t>(static_cast<uint32_t>(r->source_height));
  w.Put<uint8_t>(static_cast<uint8_t>(r->decode_path));
  w.Put<uint64_t>(r->phash.hash);
  for (uint64_t h : r->phash.rotated) w.Put<uint64_t>(h);
  const QualityMetrics& q = r->quality;
  for (double v : {q.sharpness, q.exposure, q.clipped_highlights,
                   q.clipped_shadows, q.noise}) {
    w.Put<double>(v);
  }
  w.Put<uint8_t>(static_cast<uint8_t>(r->outputs.size()));
  for (const std::string& o : r->outputs) {
    w.Put<uint32_t>(static_cast<uint32_t>(o.size()));
    w.Bytes(o);
  }
  return w.Take();
}

Result<Rendered> DecodeRenderReply(std::string_view in,
                                   const std::string& path) {
  auto malformed = [&] {
    return MakeError(ErrorCode::kInternal, "malformed reply from decoder",
                     "decode", path);
  };
  Reader rd(in);
  char tag = 0;
  if (!rd.Get(tag)) return malformed();
  if (tag == 'E') {
    uint8_t code = 0;
    if (!rd.Get(code)) return malformed();
    return MakeError(static_cast<ErrorCode>(code), std::string(rd.rest()),
                     "decode", path);
  }
  if (tag != 'O') return malformed();
  Rendered r;
  uint32_t w = 0, h = 0;
  uint8_t decode_path = 0, n = 0;
  QualityMetrics& q = r.quality;
  if (!rd.Get(w) || !rd.Get(h) || !rd.Get(decode_path) ||
      !rd.Get(r.phash.hash) || !rd.Get(r.phash.rotated[0]) ||
      !rd.Get(r.phash.rotated[1]) || !rd.Get(r.phash.rotated[2]) ||
      !rd.Get(q.sharpness) || !rd.Get(q.exposure) ||
      !rd.Get(q.clipped_highlights) || !rd.Get(q.clipped_shadows) ||
      !rd.Get(q.noise) || !rd.Get(n)) {
    return malformed();
  }
  r.source_width = static_cast<int>(w);
  r.source_height = static_cast<int>(h);
  r.decode_path = static_cast<DecodePath>(decode_path);
  r.outputs.resize(n);
  for (std::string& o : r.outputs) {
    uint32_t len = 0;
    if (!rd.Get(len) || !rd.Bytes(len, o)) return malformed();
  }
  return r;
}

Result<std::unique_ptr<RenderPool>> RenderPool::Create(
    os::WorkerPoolOptions options) {
  if (options.what == "worker") options.what = "decoder";
  PHODEX_ASSIGN_OR_RETURN(auto pool,
                          os::WorkerPool::Create(std::move(options)));
  return std::unique_ptr<RenderPool>(new RenderPool(std::move(pool)));
}

Result<Rendered> RenderPool::Render(const RenderRequest& request) {
  // (Not PHODEX_ASSIGN_OR_RETURN: GCC 12 then warns, wrongly, that the
  // moved string may be used uninitialised.)
  const Result<std::string> reply =
      pool_->Call(EncodeRenderRequest(request), "decode", request.path);
  if (!reply) return std::unexpected(reply.error());
  return DecodeRenderReply(*reply, request.path);
}

}  // namespace phodex::imaging
