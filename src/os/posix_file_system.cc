#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "os/file_system.h"
#include "os/mount_info.h"
#include "os/unique_fd.h"
#include "util/metrics.h"

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
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
               st.st_mtim.tv_nsec;
  s.type = TypeOf(st.st_mode);
  return s;
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

// A temp file beside the file it will replace; removed when it goes out of
// scope before Commit() renamed it.
struct Temp {
  UniqueFd fd;
  std::string path;
  Temp() = default;
  Temp(Temp&& o) noexcept : fd(std::move(o.fd)), path(std::move(o.path)) {
    o.path.clear();
  }
  Temp& operator=(Temp&&) = delete;
  ~Temp() {
    fd.reset();
    if (!path.empty()) ::unlink(path.c_str());
  }
};

Result<Temp> CreateTemp(const std::string& target) {
  // Short enough for NAME_MAX even when the target's name is 255 bytes.
  const std::string base(BaseName(target).substr(0, 200));
  Temp t;
  std::string tmpl =
      JoinPath(DirName(target), "." + base + ".phodex-tmp-XXXXXX");
  t.fd = UniqueFd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (!t.fd) {
    return RefusedWrite(errno, "create temporary file in", DirName(target));
  }
  t.path = std::move(tmpl);
  return t;
}

// A temp file named `name` (created exclusively: never an existing file),
// or a fresh one beside `target` when `name` is empty.
Result<Temp> CreateNamedTemp(const std::string& target,
                             const std::string& name) {
  if (name.empty()) return CreateTemp(target);
  Temp t;
  t.fd = UniqueFd(::open(
      name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600));
  if (!t.fd) return RefusedWrite(errno, "create temporary file", name);
  t.path = name;
  return t;
}

// Gives `temp`'s file the name `to` without replacing anything there:
// link()+unlink(), or renameat2(RENAME_NOREPLACE) where the file system
// has no hard links.
Status PlaceNoReplace(Temp& temp, const std::string& to) {
  if (::link(temp.path.c_str(), to.c_str()) == 0) {
    ::unlink(temp.path.c_str());  // a second name of `to`; nothing lost
    temp.path.clear();
    return {};
  }
  int err = errno;
  if (err == EPERM || err == EOPNOTSUPP || err == ENOTSUP) {
    if (::renameat2(AT_FDCWD, temp.path.c_str(), AT_FDCWD, to.c_str(),
                    RENAME_NOREPLACE) == 0) {
      temp.path.clear();
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

// A symlink at `path` is followed (the link stays, its target is
// replaced); anything else, existing or not, is written at `path`.
Result<std::string> WriteTarget(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return ErrnoError(errno, "resolve path", path);
  std::string out(resolved);
  std::free(resolved);
  return out;
}

// A rename would replace a file that may not be written in place; such a
// file (no write permission, or no write bit at all: root passes every
// access check) is left alone.
Status CheckWritable(const std::string& path, mode_t mode) {
  if (::access(path.c_str(), W_OK) != 0) {
    return RefusedWrite(errno, "write", path);
  }
  if ((mode & 0222) == 0) {
    return MakeError(ErrorCode::kPermissionDenied, "file is read-only",
                     "write", path);
  }
  return {};
}

// Makes a rename in `dir` durable. File systems that cannot sync a folder
// say EINVAL; there is nothing more to do on those.
Status SyncFolder(const std::string& dir) {
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) return ErrnoError(errno, "open directory", dir);
  if (::fsync(dfd.get()) != 0 && errno != EINVAL) {
    return ErrnoError(errno, "sync folder", dir);
  }
  return {};
}

// Copies `size` bytes in the kernel (copy_file_range: a reflink on btrfs
// and XFS), falling back to read/write in 1 MiB blocks.
Status CopyContent(int in, int out, int64_t size, const std::string& path) {
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
      if (n > 0) {
        PHODEX_TRY(WriteAllAt(out, static_cast<uint64_t>(done),
                              std::string_view(buf.data(), n), path));
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "copy", path);
    }
    if (n == 0) {
      return MakeError(ErrorCode::kBusy, "file shrank while being copied",
                       "copy", path);
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

// A small kernel table (/proc/self/mountinfo): read in one go; "" when it
// cannot be read.
std::string ReadProcFile(const char* path) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return "";
  std::string out;
  char buf[16384];
  for (;;) {
    const ssize_t r = ::read(fd.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

// The name udev gives the block device `rdev` (or `source`'s device) in
// /dev/disk/by-uuid: the file system's UUID. "" where udev keeps no such
// folder (containers) or the file system has no block device.
std::string UuidOfDevice(dev_t dev, const std::string& source) {
  constexpr char kByUuid[] = "/dev/disk/by-uuid";
  dev_t source_dev = 0;
  struct stat st;
  if (source.starts_with("/dev/") && ::stat(source.c_str(), &st) == 0 &&
      S_ISBLK(st.st_mode)) {
    source_dev = st.st_rdev;
  }
  DIR* d = ::opendir(kByUuid);
  if (d == nullptr) return "";
  std::string uuid;
  while (struct dirent* de = ::readdir(d)) {
    if (de->d_name[0] == '.') continue;
    if (::fstatat(::dirfd(d), de->d_name, &st, 0) != 0) continue;
    if (S_ISBLK(st.st_mode) &&
        (st.st_rdev == dev || (source_dev != 0 && st.st_rdev == source_dev))) {
      uuid = de->d_name;
      break;
    }
  }
  ::closedir(d);
  return uuid;
}

class PosixFileSystem final : public FileSystem {
 public:
  explicit PosixFileSystem(WriteFaultHookForTesting hook = {})
      : hook_(std::move(hook)) {}

  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(
      const std::string& path, AccessPattern pattern) override {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd) return ErrnoError(errno, "open", path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return ErrnoError(errno, "stat", path);
    if (!S_ISREG(st.st_mode)) {
      return MakeError(ErrorCode::kInvalidArgument, "not a regular file",
                       "open", path);
    }
    ::posix_fadvise(fd.get(), 0, 0,
                    pattern == AccessPattern::kSequential
                        ? POSIX_FADV_SEQUENTIAL
                        : POSIX_FADV_RANDOM);
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(
        std::move(fd), path, static_cast<int64_t>(st.st_size)));
  }

  Result<std::vector<DirEntry>> ListDir(const std::string& dir,
                                        Follow follow) override {
    PHODEX_METRIC_RECORD("fs.list_dir");
    const int fd = ::open(dir.c_str(),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
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
    PHODEX_ASSIGN_OR_RETURN(const std::string target, WriteTarget(path));
    mode_t mode = 0644;
    struct stat st;
    if (::stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      mode = st.st_mode & 07777;
      PHODEX_TRY(CheckWritable(target, st.st_mode));
    }
    PHODEX_TRY(Hook(WriteStep::kCreateTemp, target));
    PHODEX_ASSIGN_OR_RETURN(Temp temp, CreateTemp(target));
    PHODEX_TRY(WriteAllAt(temp.fd.get(), 0, data, temp.path));
    if (::fchmod(temp.fd.get(), mode) != 0) {
      return ErrnoError(errno, "chmod", temp.path);
    }
    return Commit(temp, target, [] { return Status{}; });
  }

  Status WriteCacheFile(const std::string& path,
                        std::string_view data) override {
    PHODEX_ASSIGN_OR_RETURN(Temp temp, CreateTemp(path));
    PHODEX_TRY(WriteAllAt(temp.fd.get(), 0, data, temp.path));
    if (::fchmod(temp.fd.get(), 0644) != 0) {
      return ErrnoError(errno, "chmod", temp.path);
    }
    if (::close(temp.fd.release()) != 0) {
      return ErrnoError(errno, "close", temp.path);
    }
    if (::rename(temp.path.c_str(), path.c_str()) != 0) {
      return RefusedWrite(errno, "rename", temp.path);
    }
    temp.path.clear();  // it is the target now
    return {};
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoError(errno, "remove", path);
    return {};
  }

  Status CopyFileDurable(const std::string& from, const std::string& to,
                         const std::string& temp_name) override {
    UniqueFd in(
        ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW));
    if (!in) return ErrnoError(errno, "open", from);
    struct stat st;
    if (::fstat(in.get(), &st) != 0) return ErrnoError(errno, "stat", from);
    if (!S_ISREG(st.st_mode)) {
      return MakeError(ErrorCode::kInvalidArgument, "not a regular file",
                       "copy", from);
    }
    PHODEX_TRY(Hook(WriteStep::kCreateTemp, to));
    PHODEX_ASSIGN_OR_RETURN(Temp temp, CreateNamedTemp(to, temp_name));
    PHODEX_TRY(CopyContent(in.get(), temp.fd.get(), st.st_size, from));
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
    return SyncFolder(DirName(to));
  }

  Status SyncDir(const std::string& dir) override { return SyncFolder(dir); }

  Result<FileSystemIdentity> IdentifyFileSystem(
      const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError(errno, "stat", path);
    struct statfs sfs;
    if (::statfs(path.c_str(), &sfs) != 0) {
      return ErrnoError(errno, "statfs", path);
    }
    FileSystemIdentity id;
    static_assert(sizeof sfs.f_fsid == sizeof id.fsid);
    std::memcpy(&id.fsid, &sfs.f_fsid, sizeof id.fsid);
    const std::vector<MountEntry> mounts =
        ParseMountInfo(ReadProcFile("/proc/self/mountinfo"));
    std::string source;
    PHODEX_ASSIGN_OR_RETURN(const std::string real, RealPath(path));
    if (const MountEntry* m =
            FindMount(mounts, major(st.st_dev), minor(st.st_dev), real)) {
      id.type = m->type;
      source = m->source;
    }
    id.uuid = UuidOfDevice(st.st_dev, source);
    return id;
  }

  Status ReplaceFile(const std::string& path, const EditFn& edit) override {
    PHODEX_ASSIGN_OR_RETURN(const std::string target, WriteTarget(path));
    UniqueFd in(::open(target.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!in) return ErrnoError(errno, "open", target);
    struct stat before;
    if (::fstat(in.get(), &before) != 0) {
      return ErrnoError(errno, "stat", target);
    }
    if (!S_ISREG(before.st_mode)) {
      return MakeError(ErrorCode::kInvalidArgument, "not a regular file",
                       "replace", target);
    }
    PHODEX_TRY(CheckWritable(target, before.st_mode));
    PHODEX_TRY(Hook(WriteStep::kCreateTemp, target));
    PHODEX_ASSIGN_OR_RETURN(Temp temp, CreateTemp(target));
    PHODEX_TRY(CopyContent(in.get(), temp.fd.get(), before.st_size, target));
    PHODEX_TRY(CopyAttributes(in.get(), before, temp));
    PosixTempFile temp_file(temp.fd.get(), temp.path);
    PHODEX_TRY(edit(temp_file));
    // Another program may have written the file since we copied it; its
    // change must not be lost.
    auto unchanged = [&]() -> Status {
      struct stat now_in, now_path;
      if (::fstat(in.get(), &now_in) != 0) {
        return ErrnoError(errno, "stat", target);
      }
      if (::stat(target.c_str(), &now_path) != 0) {
        return ErrnoError(errno, "stat", target);
      }
      if (now_path.st_ino != before.st_ino ||
          now_path.st_dev != before.st_dev ||
          now_in.st_size != before.st_size ||
          now_in.st_mtim.tv_sec != before.st_mtim.tv_sec ||
          now_in.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
        return MakeError(ErrorCode::kBusy,
                         "changed by another program meanwhile; not replaced",
                         "replace", target);
      }
      return {};
    };
    return Commit(temp, target, unchanged);
  }

 private:
  Status Hook(WriteStep step, const std::string& path) {
    return hook_ ? hook_(step, path) : Status{};
  }

  // fsync, `check`, rename over `target`, fsync of the folder. Until the
  // rename, a failure removes the temp (Temp's destructor).
  Status Commit(Temp& temp, const std::string& target,
                const std::function<Status()>& check) {
    PHODEX_TRY(Hook(WriteStep::kSyncTemp, target));
    if (::fsync(temp.fd.get()) != 0) {
      return ErrnoError(errno, "fsync", temp.path);
    }
    if (::close(temp.fd.release()) != 0) {
      return ErrnoError(errno, "close", temp.path);
    }
    PHODEX_TRY(check());
    PHODEX_TRY(Hook(WriteStep::kRename, target));
    if (::rename(temp.path.c_str(), target.c_str()) != 0) {
      return RefusedWrite(errno, "rename", temp.path);
    }
    temp.path.clear();  // it is the target now
    PHODEX_TRY(Hook(WriteStep::kSyncDir, target));
    return SyncFolder(DirName(target));
  }

  WriteFaultHookForTesting hook_;
};

}  // namespace

std::unique_ptr<FileSystem> NewPosixFileSystem() {
  return std::make_unique<PosixFileSystem>();
}

std::unique_ptr<FileSystem> NewPosixFileSystemForTesting(
    WriteFaultHookForTesting hook) {
  return std::make_unique<PosixFileSystem>(std::move(hook));
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
