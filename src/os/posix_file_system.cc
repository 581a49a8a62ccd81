#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>

#include "os/file_system.h"
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

class PosixFileSystem final : public FileSystem {
 public:
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
    const std::string dir = DirName(path);
    std::string tmpl = JoinPath(dir, "." + std::string(BaseName(path)) +
                                         ".phodex-tmp-XXXXXX");
    UniqueFd fd(::mkstemp(tmpl.data()));
    if (!fd) return ErrnoError(errno, "create temporary file", tmpl);
    auto fail = [&](int err, const char* op) {
      ::unlink(tmpl.c_str());
      return ErrnoError(err, op, tmpl);
    };
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd.get(), data.data() + done,
                                data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(errno, "write");
      }
      done += static_cast<size_t>(n);
    }
    if (::fchmod(fd.get(), 0644) != 0) return fail(errno, "chmod");
    if (::fsync(fd.get()) != 0) return fail(errno, "fsync");
    if (::close(fd.release()) != 0) return fail(errno, "close");
    if (::rename(tmpl.c_str(), path.c_str()) != 0) return fail(errno, "rename");
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd) ::fsync(dfd.get());
    return {};
  }
};

}  // namespace

std::unique_ptr<FileSystem> NewPosixFileSystem() {
  return std::make_unique<PosixFileSystem>();
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
