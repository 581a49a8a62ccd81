#include "os/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace phodex::os {
namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) {
  if (g_interrupted.exchange(true)) _exit(130);
}

}  // namespace

Result<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& path,
                                                    Wait wait) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(errno, "open lock file", path);
  const int op = LOCK_EX | (wait == Wait::kNo ? LOCK_NB : 0);
  while (::flock(fd, op) != 0) {
    if (errno == EINTR && !g_interrupted.load()) continue;
    const int err = errno;
    std::string holder;
    char buf[32] = {};
    if (::pread(fd, buf, sizeof buf - 1, 0) > 0) holder = buf;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return MakeError(ErrorCode::kBusy,
                       "held by another phodex process" +
                           (holder.empty() ? "" : " (pid " + holder + ")"),
                       "lock", path);
    }
    return ErrnoError(err, "lock", path);
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0) {
    (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return std::unique_ptr<FileLock>(new FileLock(fd));
}

FileLock::~FileLock() { ::close(fd_); }

const std::atomic<bool>& InstallInterruptHandler() {
  static const bool installed = [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    return true;
  }();
  (void)installed;
  return g_interrupted;
}

bool Interrupted() { return g_interrupted.load(std::memory_order_relaxed); }

int CurrentPid() { return static_cast<int>(::getpid()); }

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::optional<std::string> GetEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

int TerminalWidth(int fd) {
  struct winsize ws;
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace phodex::os
