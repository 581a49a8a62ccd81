#pragma once
// Change detection against the catalog. Before the walk the pipeline loads
// what the catalog holds under the scanned folders; during the walk each
// folder's listing is compared with it: a file whose size, mtime and inode
// are unchanged costs nothing more (no read, no write); new and changed
// files go on to the stages. After a complete walk, known files never seen
// are the removed ones, except below folders that could not be read, whose
// records are kept as they are.
//
// Sidecars (.xmp, .aae) are linked here to the media file they describe in
// the same folder: "IMG_1.CR2.xmp" to "IMG_1.CR2", "IMG_1.xmp" to
// "IMG_1.<ext>" (a raw preferred over a photo over a video).
//
// Thread-safety: AddKnown() and Seal() single-threaded before the walk;
// Detect() and Protect() thread-safe during it (each folder is detected by
// one thread); Unseen() after it.

#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "scan/walker.h"
#include "util/mutex.h"

namespace phodex::scan {

struct FileChange {
  catalog::FileUpsert upsert;
  bool is_new = false;
};

struct DirChanges {
  std::string rel_dir;
  int64_t unchanged = 0;
  std::vector<FileChange> changes;
  std::vector<catalog::SidecarLink> links;
  std::vector<catalog::FileErrorEntry> errors;
};

// What this scan's stages produce; a known file lacking it goes to the
// stages even when its stat is unchanged.
struct DetectorWants {
  int content_version = 0;  // 0: discovery only
  bool full_hash = false;   // files without a full hash
  bool sha256 = false;
};

class ChangeDetector {
 public:
  // `content_version`: the version of the content stages this scan runs
  // (0: discovery only). An unchanged file processed by older stages is
  // handed to the stages again, once.
  using Wants = DetectorWants;
  explicit ChangeDetector(Wants wants = Wants()) : wants_(wants) {}

  void AddKnown(catalog::KnownFile&& file);
  void Seal();
  int64_t known_count() const { return known_count_; }

  DirChanges Detect(std::string_view rel_dir, std::vector<WalkEntry>&& files);
  void Protect(std::string_view rel);

  // Known files not seen by the walk and not protected.
  std::vector<FileId> Unseen() const;
  // Known files the walk saw where the catalog expected them (after the
  // walk): evidence that the root's drive is the cataloged one.
  int64_t SeenCount() const;
  // Unseen() less the files whose inode, size and mtime the walk found
  // under another name in the scanned folder (renamed or moved there, not
  // gone): what the removal limit (scan/pipeline.h) counts.
  std::vector<FileId> UnseenNotFoundElsewhere() const;

  // Whether a file the catalog holds as `known` needs nothing from a scan
  // that wants `wants`, the disk showing it as `stat` now: the same size,
  // mtime and inode, processed by the stages wanted. Detect's test.
  static bool Unchanged(const catalog::KnownFile& known, const FileStat& stat,
                        const Wants& wants);

  // The media file in `names` that sidecar `sidecar_name` describes, or "".
  // Exposed for tests (and scan/cataloged_entries.h).
  static std::string SidecarTarget(std::string_view sidecar_name,
                                   const std::vector<WalkEntry>& files);

 private:
  struct Known {
    std::string name;
    FileId id;
    int64_t size;
    FileTime mtime;
    uint64_t ino;
    std::string sidecar_target;  // name within the folder, "" if none
    int content_version;
    bool has_hash;
    bool has_sha256;
    bool seen = false;
  };
  bool IsProtected(std::string_view rel) const REQUIRES(protect_mu_);
  // Calls `fn` for each known file not seen and not protected.
  void ForEachUnseen(const std::function<void(const Known&)>& fn) const
      EXCLUDES(protect_mu_);

  const Wants wants_;
  std::unordered_map<std::string, std::vector<Known>> by_dir_;
  int64_t known_count_ = 0;
  mutable util::Mutex protect_mu_;
  std::vector<std::string> protected_ GUARDED_BY(protect_mu_);
  // (inode, size, mtime) of the new files of this walk, kept only when the
  // catalog knew files here (a first scan needs none of it).
  using StatKey = std::tuple<uint64_t, int64_t, FileTime>;
  mutable util::Mutex new_mu_;
  std::vector<StatKey> new_files_ GUARDED_BY(new_mu_);
};

}  // namespace phodex::scan
