#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "os/clock.h"
#include "os/file_system.h"
#include "os/file_system_identity.h"
#include "os/process.h"
#include "os/unique_fd.h"
#include "util/metrics.h"
#include "util/mutex.h"

namespace phodex::os {
namespace {

FileType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return FileType::kRegular;
  if (S_ISDIR(mode)) return FileType::kDirectory;
  if (S_ISLNK(mode)) return FileType::kSymlink;
  return FileType::kOther;
}

FileStat ToFileStat(const struct stat& st) {
  FileStat s;
  s.dev = static_cast<uint64_t>(st.st_dev);
  s.ino = static_cast<uint64_t>(st.st_ino);
  s.size = static_cast<int64_t>(st.st_size);
  s.mtime = FileTime::FromParts(static_cast<int64_t>(st.st_mtim.tv_sec),
                                st.st_mtim.tv_nsec);
  s.ctime = FileTime::FromParts(static_cast<int64_t>(st.st_ctim.tv_sec),
                                st.st_ctim.tv_nsec);
  s.type = TypeOf(st.st_mode);
  return s;
}

// What a file that is not a regular one is, for messages.
const char* KindOf(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a special file";
}

std::unexpected<Error> NotRegular(mode_t mode, std::string op,
                                  std::string path) {
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string("not a regular file (") + KindOf(mode) + ")",
                   std::move(op), std::move(path));
}

std::unexpected<Error> LinkRefused(std::string op, std::string path) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "is a symbolic link; phodex does not write through links",
                   std::move(op), std::move(path));
}

struct OpenedFile {
  UniqueFd fd;
  struct stat st;
};

// Opens `name` (relative to `dir_fd`, or a path with AT_FDCWD) for reading,
// and only if it is a regular file. The open itself never blocks: without
// O_NONBLOCK, open(2) of a FIFO waits for a writer forever (and a device
// may wait for its hardware); with it, a FIFO opens at once and fstat
// tells what it is. O_NONBLOCK is then cleared for the reads (network and
// FUSE file systems may honour it). `extra` may add O_NOFOLLOW: a symlink
// is then refused rather than followed.
Result<OpenedFile> OpenRegularAt(int dir_fd, const char* name, int extra,
                                 const char* op, const std::string& path) {
  OpenedFile f;
  f.fd = UniqueFd(::openat(
      dir_fd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | extra));
  if (!f.fd) {
    if (errno == ELOOP && (extra & O_NOFOLLOW) != 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "not a regular file (a symbolic link; not followed)", op,
                       path);
    }
    return ErrnoError(errno, op, path);
  }
  if (::fstat(f.fd.get(), &f.st) != 0) return ErrnoError(errno, "stat", path);
  if (!S_ISREG(f.st.st_mode)) return NotRegular(f.st.st_mode, op, path);
  // O_NONBLOCK is the only status flag the open set: one call clears it.
  if (::fcntl(f.fd.get(), F_SETFL, 0) != 0) {
    return ErrnoError(errno, op, path);
  }
  return f;
}

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(UniqueFd fd, std::string path, int64_t size)
      : fd_(std::move(fd)), path_(std::move(path)), size_(size) {}

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_.get(), buf + got, n - got,
                                static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(errno, "read", path_);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return got;
  }
  int64_t size() const override { return size_; }

 private:
  UniqueFd fd_;
  std::string path_;
  int64_t size_;
};

// Where a write is refused: a read-only mount (a camera card, a share) is a
// permission problem to the user, not an I/O error.
std::unexpected<Error> RefusedWrite(int err, std::string op, std::string path) {
  Error e = Error::FromErrno(err, std::move(op), std::move(path));
  if (err == EROFS) {
    e = Error(ErrorCode::kPermissionDenied, e.message(), e.op(), e.path());
  }
  return std::unexpected(std::move(e));
}

// Writes all of `data` at `offset`.
Status WriteAllAt(int fd, uint64_t offset, std::string_view data,
                  const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write", path);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

class PosixTempFile final : public TempFile {
 public:
  PosixTempFile(int fd, const std::string& path) : fd_(fd), path_(path) {}

  const std::string& path() const override { return path_; }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, buf + got, n - got,
                                static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(errno, "read", path_);
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return got;
  }
  Status WriteAt(uint64_t offset, std::string_view data) override {
    return WriteAllAt(fd_, offset, data, path_);
  }
  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoError(errno, "truncate", path_);
    }
    return {};
  }
  Result<int64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoError(errno, "stat", path_);
    return static_cast<int64_t>(st.st_size);
  }

 private:
  int fd_;
  const std::string& path_;
};

// The folder a write happens in, opened once. Every later step (the look
// at the target, the temp, the rename, the folder's fsync) is relative to
// this descriptor, so a folder renamed or swapped for a link meanwhile
// cannot send the write somewhere else. The folder's own path is followed
// as the caller gave it; only the file's name is never followed.
struct Folder {
  UniqueFd fd;
  std::string path;
};

Result<Folder> OpenFolder(const std::string& dir) {
  Folder f;
  f.fd = UniqueFd(::open(
      dir.c_str(), O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!f.fd) return RefusedWrite(errno, "create temporary file in", dir);
  f.path = dir;
  return f;
}

// Makes renames in the open folder durable. File systems that cannot sync
// a folder say EINVAL; there is nothing more to do on those.
Status SyncFolderFd(int fd, const std::string& dir) {
  if (::fsync(fd) != 0 && errno != EINVAL) {
    return ErrnoError(errno, "sync folder", dir);
  }
  return {};
}

// A temp file beside the file it will replace; removed when it goes out of
// scope before Commit() renamed it. `name` is relative to `dir_fd` (which
// must outlive it), or a path with AT_FDCWD.
struct Temp {
  UniqueFd fd;
  int dir_fd = AT_FDCWD;
  std::string name;  // empty once it was renamed into place
  std::string path;  // for messages, and for libraries that open by name
  Temp() = default;
  Temp(Temp&& o) noexcept
      : fd(std::move(o.fd)),
        dir_fd(o.dir_fd),
        name(std::move(o.name)),
        path(std::move(o.path)) {
    o.name.clear();
  }
  Temp& operator=(Temp&&) = delete;
  ~Temp() {
    fd.reset();
    if (!name.empty()) ::unlinkat(dir_fd, name.c_str(), 0);
  }
};

constexpr std::string_view kTempInfix = ".phodex-tmp-";
constexpr size_t kTempRandomChars = 6;  // as mkostemp's XXXXXX

// A fresh ".NAME.phodex-tmp-XXXXXX" in `folder`, created exclusively (never
// an existing file, never through a link: O_EXCL does not follow one).
Result<Temp> CreateTemp(const Folder& folder, std::string_view target_name) {
  static constexpr char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // Short enough for NAME_MAX even when the target's name is 255 bytes.
  // Appended piece by piece: GCC 12 misreads `"." + std::string` as an
  // overlapping memcpy (-Wrestrict, GCC bug 105651) in Release builds.
  std::string base = ".";
  base += target_name.substr(0, 200);
  base += kTempInfix;
  for (int attempt = 0; attempt < 100; ++attempt) {
    unsigned char random[kTempRandomChars];
    if (::getrandom(random, sizeof random, 0) != sizeof random) {
      return ErrnoError(errno, "create temporary file in", folder.path);
    }
    Temp t;
    t.dir_fd = folder.fd.get();
    t.name = base;
    for (unsigned char r : random) t.name += kChars[r % (sizeof kChars - 1)];
    t.fd = UniqueFd(::openat(
        folder.fd.get(), t.name.c_str(),
        O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
    if (!t.fd) {
      const int err = errno;
      t.name.clear();  // not ours to remove
      if (err == EEXIST) continue;
      return RefusedWrite(err, "create temporary file in", folder.path);
    }
    t.path = JoinPath(folder.path, t.name);
    return t;
  }
  return MakeError(ErrorCode::kAlreadyExists, "no free temporary name",
                   "create temporary file in", folder.path);
}

// A temp file named `name` (created exclusively: never an existing file),
// or a fresh one in `folder` when `name` is empty.
Result<Temp> CreateNamedTemp(const Folder& folder, std::string_view target_name,
                             const std::string& name) {
  if (name.empty()) return CreateTemp(folder, target_name);
  Temp t;
  t.fd = UniqueFd(::open(
      name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600));
  if (!t.fd) return RefusedWrite(errno, "create temporary file", name);
  t.name = name;
  t.path = name;
  return t;
}

// Gives `temp`'s file the name `to` without replacing anything there:
// link()+unlink(), or renameat2(RENAME_NOREPLACE) where the file system
// has no hard links.
Status PlaceNoReplace(Temp& temp, const std::string& to) {
  if (::link(temp.path.c_str(), to.c_str()) == 0) {
    ::unlink(temp.path.c_str());  // a second name of `to`; nothing lost
    temp.name.clear();
    return {};
  }
  int err = errno;
  if (err == EPERM || err == EOPNOTSUPP || err == ENOTSUP) {
    if (::renameat2(AT_FDCWD, temp.path.c_str(), AT_FDCWD, to.c_str(),
                    RENAME_NOREPLACE) == 0) {
      temp.name.clear();
      return {};
    }
    err = errno;
    if (err == EINVAL || err == ENOSYS) {
      return MakeError(ErrorCode::kUnsupported,
                       "no hard links and no RENAME_NOREPLACE here", "create",
                       to);
    }
  }
  if (err == EEXIST) {
    return MakeError(ErrorCode::kAlreadyExists, "exists; not replaced",
                     "create", to);
  }
  return RefusedWrite(err, "create", to);
}

// A rename that never replaces, where RENAME_NOREPLACE is not known:
// link(), which refuses an existing name, then unlink() of the old name.
Status RenameByLink(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST) {
      return MakeError(ErrorCode::kAlreadyExists, "exists; not replaced",
                       "rename '" + from + "' to", to);
    }
    if (err == EPERM || err == EOPNOTSUPP || err == ENOTSUP) {
      return MakeError(ErrorCode::kUnsupported,
                       "no RENAME_NOREPLACE and no hard links here",
                       "rename '" + from + "' to", to);
    }
    return RefusedWrite(err, "rename to '" + to + "'", from);
  }
  if (::unlink(from.c_str()) != 0) {
    const int err = errno;
    ::unlink(to.c_str());  // a second name of `from`: back as it was
    return RefusedWrite(err, "rename to '" + to + "'", from);
  }
  return {};
}
// What is at `name` in `folder` now: nothing (a new file) or a regular
// file, whose stat is returned. A symlink is refused, not followed: a
// write must not land outside the folder it was asked for (a sidecar
// linked to ~/.bashrc). Any other kind of file (a FIFO, a device) is
// refused too: a rename would replace it by a regular file.
Result<std::optional<struct stat>> ExistingTarget(const Folder& folder,
                                                  const std::string& name,
                                                  const std::string& path) {
  struct stat st;
  if (::fstatat(folder.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return std::nullopt;
    return ErrnoError(errno, "stat", path);
  }
  if (S_ISLNK(st.st_mode)) return LinkRefused("write", path);
  if (!S_ISREG(st.st_mode)) return NotRegular(st.st_mode, "write", path);
  return st;
}

// A rename would replace a file that may not be written in place; such a
// file (no write permission, or no write bit at all: root passes every
// access check) is left alone. REQUIRES: `name` is no symlink.
Status CheckWritable(const Folder& folder, const std::string& name, mode_t mode,
                     const std::string& path) {
  if (::faccessat(folder.fd.get(), name.c_str(), W_OK, 0) != 0) {
    return RefusedWrite(errno, "write", path);
  }
  if ((mode & 0222) == 0) {
    return MakeError(ErrorCode::kPermissionDenied, "file is read-only",
                     "write", path);
  }
  return {};
}

// Makes a rename in `dir` durable.
Status SyncFolder(const std::string& dir) {
  UniqueFd dfd(
      ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC));
  if (!dfd) return ErrnoError(errno, "open directory", dir);
  return SyncFolderFd(dfd.get(), dir);
}

// Where a copy failed: errors of writing (a full disk, a quota, a file
// too big for the target) name the file written, others the one read.
std::unexpected<Error> CopyError(int err, const std::string& from,
                                 const std::string& to) {
  if (err == ENOSPC || err == EDQUOT || err == EFBIG || err == EROFS) {
    return RefusedWrite(err, "write", to);
  }
  return ErrnoError(err, "copy to '" + to + "' from", from);
}

// Copies `size` bytes of `from` (open as `in`) into `to` (open as `out`) in
// the kernel (copy_file_range: a reflink on btrfs and XFS), falling back to
// read/write in 1 MiB blocks.
Status CopyContent(int in, int out, int64_t size, const std::string& from,
                   const std::string& to) {
  constexpr size_t kCopyBlockBytes = size_t{1} << 20;
  loff_t done = 0;
  bool in_kernel = true;
  std::vector<char> buf;
  while (done < size) {
    const size_t want =
        static_cast<size_t>(std::min<int64_t>(size - done, kCopyBlockBytes));
    ssize_t n;
    if (in_kernel) {
      loff_t in_off = done, out_off = done;
      n = ::copy_file_range(in, &in_off, out, &out_off, want, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                    errno == EOPNOTSUPP)) {
        in_kernel = false;
        continue;
      }
    } else {
      buf.resize(kCopyBlockBytes);
      n = ::pread(in, buf.data(), want, done);
      if (n < 0 && errno != EINTR) return ErrnoError(errno, "read", from);
      if (n > 0) {
        PHODEX_TRY(WriteAllAt(out, static_cast<uint64_t>(done),
                              std::string_view(buf.data(), n), to));
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return CopyError(errno, from, to);
    }
    if (n == 0) {
      return MakeError(ErrorCode::kBusy, "file shrank while being copied",
                       "copy", from);
    }
    done += n;
  }
  return {};
}

// Owner (where allowed: only root may give a file away), then mode (a
// chown clears set-id bits), then extended attributes (ACLs, user.* tags),
// best effort: a file system or a label that refuses them is no reason to
// refuse the write.
Status CopyAttributes(int in, const struct stat& st, const Temp& t) {
  if (st.st_uid != ::geteuid() || st.st_gid != ::getegid()) {
    if (::fchown(t.fd.get(), st.st_uid, st.st_gid) != 0) {
      // Not permitted: the new file belongs to us.
    }
  }
  if (::fchmod(t.fd.get(), st.st_mode & 07777) != 0) {
    return ErrnoError(errno, "chmod", t.path);
  }
  const ssize_t len = ::flistxattr(in, nullptr, 0);
  if (len <= 0) return {};
  std::string names(static_cast<size_t>(len), '\0');
  const ssize_t got = ::flistxattr(in, names.data(), names.size());
  for (ssize_t p = 0; p < got;) {
    const char* name = names.data() + p;
    p += static_cast<ssize_t>(std::strlen(name)) + 1;
    const ssize_t vlen = ::fgetxattr(in, name, nullptr, 0);
    if (vlen < 0) continue;
    std::string value(static_cast<size_t>(vlen), '\0');
    const ssize_t v = ::fgetxattr(in, name, value.data(), value.size());
    if (v >= 0) ::fsetxattr(t.fd.get(), name, value.data(), v, 0);
  }
  return {};
}

// Removes the temps that writes of killed processes left in `dir`
// (IsWriteTempName, older than kStrayTempAgeNs). Best effort: a folder
// that cannot be listed or a temp that cannot be removed is left.
void RemoveStrayTemps(const std::string& dir) {
  const int fd =
      ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return;
  }
  const int64_t before = SystemClock().NowUnixNs() - kStrayTempAgeNs;
  while (struct dirent* de = ::readdir(d)) {
    if (!IsWriteTempName(de->d_name)) continue;
    struct stat st;
    if (::fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && ToFileStat(st).mtime < FileTime::FromNanos(before)) {
      ::unlinkat(fd, de->d_name, 0);
    }
  }
  ::closedir(d);  // closes fd
}

class PosixFileSystem final : public FileSystem {
 public:
  explicit PosixFileSystem(WriteFaultHookForTesting hook = {})
      : hook_(std::move(hook)) {}

  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(
      const std::string& path, AccessPattern pattern) override {
    PHODEX_ASSIGN_OR_RETURN(
        OpenedFile f, OpenRegularAt(AT_FDCWD, path.c_str(), 0, "open", path));
    ::posix_fadvise(f.fd.get(), 0, 0,
                    pattern == AccessPattern::kSequential
                        ? POSIX_FADV_SEQUENTIAL
                        : POSIX_FADV_RANDOM);
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(
        std::move(f.fd), path, static_cast<int64_t>(f.st.st_size)));
  }

  Result<std::vector<DirEntry>> ListDir(const std::string& dir,
                                        Follow follow) override {
    PHODEX_METRIC_RECORD("fs.list_dir");
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NONBLOCK |
                                           O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return ErrnoError(errno, "open directory", dir);
    DIR* d = ::fdopendir(fd);
    if (d == nullptr) {
      const int err = errno;
      ::close(fd);
      return ErrnoError(err, "open directory", dir);
    }
    std::vector<DirEntry> entries;
    const int flags = follow == Follow::kYes ? 0 : AT_SYMLINK_NOFOLLOW;
    for (;;) {
      errno = 0;
      struct dirent* de = ::readdir(d);
      if (de == nullptr) {
        if (errno != 0) {
          const int err = errno;
          ::closedir(d);
          return ErrnoError(err, "read directory", dir);
        }
        break;
      }
      const char* name = de->d_name;
      if (name[0] == '.' &&
          (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) {
        continue;
      }
      DirEntry& e = entries.emplace_back();
      e.name = name;
      struct stat st;
      if (::fstatat(fd, name, &st, flags) == 0) {
        e.stat = ToFileStat(st);
      } else {
        e.error = Error::FromErrno(errno, "stat", JoinPath(dir, e.name));
      }
    }
    ::closedir(d);  // closes fd
    return entries;
  }

  Result<FileStat> Stat(const std::string& path, Follow follow) override {
    struct stat st;
    const int rc = follow == Follow::kYes ? ::stat(path.c_str(), &st)
                                          : ::lstat(path.c_str(), &st);
    if (rc != 0) return ErrnoError(errno, "stat", path);
    return ToFileStat(st);
  }

  Result<std::string> RealPath(const std::string& path) override {
    char* resolved = ::realpath(path.c_str(), nullptr);
    if (resolved == nullptr) return ErrnoError(errno, "resolve path", path);
    std::string out(resolved);
    std::free(resolved);
    return out;
  }

  Status MakeDirs(const std::string& path) override {
    if (path.empty()) return {};
    std::string partial;
    size_t pos = 0;
    while (pos != std::string::npos) {
      pos = path.find('/', pos + 1);
      partial = path.substr(0, pos);
      if (partial.empty()) continue;
      if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoError(errno, "create directory", partial);
      }
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      return ErrnoError(errno, "create directory", path);
    }
    if (!S_ISDIR(st.st_mode)) {
      return MakeError(ErrorCode::kAlreadyExists, "exists and is not a folder",
                       "create directory", path);
    }
    return {};
  }

  Status AtomicWrite(const std::string& path, std::string_view data) override {
    // An interrupt waits for the temp to be renamed or removed.
    DeferInterruptExit defer;
    const std::string name(BaseName(path));
    PHODEX_ASSIGN_OR_RETURN(const Folder folder, OpenFolder(DirName(path)));
    PHODEX_ASSIGN_OR_RETURN(const std::optional<struct stat> existing,
                            ExistingTarget(folder, name, path));
    CleanFolderOnce(folder.path);
    mode_t mode = 0644;
    if (existing) {
      mode = existing->st_mode & 07777;
      PHODEX_TRY(CheckWritable(folder, name, existing->st_mode, path));
    }
    PHODEX_TRY(Hook(WriteStep::kCreateTemp, path));
    PHODEX_ASSIGN_OR_RETURN(Temp temp, CreateTemp(folder, name));
    PHODEX_TRY(WriteAllAt(temp.fd.get(), 0, data, temp.path));
    if (::fchmod(temp.fd.get(), mode) != 0) {
      return ErrnoError(errno, "chmod", temp.path);
    }
    return Commit(folder, temp, name, path, [] { return Status{}; });
  }

  Status WriteCacheFile(const std::string& path,
                        std::string_view data) override {
    DeferInterruptExit defer;
    const std::string name(BaseName(path));
    PHODEX_ASSIGN_OR_RETURN(const Folder folder, OpenFolder(DirName(path)));
    PHODEX_ASSIGN_OR_RETURN(Temp temp, CreateTemp(folder, name));
    PHODEX_TRY(WriteAllAt(temp.fd.get(), 0, data, temp.path));
    if (::fchmod(temp.fd.get(), 0644) != 0) {
      return ErrnoError(errno, "chmod", temp.path);
    }
    if (::close(temp.fd.release()) != 0) {
      return ErrnoError(errno, "close", temp.path);
    }
    if (::renameat(folder.fd.get(), temp.name.c_str(), folder.fd.get(),
                   name.c_str()) != 0) {
      return RefusedWrite(errno, "rename", temp.path);
    }
    temp.name.clear();  // it is the target now
    return {};
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoError(errno, "remove", path);
    return {};
  }

  Status Link(const std::string& existing, const std::string& link) override {
    if (::link(existing.c_str(), link.c_str()) == 0) return {};
    const int err = errno;
    if (err == EXDEV || err == EPERM || err == EOPNOTSUPP || err == ENOTSUP) {
      return MakeError(
          ErrorCode::kUnsupported,
          std::string(std::strerror(err)) + " (linking to '" + existing + "')",
          "create hard link", link);
    }
    if (err == EEXIST) {
      return MakeError(ErrorCode::kAlreadyExists, "exists; not replaced",
                       "create hard link", link);
    }
    return RefusedWrite(err, "create hard link to '" + existing + "' at", link);
  }

  Status Rename(const std::string& from, const std::string& to,
                Replace replace) override {
    const int rc = replace == Replace::kYes
                       ? ::rename(from.c_str(), to.c_str())
                       : ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD,
                                     to.c_str(), RENAME_NOREPLACE);
    if (rc == 0) return {};
    const int err = errno;
    if (err == EXDEV) {
      return MakeError(
          ErrorCode::kUnsupported,
          std::string(std::strerror(err)) + " (renaming to '" + to + "')",
          "rename", from);
    }
    if (err == EEXIST) {
      return MakeError(ErrorCode::kAlreadyExists, "exists; not replaced",
                       "rename '" + from + "' to", to);
    }
    if (replace == Replace::kNo && (err == EINVAL || err == ENOSYS)) {
      return RenameByLink(from, to);  // no RENAME_NOREPLACE here (NFS)
    }
    return RefusedWrite(err, "rename to '" + to + "'", from);
  }

  Result<bool> IsListed(const std::string& path) override {
    const std::string dir = DirName(path);
    const std::string_view name = BaseName(path);
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) return false;
      return ErrnoError(errno, "open directory", dir);
    }
    bool found = false;
    for (;;) {
      errno = 0;
      struct dirent* de = ::readdir(d);
      if (de == nullptr) break;
      if (name == de->d_name) {
        found = true;
        break;
      }
    }
    const int err = errno;
    ::closedir(d);
    if (!found && err != 0) return ErrnoError(err, "read directory", dir);
    return found;
  }

  Status CopyFileDurable(const std::string& from, const std::string& to,
                         const std::string& temp_name) override {
    // An interrupt waits for the temp to be placed or removed.
    DeferInterruptExit defer;
    PHODEX_ASSIGN_OR_RETURN(
        const OpenedFile source,
        OpenRegularAt(AT_FDCWD, from.c_str(), O_NOFOLLOW, "copy", from));
    const UniqueFd& in = source.fd;
    const struct stat& st = source.st;
    PHODEX_ASSIGN_OR_RETURN(const Folder folder, OpenFolder(DirName(to)));
    PHODEX_TRY(Hook(WriteStep::kCreateTemp, to));
    PHODEX_ASSIGN_OR_RETURN(Temp temp,
                            CreateNamedTemp(folder, BaseName(to), temp_name));
    PHODEX_TRY(
        CopyContent(in.get(), temp.fd.get(), st.st_size, from, temp.path));
    PHODEX_TRY(CopyAttributes(in.get(), st, temp));
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(temp.fd.get(), times) != 0) {
      return ErrnoError(errno, "set mtime", temp.path);
    }
    PHODEX_TRY(Hook(WriteStep::kSyncTemp, to));
    if (::fsync(temp.fd.get()) != 0) {
      return ErrnoError(errno, "fsync", temp.path);
    }
    if (::close(temp.fd.release()) != 0) {
      return ErrnoError(errno, "close", temp.path);
    }
    PHODEX_TRY(Hook(WriteStep::kRename, to));
    PHODEX_TRY(PlaceNoReplace(temp, to));
    PHODEX_TRY(Hook(WriteStep::kSyncDir, to));
    return SyncFolderFd(folder.fd.get(), folder.path);
  }

  Status SyncDir(const std::string& dir) override { return SyncFolder(dir); }

  Result<FileSystemIdentity> IdentifyFileSystem(
      const std::string& path) override {
    PHODEX_ASSIGN_OR_RETURN(const std::string real, RealPath(path));
    return IdentifyMountedFileSystem(real);
  }

  Result<DiskSpace> SpaceAt(const std::string& path) override {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0) {
      return ErrnoError(errno, "statvfs", path);
    }
    const auto unit = static_cast<int64_t>(st.f_frsize ? st.f_frsize : st.f_bsize);
    return DiskSpace{static_cast<int64_t>(st.f_blocks) * unit,
                     static_cast<int64_t>(st.f_bavail) * unit};
  }

  Status ReplaceFile(const std::string& path, const EditFn& edit) override {
    DeferInterruptExit defer;
    const std::string name(BaseName(path));
    PHODEX_ASSIGN_OR_RETURN(const Folder folder, OpenFolder(DirName(path)));
    // Refuses a symlink or a special file with its reason before opening
    // it; O_NOFOLLOW below catches one that appears meanwhile.
    PHODEX_ASSIGN_OR_RETURN(const std::optional<struct stat> existing,
                            ExistingTarget(folder, name, path));
    if (!existing) return ErrnoError(ENOENT, "open", path);
    CleanFolderOnce(folder.path);
    PHODEX_ASSIGN_OR_RETURN(const OpenedFile original,
                            OpenRegularAt(folder.fd.get(), name.c_str(),
                                          O_NOFOLLOW, "replace", path));
    const int in = original.fd.get();
    const struct stat& before = original.st;
    PHODEX_TRY(CheckWritable(folder, name, before.st_mode, path));
    PHODEX_TRY(Hook(WriteStep::kCreateTemp, path));
    PHODEX_ASSIGN_OR_RETURN(Temp temp, CreateTemp(folder, name));
    PHODEX_TRY(CopyContent(in, temp.fd.get(), before.st_size, path, temp.path));
    PHODEX_TRY(CopyAttributes(in, before, temp));
    PosixTempFile temp_file(temp.fd.get(), temp.path);
    PHODEX_TRY(edit(temp_file));
    // Another program may have written the file since we copied it; its
    // change must not be lost.
    auto unchanged = [&]() -> Status {
      struct stat now_in, now_path;
      if (::fstat(in, &now_in) != 0) return ErrnoError(errno, "stat", path);
      if (::fstatat(folder.fd.get(), name.c_str(), &now_path,
                    AT_SYMLINK_NOFOLLOW) != 0) {
        return ErrnoError(errno, "stat", path);
      }
      if (now_path.st_ino != before.st_ino ||
          now_path.st_dev != before.st_dev ||
          now_in.st_size != before.st_size ||
          now_in.st_mtim.tv_sec != before.st_mtim.tv_sec ||
          now_in.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
        return MakeError(ErrorCode::kBusy,
                         "changed by another program meanwhile; not replaced",
                         "replace", path);
      }
      return {};
    };
    return Commit(folder, temp, name, path, unchanged);
  }

 private:
  Status Hook(WriteStep step, const std::string& path) {
    return hook_ ? hook_(step, path) : Status{};
  }

  // RemoveStrayTemps before the first write into each folder: one listing
  // per folder and process (rating a thousand photos of one folder lists
  // it once).
  void CleanFolderOnce(const std::string& dir) {
    {
      util::MutexLock lock(cleaned_mu_);
      if (!cleaned_.insert(dir).second) return;
    }
    RemoveStrayTemps(dir);
  }

  // fsync, `check`, rename over `name` in `folder` (`path`), fsync of the
  // folder. Until the rename, a failure removes the temp (Temp's
  // destructor). The rename replaces whatever is at `name` then, never
  // what a link there points to.
  Status Commit(const Folder& folder, Temp& temp, const std::string& name,
                const std::string& path, const std::function<Status()>& check) {
    PHODEX_TRY(Hook(WriteStep::kSyncTemp, path));
    if (::fsync(temp.fd.get()) != 0) {
      return ErrnoError(errno, "fsync", temp.path);
    }
    if (::close(temp.fd.release()) != 0) {
      return ErrnoError(errno, "close", temp.path);
    }
    PHODEX_TRY(check());
    PHODEX_TRY(Hook(WriteStep::kRename, path));
    if (::renameat(folder.fd.get(), temp.name.c_str(), folder.fd.get(),
                   name.c_str()) != 0) {
      return RefusedWrite(errno, "rename", temp.path);
    }
    temp.name.clear();  // it is the target now
    PHODEX_TRY(Hook(WriteStep::kSyncDir, path));
    return SyncFolderFd(folder.fd.get(), folder.path);
  }

  WriteFaultHookForTesting hook_;
  util::Mutex cleaned_mu_;
  std::set<std::string> cleaned_ GUARDED_BY(cleaned_mu_);
};

}  // namespace

std::unique_ptr<FileSystem> NewPosixFileSystem() {
  return std::make_unique<PosixFileSystem>();
}

std::unique_ptr<FileSystem> NewPosixFileSystemForTesting(
    WriteFaultHookForTesting hook) {
  return std::make_unique<PosixFileSystem>(std::move(hook));
}

bool IsWriteTempName(std::string_view name) {
  // "." NAME ".phodex-tmp-" and six of mkostemp's letters and digits.
  if (name.size() < 2 + kTempInfix.size() + kTempRandomChars ||
      name.front() != '.') {
    return false;
  }
  const std::string_view random = name.substr(name.size() - kTempRandomChars);
  name.remove_suffix(kTempRandomChars);
  if (!name.ends_with(kTempInfix)) return false;
  return std::all_of(random.begin(), random.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
  });
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string out(a);
  if (out.back() != '/') out += '/';
  if (b.front() == '/') b.remove_prefix(1);
  out += b;
  return out;
}

std::string DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace phodex::os
