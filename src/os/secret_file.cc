#include "os/secret_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "os/unique_fd.h"

namespace phodex::os {

Result<std::string> RandomHex(size_t n) {
  std::vector<unsigned char> bytes(n);
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::getrandom(bytes.data() + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "getrandom");
    }
    got += static_cast<size_t>(r);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (const unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Status CreateSecretFile(const std::string& path, std::string_view data) {
  PHODEX_ASSIGN_OR_RETURN(const std::string suffix, RandomHex(6));
  const std::string temp = path + ".tmp-" + suffix;
  {
    UniqueFd fd(::open(temp.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                       0600));
    if (!fd) return ErrnoError(errno, "create", temp);
    // The umask cannot widen 0600, but an odd umask could narrow it to
    // 0400 or less: the owner must read it back.
    if (::fchmod(fd.get(), 0600) != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return ErrnoError(err, "chmod", temp);
    }
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t w = ::write(fd.get(), data.data() + done, data.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::unlink(temp.c_str());
        return ErrnoError(err, "write", temp);
      }
      done += static_cast<size_t>(w);
    }
    if (::fsync(fd.get()) != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return ErrnoError(err, "fsync", temp);
    }
  }
  // link(2) never replaces: of two processes, one wins.
  const int linked = ::link(temp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(temp.c_str());
  if (linked != 0) return ErrnoError(err, "create", path);
  return {};
}

Result<std::string> ReadSecretFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return ErrnoError(errno, "open", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoError(errno, "stat", path);
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "not a regular file owned by this user", "open",
                     path);
  }
  if ((st.st_mode & 077) != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "others may read it; run: chmod 600 " + path,
                     "open", path);
  }
  std::string out(4096, '\0');
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t r = ::read(fd.get(), out.data() + got, out.size() - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "read", path);
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

}  // namespace phodex::os
