#include "os/dynamic_library.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace phodex::os {

Status CheckLibraryFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return ErrnoError(errno, "load library", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return MakeError(ErrorCode::kNotFound, "not a file", "load library", path);
  }
  // There but unreadable (mode 000, a folder on the way closed to this
  // user): the loader would fail later with a vaguer message.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoError(errno, "load library", path);
  ::close(fd);
  return {};
}

Result<void*> LoadLibrarySymbol(const std::string& path, const char* symbol) {
  PHODEX_TRY(CheckLibraryFile(path));
  // dlopen keeps a reference count per library: a second open of the same
  // path returns the same handle, and the handle is never closed.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return MakeError(ErrorCode::kInternal, why ? why : "dlopen failed",
                     "load library", path);
  }
  ::dlerror();  // clear
  void* address = ::dlsym(handle, symbol);
  if (address == nullptr) {
    const char* why = ::dlerror();
    return MakeError(ErrorCode::kInternal,
                     why ? why : std::string("no symbol ") + symbol,
                     "load library", path);
  }
  return address;
}

}  // namespace phodex::os
