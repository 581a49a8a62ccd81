#pragma once
// An in-memory FileSystem for tests (after leveldb's FaultInjectionTestEnv
// and ninja's VirtualFileSystem): build a tree, inject permission errors,
// vanishing files, loops and foreign mounts. Thread-safe (one mutex).

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "os/file_system.h"

namespace phodex::testing {

class FakeFileSystem final : public os::FileSystem {
 public:
  // Creates a file (and its parent folders) with `content`.
  void AddFile(const std::string& path, const std::string& content,
               int64_t mtime_ns = 1'000'000'000);
  void AddDir(const std::string& path);
  // A symlink at `path` pointing at absolute `target`. OpenForRead follows
  // it; AtomicWrite and ReplaceFile refuse it, as the real one does.
  void AddSymlink(const std::string& path, const std::string& target);
  // A FIFO (FileType::kOther) at `path`: OpenForRead, AtomicWrite and
  // ReplaceFile refuse it at once ("not a regular file (a FIFO)").
  void AddFifo(const std::string& path);
  void Remove(const std::string& path);
  // Listing `dir` fails with EACCES.
  void DenyList(const std::string& dir) { deny_list_.insert(dir); }
  // Opening `path` fails with ENOENT (vanished after it was listed).
  void VanishOnRead(const std::string& path) { vanish_.insert(path); }
  // Opening `path` fails with EACCES.
  void DenyRead(const std::string& path) { deny_read_.insert(path); }
  void AllowRead(const std::string& path) { deny_read_.erase(path); }
  // AtomicWrite and ReplaceFile of a file in `dir` fail with EACCES, as in
  // a read-only folder, before anything is written.
  void DenyWrite(const std::string& dir) { deny_write_.insert(dir); }
  // The final rename of AtomicWrite and ReplaceFile onto `path` fails with
  // EIO (after ReplaceFile's edit ran): a crash or a full disk at the last
  // step. The temp is removed, `path` keeps its content.
  void FailRename(const std::string& path) { fail_rename_.insert(path); }
  // `dir` and everything below report device `dev` (a mount point).
  void SetDevice(const std::string& dir, uint64_t dev) { devices_[dir] = dev; }
  // IdentifyFileSystem of `dir` and everything below answers `id` (a
  // mount point); Unset... takes it back (the drive was unmounted). Paths
  // below no such folder are on a file system of type "fakefs" with
  // nothing else known.
  void SetFileSystemIdentity(const std::string& dir, FileSystemIdentity id);
  void UnsetFileSystemIdentity(const std::string& dir);
  // IdentifyFileSystem of `path` fails with EIO (a statfs that fails).
  void FailIdentify(const std::string& path) { fail_identify_.insert(path); }
  void AllowIdentify(const std::string& path) { fail_identify_.erase(path); }
  void Touch(const std::string& path, int64_t mtime_ns);
  // `dir` shows the files of `real_dir` on device `dev`, as a bind mount,
  // an overlay or a network share of it does: a path double. Stat and
  // OpenForRead of a path below `dir` behave like the kernel's name cache:
  // once resolved, the path still finds its file after the file is renamed
  // in `real_dir` (only ListDir and IsListed see the rename). kOther gives
  // the files other inode numbers than in `real_dir` (an overlay with
  // xino, a FUSE mount); kSame the same ones (an overlay of one file
  // system, NFS).
  enum class DoubleIno { kSame, kOther };
  void AddPathDouble(const std::string& dir, const std::string& real_dir,
                     uint64_t dev, DoubleIno ino);
  // Link, Rename and RemoveFile of `path` fail with EIO.
  void FailChange(const std::string& path) { fail_change_.insert(path); }

  Result<std::vector<os::DirEntry>> ListDir(const std::string& dir,
                                            os::Follow follow) override;
  Result<FileStat> Stat(const std::string& path, os::Follow follow) override;
  Result<std::unique_ptr<os::RandomAccessFile>> OpenForRead(
      const std::string& path, os::AccessPattern pattern) override;
  Result<std::string> RealPath(const std::string& path) override;
  Status MakeDirs(const std::string& path) override;
  Status AtomicWrite(const std::string& path, std::string_view data) override;
  Status WriteCacheFile(const std::string& path,
                        std::string_view data) override {
    return AtomicWrite(path, data);
  }
  Status RemoveFile(const std::string& path) override;
  // Links share the inode number (not later AddFile edits). Across
  // devices: kUnsupported.
  Status Link(const std::string& existing, const std::string& link) override;
  Status Rename(const std::string& from, const std::string& to,
                os::Replace replace) override;
  Result<bool> IsListed(const std::string& path) override;
  // The edit sees an in-memory copy; the temp ("DIR/.NAME.phodex-tmp") is
  // listed while the edit runs. No Exiv2 on it: use real files for that.
  Status ReplaceFile(const std::string& path,
                     const os::EditFn& edit) override;

  // Copies the node (content, mtime) to a new inode at `to`; no temp is
  // ever listed. Refuses an existing `to` (kAlreadyExists), a missing
  // folder (kNotFound); DenyWrite and FailRename apply to `to`.
  Status CopyFileDurable(const std::string& from, const std::string& to,
                         const std::string& temp) override;
  // Counts the calls; always succeeds.
  Status SyncDir(const std::string& dir) override;
  // As set by SetFileSystemIdentity; kNotFound for a missing path.
  Result<FileSystemIdentity> IdentifyFileSystem(
      const std::string& path) override;

  int list_calls() const { return list_calls_; }
  int sync_dir_calls() const { return sync_dir_calls_; }
  // Files opened for reading so far, but the root marker (".phodex-root",
  // scan/root_identity.h), which every scan reads: tests count media reads.
  int read_calls() const { return read_calls_; }

 private:
  struct Node {
    FileType type = FileType::kRegular;
    std::string content;  // file content or symlink target
    FileTime mtime;
    uint64_t ino = 0;
  };
  struct Double {
    std::string real_dir;
    uint64_t dev = 0;
    DoubleIno ino = DoubleIno::kSame;
  };
  Result<FileStat> StatLocked(const std::string& path, os::Follow follow,
                              int depth);
  // The path double `path` is below, or null.
  const std::pair<const std::string, Double>* DoubleOf(
      const std::string& path) const;
  // `path` with a path double's folder replaced by its real folder.
  std::string Real(const std::string& path) const;
  // The node at `path`, through path doubles and their name cache; null
  // when there is none.
  const Node* Resolve(const std::string& path);
  uint64_t DeviceOf(const std::string& path) const;
  void AddParents(const std::string& path);
  Status CheckWritable(const std::string& path) const;
  // CheckWritable, and what AtomicWrite and ReplaceFile refuse at `path`:
  // a symlink, a FIFO.
  Status CheckReplaceable(const std::string& path) const;

  std::mutex mu_;
  std::map<std::string, Node> nodes_;
  std::set<std::string> deny_list_;
  std::set<std::string> vanish_;
  std::set<std::string> deny_read_;
  std::set<std::string> deny_write_;
  std::set<std::string> fail_rename_;
  std::map<std::string, uint64_t> devices_;
  std::map<std::string, Double> doubles_;
  std::map<std::string, uint64_t> name_cache_;  // double's path -> ino
  std::set<std::string> fail_change_;
  std::map<std::string, FileSystemIdentity> fs_ids_;
  std::set<std::string> fail_identify_;
  uint64_t next_ino_ = 100;
  int list_calls_ = 0;
  int read_calls_ = 0;
  int sync_dir_calls_ = 0;
};

}  // namespace phodex::testing
