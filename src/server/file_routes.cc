// The files resource (docs/api.md, "Files"): the paged listing, one file
// with all its metadata, its original (Range), its thumbnails by id, and
// the content-addressed thumbnails. Files are reached by catalog id or
// content hash only: no parameter is ever a path on disk.

#include <charconv>
#include <memory>
#include <optional>
#include <string>

#include "library/file_access.h"
#include "library/file_output.h"
#include "library/thumbs.h"
#include "server/api.h"
#include "server/paging.h"
#include "server/problem.h"
#include "server/route_params.h"
#include "server/routes.h"

namespace phodex::server {
namespace {

constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;

class FileSource final : public ByteSource {
 public:
  explicit FileSource(std::shared_ptr<os::RandomAccessFile> f) : f_(std::move(f)) {}
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    return f_->ReadAt(offset, buf, n);
  }

 private:
  std::shared_ptr<os::RandomAccessFile> f_;
};

// The cursor of a listing: the (root, rel) it goes on after, as hex.
std::string EncodeFileCursor(const catalog::FileCursor& c) {
  return EncodeOpaqueCursor(std::to_string(c.root.value) + "/" + c.rel);
}
std::optional<catalog::FileCursor> DecodeFileCursor(std::string_view text) {
  auto raw = DecodeOpaqueCursor(text);
  if (!raw) return std::nullopt;
  const size_t slash = raw->find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto root = ParseId(std::string_view(*raw).substr(0, slash));
  if (!root) return std::nullopt;
  return catalog::FileCursor{RootId{*root}, raw->substr(slash + 1)};
}

Response ListFilesRoute(Call& call) {
  const Request& req = call.request;
  catalog::FileQuery q;
  if (auto root = req.Query("root")) {
    auto id = ParseId(*root);
    if (!id) return BadRequest("root: expected a root id");
    q.root = RootId{*id};
  }
  if (auto folder = req.Query("folder")) {
    if (!q.root) return BadRequest("folder: needs root");
    if (!IsSafeRel(*folder)) {
      return BadRequest("folder: a folder inside the root, without '..'");
    }
    q.rel_prefix = std::string(*folder);
  }
  if (auto kind = req.Query("kind")) {
    auto k = ParseMediaKindParam(*kind);
    if (!k) return BadRequest("kind: photo, raw, video, sidecar or other");
    q.kind = *k;
  }
  if (auto presence = req.Query("presence")) {
    if (*presence == "present") {
      q.presence = catalog::FileQuery::Presence::kPresent;
    } else if (*presence == "removed") {
      q.presence = catalog::FileQuery::Presence::kRemoved;
    } else if (*presence == "all") {
      q.presence = catalog::FileQuery::Presence::kAll;
    } else {
      return BadRequest("presence: present, removed or all");
    }
  }
  auto limit = ParseLimit(req, kDefaultLimit, kMaxLimit);
  if (!limit) return BadRequest(limit.error().message());
  catalog::FileCursor after;
  if (auto cursor = req.Query("cursor")) {
    auto c = DecodeFileCursor(*cursor);
    if (!c) return BadRequest("cursor: not a cursor this API gave");
    after = *c;
  }
  auto page = call.lib.catalog().ListFiles(q, after, static_cast<size_t>(*limit));
  if (!page) return ProblemFor(page.error());
  auto cache = library::OpenThumbnailCache(call.lib);
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const catalog::FileRow& row : page->rows) {
    files.push_back(library::FileToJson(row, cache->settings_key()));
  }
  nlohmann::ordered_json j;
  j["files"] = std::move(files);
  j["next"] = page->next ? nlohmann::ordered_json(EncodeFileCursor(*page->next))
                         : nlohmann::ordered_json(nullptr);
  return Json(j);
}

Response FileRoute(Call& call) {
  auto id = ParseId(call.request.Param("id"));
  if (!id) return NotFound("no such file");
  auto row = library::GetFileDetails(call.lib, FileId{*id});
  if (!row) return ProblemFor(row.error());
  if (!*row) return NotFound("no such file");
  auto cache = library::OpenThumbnailCache(call.lib);
  return Json(library::FileDetailsToJson(**row, *cache));
}

// The Range of a GET for a body of `size` bytes.
struct ByteRange {
  int64_t first = 0;
  int64_t length = 0;
};
enum class RangeKind { kWhole, kPart, kUnsatisfiable };
RangeKind ParseRange(std::string_view header, int64_t size, ByteRange& out) {
  out = {0, size};
  if (header.empty() || !header.starts_with("bytes=")) return RangeKind::kWhole;
  std::string_view spec = header.substr(6);
  // Several ranges are answered with the whole body (RFC 9110 allows it).
  if (spec.find(',') != std::string_view::npos) return RangeKind::kWhole;
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeKind::kWhole;
  const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  auto number = [](std::string_view s) -> std::optional<int64_t> {
    int64_t v = 0;
    if (s.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
  };
  if (a.empty()) {  // the last N bytes
    auto n = number(b);
    if (!n) return RangeKind::kWhole;
    if (*n == 0 || size == 0) return RangeKind::kUnsatisfiable;
    const int64_t len = std::min(*n, size);
    out = {size - len, len};
    return RangeKind::kPart;
  }
  auto first = number(a);
  if (!first) return RangeKind::kWhole;
  std::optional<int64_t> last = b.empty() ? std::nullopt : number(b);
  if (!b.empty() && (!last || *last < *first)) {
    return RangeKind::kWhole;  // invalid: ignored (RFC 9110)
  }
  if (*first >= size) return RangeKind::kUnsatisfiable;
  if (!last) last = size - 1;
  const int64_t end = std::min(*last, size - 1);
  out = {*first, end - *first + 1};
  return RangeKind::kPart;
}

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  // A list of tags, weak ones compared weakly (W/"x" matches "x").
  size_t pos = 0;
  while (pos < if_none_match.size()) {
    size_t comma = if_none_match.find(',', pos);
    if (comma == std::string_view::npos) comma = if_none_match.size();
    std::string_view tag = if_none_match.substr(pos, comma - pos);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    pos = comma + 1;
  }
  return false;
}

Response NotModified(std::string_view etag, std::string_view cache_control) {
  Response r;
  r.status = 304;
  r.With("ETag", std::string(etag));
  r.With("Cache-Control", std::string(cache_control));
  return r;
}

// Streams `f` whole or the Range asked for, with its validators.
Response Stream(const Request& req, library::OpenedFile f,
                std::string cache_control) {
  if (EtagMatches(req.Header("if-none-match"), f.etag)) {
    return NotModified(f.etag, cache_control);
  }
  ByteRange range;
  std::string_view range_header = req.Header("range");
  // If-Range with another validator: the whole (new) body.
  if (!req.Header("if-range").empty() && req.Header("if-range") != f.etag) {
    range_header = {};
  }
  const RangeKind kind = ParseRange(range_header, f.size, range);
  Response r;
  r.With("Accept-Ranges", "bytes");
  r.With("ETag", f.etag);
  r.With("Cache-Control", std::move(cache_control));
  if (kind == RangeKind::kUnsatisfiable) {
    Response p = Problem(416, "range-not-satisfiable", "Range not satisfiable");
    p.With("Content-Range", "bytes */" + std::to_string(f.size));
    return p;
  }
  r.status = kind == RangeKind::kPart ? 206 : 200;
  if (kind == RangeKind::kPart) {
    r.With("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                std::to_string(range.first + range.length - 1) +
                                "/" + std::to_string(f.size));
  }
  r.content_type = f.mime;
  r.file = FileStream{std::make_shared<FileSource>(std::move(f.file)),
                      range.first, range.length};
  return r;
}

Response OriginalRoute(Call& call) {
  auto id = ParseId(call.request.Param("id"));
  if (!id) return NotFound("no such file");
  auto f = library::OpenOriginal(call.lib, FileId{*id});
  if (!f) return ProblemFor(f.error());
  std::string disposition = "inline; filename*=UTF-8''" + PercentEncode(f->name);
  Response r = Stream(call.request, std::move(*f), "private, no-cache");
  if (r.status == 200 || r.status == 206) r.With("Content-Disposition", disposition);
  return r;
}

// Index of the spec `size` names ("thumb", "preview"; default the first).
std::optional<size_t> SpecIndex(const imaging::ThumbnailCache& cache,
                                std::optional<std::string_view> size) {
  if (!size) return 0;
  for (size_t i = 0; i < cache.specs().size(); ++i) {
    if (cache.specs()[i].name == *size) return i;
  }
  return std::nullopt;
}

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

Response AnswerThumbnail(Call& call, library::ThumbnailLookup found,
                         std::string cache_control) {
  using State = library::ThumbnailLookup::State;
  switch (found.state) {
    case State::kReady:
      return Stream(call.request, std::move(*found.file), std::move(cache_control));
    case State::kQueued:
      call.api.JobsQueued();
      return Json({{"state", "queued"}, {"retry_after_s", 1}}, 202)
          .With("Retry-After", "1");
    case State::kFailed:
      return Problem(404, "no-thumbnail", "No thumbnail",
                     "the file cannot be decoded: " + found.error);
    case State::kMissing:
      break;
  }
  return NotFound("no such thumbnail");
}

Response FileThumbnailRoute(Call& call) {
  auto id = ParseId(call.request.Param("id"));
  if (!id) return NotFound("no such file");
  auto cache = library::OpenThumbnailCache(call.lib);
  auto spec = SpecIndex(*cache, call.request.Query("size"));
  if (!spec) return BadRequest("size: a thumbnail size the settings name");
  auto found = library::LookupFileThumbnail(call.lib, *cache, FileId{*id}, *spec);
  if (!found) return ProblemFor(found.error());
  // By id the bytes may change (the file is edited): revalidated each
  // time, cheaply (ETag, 304); the content-addressed URL never changes.
  const std::string name = found->name;
  Response r = AnswerThumbnail(call, std::move(*found), "private, no-cache");
  if (!name.empty() && r.status == 200) {
    r.With("Content-Location", "/api/v1/thumbnails/" + name);
  }
  return r;
}

Response ThumbnailRoute(Call& call) {
  auto cache = library::OpenThumbnailCache(call.lib);
  auto name = library::ParseThumbnailName(*cache, call.request.Param("name"));
  if (!name) return NotFound("no such thumbnail");
  auto found = library::LookupThumbnail(call.lib, *cache, name->hash, name->spec);
  if (!found) return ProblemFor(found.error());
  return AnswerThumbnail(call, std::move(*found), std::string(kImmutable));
}

}  // namespace

void AddFileRoutes(Router& r) {
  r.Get("/api/v1/files", ListFilesRoute);
  r.Get("/api/v1/files/{id}", FileRoute);
  r.Get("/api/v1/files/{id}/original", OriginalRoute);
  r.Get("/api/v1/files/{id}/thumbnail", FileThumbnailRoute);
  r.Get("/api/v1/thumbnails/{name}", ThumbnailRoute);
}

}  // namespace phodex::server
