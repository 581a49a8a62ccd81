#include "scan/rating_update.h"

#include "scan/content_stage.h"
#include "scan/metadata_stage.h"
#include "scan/retry_policy.h"
#include "scan/stage.h"

namespace phodex::scan {
namespace {

// Reads the file at `rel` again with the scan's own stages and writes what
// they found, as a scan of that one file would.
Status Record(catalog::Catalog& catalog, os::FileSystem& fs,
              media::MetadataReader& reader, const catalog::Root& root,
              const std::string& rel, std::optional<std::string> target_rel,
              int64_t now_ns) {
  const std::string abs = os::JoinPath(root.path, rel);
  catalog::FileUpsert u;
  u.rel = rel;
  PHODEX_ASSIGN_OR_RETURN(u.stat, fs.Stat(abs, os::Follow::kNo));
  u.kind = KindFromName(os::BaseName(rel));
  u.content_version = kContentStagesVersion;
  ContentStage content(fs, ContentOptions{});
  MetadataStage metadata(reader);
  PHODEX_TRY(content.Process(abs, u));
  if (auto st = metadata.Process(abs, u); !st) {
    // Cut short by an interrupt: not read, so the next scan reads it.
    if (st.error().code() == ErrorCode::kCancelled) {
      u.content_version = 0;
    } else {
      u.error = std::string(metadata.name()) + ": " + st.error().ToString();
      // A passing failure (a crashed worker, a timeout): the error is
      // shown, and the next scan reads the file again (retry_policy.h).
      if (!RecordAsDone(st.error())) u.content_version = 0;
    }
  }
  catalog::RatingWrite write;
  write.root = root.id;
  write.scan_gen = root.scan_gen;
  write.now_ns = now_ns;
  write.file = std::move(u);
  write.sidecar_of = std::move(target_rel);
  return catalog.ApplyRatingWrite(write);
}

// A write of `rel` stays in the root it was asked about: the file's
// folder must resolve to the folder below the root that its path names. A
// folder replaced by a link since the scan (photos/2020 ->
// /etc), or one reached through a link (scans with --follow-symlinks),
// would take the sidecar or the edited photo outside the root.
Status CheckFolderInRoot(os::FileSystem& fs, const catalog::Root& root,
                         const std::string& rel) {
  const std::string write_path = os::JoinPath(root.path, rel);
  const std::string folder = os::DirName(write_path);
  PHODEX_ASSIGN_OR_RETURN(const std::string real_root, fs.RealPath(root.path));
  const std::string rel_folder = os::DirName(rel);
  const std::string expected =
      rel_folder == "." ? real_root : os::JoinPath(real_root, rel_folder);
  PHODEX_ASSIGN_OR_RETURN(const std::string real, fs.RealPath(folder));
  if (real == expected) return {};
  return MakeError(ErrorCode::kInvalidArgument,
                   "its folder leads through a symbolic link to '" + real +
                       "'; phodex does not write through links",
                   "write rating", write_path);
}

}  // namespace

Result<RatingResult> RateFile(catalog::Catalog& catalog, os::FileSystem& fs,
                              media::MetadataReader& reader,
                              const catalog::Root& root,
                              const catalog::FileRow& file,
                              const RatingRequest& request,
                              OperationId /*op*/,
                              int64_t now_ns) {
  const std::string abs = os::JoinPath(root.path, file.rel);
  RatingResult result;
  if (request.target == RatingRequest::Target::kEmbed) {
    PHODEX_TRY(CheckFolderInRoot(fs, root, file.rel));
    PHODEX_TRY(media::EmbedChange(fs, abs, request.change));
    result.written_path = abs;
    PHODEX_TRY(Record(catalog, fs, reader, root, file.rel, std::nullopt,
                      now_ns));
    return result;
  }
  // The sidecar the catalog links to the file wins: it is the one whose
  // fields the listing shows.
  if (file.sidecar_rel) {
    result.written_path = os::JoinPath(root.path, *file.sidecar_rel);
  } else {
    PHODEX_ASSIGN_OR_RETURN(result.written_path,
                            media::SidecarPathFor(fs, abs, request.sidecar));
  }
  const std::string sidecar_rel =
      result.written_path.substr(root.path.size() + (root.path == "/" ? 0 : 1));
  PHODEX_TRY(CheckFolderInRoot(fs, root, sidecar_rel));
  result.created = !fs.Stat(result.written_path, os::Follow::kNo).has_value();
  PHODEX_TRY(
      media::WriteSidecarChange(fs, result.written_path, request.change));
  PHODEX_TRY(Record(catalog, fs, reader, root, sidecar_rel, file.rel, now_ns));
  return result;
}

}  // namespace phodex::scan
