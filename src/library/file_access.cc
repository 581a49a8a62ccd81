#include "library/file_access.h"

#include "library/file_output.h"
#include "library/service_jobs.h"

namespace phodex::library {
namespace {

// By extension, for a file whose metadata gave no MIME type.
std::string MimeByName(std::string_view name) {
  const size_t dot = name.rfind('.');
  std::string ext(dot == std::string_view::npos ? "" : name.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "png") return "image/png";
  if (ext == "heic" || ext == "heif") return "image/heic";
  if (ext == "webp") return "image/webp";
  if (ext == "tif" || ext == "tiff") return "image/tiff";
  if (ext == "mp4") return "video/mp4";
  if (ext == "mov") return "video/quicktime";
  if (ext == "xmp") return "application/rdf+xml";
  return "application/octet-stream";
}

Result<OpenedFile> Open(Library& lib, const std::string& path,
                        int64_t expect_size) {
  PHODEX_ASSIGN_OR_RETURN(auto file,
                          lib.fs().OpenForRead(path, os::AccessPattern::kSequential));
  OpenedFile out;
  out.size = file->size();
  if (expect_size >= 0 && out.size != expect_size) {
    return MakeError(ErrorCode::kBusy,
                     "the file changed since it was catalogued; the service "
                     "catalogs it again");
  }
  out.file = std::move(file);
  out.name = std::string(os::BaseName(path));
  return out;
}

}  // namespace

Result<std::optional<catalog::FileRow>> GetFileDetails(Library& lib,
                                                       FileId id) {
  PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::FileRow> row,
                          lib.catalog().GetFile(id));
  if (!row) return row;
  // The listing reads tags and pairs; the file's own rel selects it (and
  // nothing else: a file has nothing below it).
  catalog::FileQuery q;
  q.root = row->root;
  q.rel_prefix = row->rel;
  q.presence = catalog::FileQuery::Presence::kAll;
  q.with_tags = true;
  q.with_pairs = true;
  PHODEX_ASSIGN_OR_RETURN(catalog::FilePage page,
                          lib.catalog().ListFiles(q, {}, 16));
  for (catalog::FileRow& r : page.rows) {
    if (r.id == id) return std::optional<catalog::FileRow>(std::move(r));
  }
  return row;
}

Result<OpenedFile> OpenOriginal(Library& lib, FileId id) {
  PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::FileRow> row,
                          lib.catalog().GetFile(id));
  if (!row || !row->present) {
    return MakeError(ErrorCode::kNotFound, "no such file in the catalog");
  }
  const std::string path = AbsolutePath(*row);
  auto st = lib.fs().Stat(path, os::Follow::kNo);
  if (!st) {
    if (st.error().code() == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound,
                       "the file is not on its drive now (moved, deleted, or "
                       "its drive is offline)");
    }
    return std::unexpected(st.error());
  }
  if (st->type != FileType::kRegular || st->size != row->size ||
      st->mtime != row->mtime) {
    return MakeError(ErrorCode::kBusy,
                     "the file changed since it was catalogued; the service "
                     "catalogs it again");
  }
  PHODEX_ASSIGN_OR_RETURN(OpenedFile out, Open(lib, path, row->size));
  out.mime = row->metadata && !row->metadata->mime.empty()
                 ? row->metadata->mime
                 : MimeByName(out.name);
  out.mtime_s = row->mtime.sec;
  // Size, mtime and inode: what the catalog takes as "unchanged".
  out.etag = "\"" + std::to_string(row->size) + "-" +
             std::to_string(row->mtime.sec) + "." +
             std::to_string(row->mtime.nsec) + "-" + std::to_string(row->ino) +
             "\"";
  return out;
}

std::string ThumbnailFileName(const imaging::ThumbnailCache& cache,
                              const ContentHash& hash, size_t spec) {
  return std::string(os::BaseName(cache.PathFor(hash, spec)));
}

std::optional<ThumbnailName> ParseThumbnailName(
    const imaging::ThumbnailCache& cache, std::string_view name) {
  const size_t dash = name.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto hash = ContentHash::FromHex(name.substr(0, dash));
  if (!hash) return std::nullopt;
  for (size_t i = 0; i < cache.specs().size(); ++i) {
    // Only the exact name the cache gives: anything else (other settings,
    // another extension, trailing bytes) is no thumbnail of ours.
    if (ThumbnailFileName(cache, *hash, i) == name) {
      return ThumbnailName{*hash, i};
    }
  }
  return std::nullopt;
}

namespace {

// Queues (or moves up) the pixels job of a present file.
Status QueueInteractive(Library& lib, const imaging::ThumbnailCache& cache,
                        const catalog::FileRow& row) {
  QueueFileJobsRequest req;
  req.scope.root = row.root;
  req.scope.rel_prefix = row.rel;
  req.priority = catalog::JobPriority::kInteractive;
  req.pixels = true;
  req.thumbs_key = cache.settings_key();
  auto queued = QueueFileJobs(lib.catalog(), lib.clock(), req);
  if (!queued) return std::unexpected(queued.error());
  auto moved = lib.catalog().PrioritizeFileJob(
      "pixels", row.id, catalog::JobPriority::kInteractive);
  if (!moved) return std::unexpected(moved.error());
  return {};
}

Result<ThumbnailLookup> LookupRow(Library& lib,
                                  const imaging::ThumbnailCache& cache,
                                  const catalog::FileRow& row, size_t spec) {
  ThumbnailLookup out;
  if (row.hash) out.name = ThumbnailFileName(cache, *row.hash, spec);
  if (row.pixels && row.pixels->error) {
    out.state = ThumbnailLookup::State::kFailed;
    out.error = *row.pixels->error;
    return out;
  }
  if (row.hash) {
    auto opened = Open(lib, cache.PathFor(*row.hash, spec), -1);
    if (opened && opened->size > 0) {
      opened->etag = "\"" + out.name + "\"";
      opened->mime = opened->name.ends_with(".jpg") ? "image/jpeg" : "image/webp";
      out.file = std::move(*opened);
      out.state = ThumbnailLookup::State::kReady;
      return out;
    }
    if (!opened && opened.error().code() != ErrorCode::kNotFound) {
      return std::unexpected(opened.error());
    }
  }
  PHODEX_TRY(QueueInteractive(lib, cache, row));
  out.state = ThumbnailLookup::State::kQueued;
  return out;
}

bool HasPixels(MediaKind kind) {
  return kind == MediaKind::kPhoto || kind == MediaKind::kRaw ||
         kind == MediaKind::kVideo;
}

}  // namespace

Result<ThumbnailLookup> LookupFileThumbnail(Library& lib,
                                            const imaging::ThumbnailCache& cache,
                                            FileId id, size_t spec) {
  PHODEX_ASSIGN_OR_RETURN(std::optional<catalog::FileRow> row,
                          lib.catalog().GetFile(id));
  if (!row || !row->present) {
    return MakeError(ErrorCode::kNotFound, "no such file in the catalog");
  }
  if (!HasPixels(row->kind)) return ThumbnailLookup{};
  return LookupRow(lib, cache, *row, spec);
}

Result<ThumbnailLookup> LookupThumbnail(Library& lib,
                                        const imaging::ThumbnailCache& cache,
                                        const ContentHash& hash, size_t spec) {
  PHODEX_ASSIGN_OR_RETURN(std::optional<FileId> id,
                          lib.catalog().FindPresentFileWithHash(hash));
  if (!id) {
    // Not a content of the library now; a thumbnail left in the cache is
    // not served (its photo is gone).
    return ThumbnailLookup{};
  }
  return LookupFileThumbnail(lib, cache, *id, spec);
}

}  // namespace phodex::library
