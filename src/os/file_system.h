#pragma once
// The only way phodex touches the file system (../shared/STYLE.md, rule 14).
// PosixFileSystem is the real one; tests use tests/fakes/fake_file_system.h
// to build worlds with permission errors, vanishing files and loops.
//
// Implementations must be thread-safe: the walker calls them from several
// threads at once.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/root_identity.h"
#include "core/types.h"

namespace phodex::os {

enum class Follow { kNo, kYes };

// Whether Rename may replace a file at its target.
enum class Replace { kNo, kYes };

// One entry of a directory listing with its lstat (or stat, when following
// symlinks) already taken, relative to the open directory, which is much
// cheaper than a stat by absolute path.
struct DirEntry {
  std::string name;
  // Set when the entry could be stat'ed; otherwise `error` says why (the file
  // vanished between readdir and stat, permission denied, ...).
  std::optional<FileStat> stat;
  std::optional<Error> error;
};

// A file opened for reading at arbitrary offsets. Thread-compatible.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to `n` bytes at `offset` into `buf`; returns how many were
  // read (fewer only at the end of the file).
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) = 0;
  // The size when the file was opened (fstat of the open descriptor).
  virtual int64_t size() const = 0;
};

enum class AccessPattern { kRandom, kSequential };

// How big a file system is and how much of it is free (FileSystem::SpaceAt).
struct DiskSpace {
  int64_t total_bytes = 0;
  int64_t free_bytes = 0;  // available to an unprivileged writer
};

// The temporary copy ReplaceFile hands to its edit callback: a new file in
// the same folder as the original, starting as a byte copy of it. It becomes
// the original only if the callback succeeds. Single-threaded; valid only
// during the callback.
class TempFile {
 public:
  virtual ~TempFile() = default;
  // Its name, for libraries that open files by name (to read it back).
  virtual const std::string& path() const = 0;
  // Reads up to `n` bytes at `offset`; fewer only at the end of the file.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) = 0;
  // Writes all of `data` at `offset`, growing the file if needed.
  virtual Status WriteAt(uint64_t offset, std::string_view data) = 0;
  // Cuts or extends (with zeros) the file to `size` bytes.
  virtual Status Truncate(uint64_t size) = 0;
  virtual Result<int64_t> Size() = 0;
};

// Changes `temp`; an error aborts the replacement.
using EditFn = std::function<Status(TempFile& temp)>;

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Lists `dir` (not "." and ".."), each entry stat'ed. kYes follows
  // symlinks for the stat (a dangling link reports its error).
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& dir,
                                                Follow follow) = 0;

  virtual Result<FileStat> Stat(const std::string& path, Follow follow) = 0;

  // Opens `path` for reading. kSequential tells the kernel the whole file
  // will be read once (read-ahead on, no cache pollution hints). A symlink
  // is followed. Never blocks: anything but a regular file (a FIFO, a
  // socket, a device, a folder) is refused with kInvalidArgument "not a
  // regular file (a FIFO)", also when `path` became one after the
  // caller's Stat (the type is taken from the open descriptor).
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenForRead(
      const std::string& path, AccessPattern pattern) = 0;

  // Canonical absolute path (symlinks resolved); the path must exist.
  virtual Result<std::string> RealPath(const std::string& path) = 0;

  // mkdir -p.
  virtual Status MakeDirs(const std::string& path) = 0;

  // Writes `data` to `path` atomically: temp file in the same folder, fsync,
  // rename, fsync of the folder. A crash leaves the old file or the new one
  // (and possibly a stray ".NAME.phodex-tmp-XXXXXX" beside it), never a
  // mix (an interrupt waits for the rename or the removal of the temp;
  // stray temps of killed processes are removed: IsWriteTempName). An
  // existing file keeps its permission bits; a new one gets 0644.
  // Writes never follow a link: a symlink at `path` is refused with
  // kInvalidArgument ("is a symbolic link; phodex does not write through
  // links"), its target untouched, and so is any other file that is not a
  // regular one (a FIFO, a device: "not a regular file (a FIFO)"). The
  // folder is opened once and every later step is relative to it, so a
  // folder swapped for a link meanwhile cannot redirect the write; the
  // folder's own path is resolved as given.
  // An existing file that may not be written (no write permission, or no
  // write bit at all, even for root) fails with kPermissionDenied: the
  // rename would otherwise bypass its protection. So does a read-only
  // folder or mount. Errors before the rename leave `path` untouched and
  // remove the temp. An error from the final fsync of the folder means the
  // new content is in place but may not survive a power cut.
  virtual Status AtomicWrite(const std::string& path,
                             std::string_view data) = 0;

  // Writes a file of a cache that can be rebuilt (thumbnails): temp file in
  // the same folder, then rename, without fsyncs (two per file would cost
  // more than the thumbnail). Other processes never see a partial file at
  // `path`; after a power cut it may be missing or empty, which readers
  // must take as missing. Errors leave no temp behind.
  virtual Status WriteCacheFile(const std::string& path,
                                std::string_view data) = 0;

  // Removes the file (not a folder) `path`. kNotFound if it is gone.
  virtual Status RemoveFile(const std::string& path) = 0;

  // Creates `link` as one more name of the file `existing` (link(2), not
  // following a symlink). Never replaces: kAlreadyExists when `link`
  // exists. kUnsupported when the two are on different file systems, or
  // where there are no hard links (FAT) or the kernel forbids them
  // (protected_hardlinks). Nothing is synced: see SyncDir.
  virtual Status Link(const std::string& existing, const std::string& link) = 0;

  // Renames `from` to `to` atomically. Replace::kYes replaces a file at
  // `to` (rename(2)); kNo never does (renameat2 RENAME_NOREPLACE, or, where
  // the file system has no such flag (NFS), link then unlink, so that for
  // a moment the file has both names): kAlreadyExists when `to` exists.
  // kUnsupported when the two are on different file systems, or for kNo
  // where neither way works. Nothing is synced: see SyncDir.
  virtual Status Rename(const std::string& from, const std::string& to,
                        Replace replace) = 0;

  // Whether a fresh listing of the folder of `path` holds its name. Stat
  // and open may answer from the kernel's name cache, which on an overlay
  // (and some network or FUSE mounts) still resolves a path whose real
  // file was renamed below it; the folder's listing is read anew and no
  // longer has the name. Costs a read of the whole folder (names only).
  virtual Result<bool> IsListed(const std::string& path) = 0;

  // Replaces the regular file `path` by an edited copy, atomically, for
  // changes to big user files (metadata written into a photo):
  //   1. copies `path` to a temp file in its folder (streamed, in-kernel
  //      where the file system can; never the whole file in memory), with
  //      the original's permission bits, owner (where allowed: root) and
  //      extended attributes (best effort: ACLs, user.* tags);
  //   2. calls `edit` on the temp;
  //   3. fsyncs the temp, checks that `path` was not changed meanwhile
  //      (same inode, size and mtime; else kBusy), renames the temp over
  //      `path` and fsyncs the folder.
  // On any failure before the rename, from `edit` included, the temp is
  // removed and `path` is byte-identical to what it was. A crash at any
  // point leaves the old file or the new one (and perhaps a stray temp).
  // The new file is a new inode with a new mtime, so callers that record
  // a stat must stat again, and other hard links keep the old content.
  // Symlinks, special files, read-only files, folders and mounts: as
  // AtomicWrite (refused, never followed or blocked on).
  // REQUIRES: `edit` changes the file only through `temp`.
  virtual Status ReplaceFile(const std::string& path, const EditFn& edit) = 0;

  // Copies the regular file `from` to the new name `to`, durably, for
  // moving a user file to another file system:
  //   1. streams `from` into `temp` (or, when `temp` is empty, a fresh
  //      ".NAME.phodex-tmp-XXXXXX") in `to`'s folder, in 1 MiB blocks (or
  //      in the kernel where it can), never the whole file in memory; the
  //      temp is created exclusively, so an existing file is never reused;
  //   2. gives it the permission bits and mtime of `from`, fsyncs it;
  //   3. links it at `to` without ever replacing a file there, removes the
  //      temp's name, and fsyncs the folder.
  // `from` is not changed. On success `to` holds all of `from`'s bytes and
  // is on disk. On any failure before step 3 places it, the temp is
  // removed and `to` is absent (or, for kAlreadyExists, untouched); an
  // error from the final fsync of the folder means `to` is complete and in
  // place but may not survive a power cut. A crash may leave the temp, never a
  // partial `to`: a caller that passes a `temp` it can find again (e.g. a
  // journaled name) can remove it later.
  // Errors: kAlreadyExists when `to` (or `temp`) exists; kNotFound when
  // `from` or `to`'s folder is missing; kInvalidArgument when `from` is not
  // a regular file (a symlink is not followed, a FIFO not waited on); kBusy
  // when `from` shrank while being read; kPermissionDenied for a read-only
  // folder or mount; kIo otherwise (a full disk). kUnsupported where the target
  // file system has no hard links and no RENAME_NOREPLACE.
  virtual Status CopyFileDurable(const std::string& from, const std::string& to,
                                 const std::string& temp) = 0;

  // fsyncs the folder `dir`, so that names created, renamed or removed in
  // it survive a power cut. File systems that cannot sync a folder are
  // taken as synced.
  virtual Status SyncDir(const std::string& dir) = 0;

  // The file system `path` (a folder, followed if a symlink) is on: its
  // UUID (/dev/disk/by-uuid), type (/proc/self/mountinfo) and statfs id,
  // each as far as the system tells (see core/root_identity.h); what
  // identifies a root's drive. Errors: those of stat(2) and statfs(2) on
  // `path` (kNotFound when it is missing); a table that cannot be read
  // only leaves its field unknown. The default knows nothing (all
  // unknown), for file systems that cannot tell.
  virtual Result<FileSystemIdentity> IdentifyFileSystem(
      const std::string& path) {
    PHODEX_TRY(Stat(path, Follow::kYes));
    return FileSystemIdentity{};
  }

  // The size of the file system `path` (a file or folder, followed if a
  // symlink) is on, and what of it is free for an unprivileged writer
  // (statvfs(2): f_blocks and f_bavail). Errors: those of statvfs
  // (kNotFound when `path` is missing). The default: kUnsupported, for file
  // systems that cannot tell.
  virtual Result<DiskSpace> SpaceAt(const std::string& path) {
    return MakeError(ErrorCode::kUnsupported, "no disk space figures",
                     "statvfs", path);
  }
};

// The real file system. Thread-safe.
std::unique_ptr<FileSystem> NewPosixFileSystem();

// The steps of AtomicWrite, ReplaceFile and CopyFileDurable (kRename: the
// no-replace link at the target), for fault injection.
enum class WriteStep {
  kCreateTemp,  // before the temp file is created
  kSyncTemp,    // after the content is written, before its fsync
  kRename,      // before the temp is renamed over the target
  kSyncDir,     // after the rename, before the folder's fsync
};
// Called before each step with the target path. An error it returns is
// taken as that step's failure; it may also _exit() to simulate a crash.
using WriteFaultHookForTesting =
    std::function<Status(WriteStep step, const std::string& path)>;

// The real file system with a fault hook (leveldb's FaultInjectionTestEnv,
// for the steps that make writes atomic).
std::unique_ptr<FileSystem> NewPosixFileSystemForTesting(
    WriteFaultHookForTesting hook);

// Whether `name` is the temporary file of an AtomicWrite, ReplaceFile or
// WriteCacheFile (".NAME.phodex-tmp-XXXXXX", XXXXXX six letters or
// digits). An interrupt waits for such a write to finish or roll back
// (os/process.h, DeferInterruptExit), so one outlives its write only when
// the process was killed (SIGKILL, a crash, a power cut) in the middle.
bool IsWriteTempName(std::string_view name);
// How old (mtime) such a temp must be before it is taken for a stray and
// removed: by the next AtomicWrite or ReplaceFile into its folder (once per
// folder and process) and by the next scan of its folder. Writes under
// phodex's locks never overlap, so this only guards against a write of
// another catalog's phodex in progress at that instant.
inline constexpr int64_t kStrayTempAgeNs = int64_t{60} * 1'000'000'000;

// Joins two path pieces with exactly one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

// The folder part of a path ("/a/b/c.jpg" -> "/a/b", "c" -> ".").
std::string DirName(std::string_view path);

// The last component ("/a/b/c.jpg" -> "c.jpg").
std::string_view BaseName(std::string_view path);

}  // namespace phodex::os
