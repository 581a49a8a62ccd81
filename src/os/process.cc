#include "os/process.h"

#include <malloc.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

namespace phodex::os {
namespace {

std::atomic<bool> g_interrupted{false};
// Cooperative mode: the first signal only sets g_interrupted.
std::atomic<bool> g_cooperative{false};
// DeferInterruptExit scopes alive, and an exit they hold back.
std::atomic<int> g_deferred{0};
std::atomic<bool> g_exit_pending{false};

constexpr int kInterruptedStatus = 130;

// Async-signal-safe: atomics (lock-free) and _exit only.
void OnSignal(int) {
  const bool first = !g_interrupted.exchange(true);
  if (first && g_cooperative.load()) return;
  if (g_deferred.load() > 0) {
    g_exit_pending.store(true);
    // The last scope may have closed between the two loads and missed the
    // flag: then the exit is ours (seq_cst orders the four accesses).
    if (g_deferred.load() > 0) return;
  }
  _exit(kInterruptedStatus);
}

void InstallHandlers() {
  static const bool installed = [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    // No SA_RESTART: a blocking flock (scan --wait) must return EINTR.
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
    return true;
  }();
  (void)installed;
}

// Checked standard output (CheckStandardOutput).
bool g_stdout_closed = false;  // descriptor 1 was closed at start
std::atomic<int> g_stdout_errno{0};
void (*g_stdout_on_error)(int) = nullptr;

ssize_t WriteStdout(void*, const char* buf, size_t n) {
  if (g_stdout_errno.load() != 0) return static_cast<ssize_t>(n);  // dropped
  int err = g_stdout_closed ? EBADF : 0;
  for (size_t done = 0; err == 0 && done < n;) {
    const ssize_t w = ::write(1, buf + done, n - done);
    if (w >= 0) {
      done += static_cast<size_t>(w);
    } else if (errno != EINTR) {
      err = errno;
    }
  }
  if (err == 0) return static_cast<ssize_t>(n);
  int expected = 0;
  g_stdout_errno.compare_exchange_strong(expected, err);
  if (!g_cooperative.load() && g_stdout_on_error) g_stdout_on_error(err);
  // Taken as written: stdio would otherwise keep the bytes and try again.
  return static_cast<ssize_t>(n);
}

// Start of process `pid` in Unix nanoseconds, from /proc (its start in
// clock ticks after boot), or nullopt; `zombie` says whether it is one.
std::optional<int64_t> ProcessStartUnixNs(int pid, bool& zombie) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string state;
  fields >> state;
  zombie = state == "Z" || state == "X";
  std::string field;
  for (int i = 4; i <= 22 && fields >> field; ++i) {
  }
  if (!fields) return std::nullopt;
  const long ticks_per_s = ::sysconf(_SC_CLK_TCK);
  struct timespec boot, now;
  if (ticks_per_s <= 0 || ::clock_gettime(CLOCK_BOOTTIME, &boot) != 0 ||
      ::clock_gettime(CLOCK_REALTIME, &now) != 0) {
    return std::nullopt;
  }
  const int64_t start_ticks = std::strtoll(field.c_str(), nullptr, 10);
  const int64_t age_ns = (boot.tv_sec * 1'000'000'000LL + boot.tv_nsec) -
                         start_ticks * (1'000'000'000LL / ticks_per_s);
  return now.tv_sec * 1'000'000'000LL + now.tv_nsec - age_ns;
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

bool FileLock::HeldElsewhere(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the shared lock, if taken
  return held;
}

void ExitOnInterrupt() { InstallHandlers(); }

const std::atomic<bool>& InstallInterruptHandler() {
  g_cooperative.store(true);
  InstallHandlers();
  return g_interrupted;
}

bool Interrupted() { return g_interrupted.load(std::memory_order_relaxed); }

void RaiseInterrupt() { OnSignal(SIGINT); }

DeferInterruptExit::DeferInterruptExit() { g_deferred.fetch_add(1); }

DeferInterruptExit::~DeferInterruptExit() {
  if (g_deferred.fetch_sub(1) == 1 && g_exit_pending.load()) {
    _exit(kInterruptedStatus);
  }
}

void IgnoreBrokenPipe() { ::signal(SIGPIPE, SIG_IGN); }

void CheckStandardOutput(void (*on_error)(int err)) {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() returns the lowest free descriptor: this one.
    const int null_fd = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (fd == 1) g_stdout_closed = true;
    (void)null_fd;
  }
  g_stdout_on_error = on_error;
  cookie_io_functions_t io = {};
  io.write = WriteStdout;
  FILE* out = ::fopencookie(nullptr, "w", io);
  if (out == nullptr) return;  // keep the unchecked stream
  ::setvbuf(out, nullptr, ::isatty(1) == 1 ? _IOLBF : _IOFBF, BUFSIZ);
  std::fflush(stdout);
  // glibc documents stdout as an ordinary variable that may be assigned.
  stdout = out;
}

int FinishStandardOutput() {
  std::fflush(stdout);
  return g_stdout_errno.load();
}

bool ProcessMayBeRunning(int pid, int64_t started_unix_ns) {
  if (pid <= 0) return true;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  bool zombie = false;
  const std::optional<int64_t> start = ProcessStartUnixNs(pid, zombie);
  if (zombie) return false;
  // Clock ticks and the boot clock make the start a little vague: only a
  // process that started clearly later is another one.
  constexpr int64_t kSlackNs = 2'000'000'000;
  return !start || *start <= started_unix_ns + kSlackNs;
}

int CurrentPid() { return static_cast<int>(::getpid()); }

void ReleaseFreeMemory() { ::malloc_trim(0); }

int64_t ResidentBytes() {
  // statm: size resident shared text lib data dt, in pages.
  std::FILE* f = std::fopen("/proc/self/statm", "re");
  if (f == nullptr) return 0;
  long long size = 0;
  long long resident = 0;
  const int read = std::fscanf(f, "%lld %lld", &size, &resident);
  std::fclose(f);
  if (read != 2) return 0;
  return static_cast<int64_t>(resident) * ::sysconf(_SC_PAGESIZE);
}

double CpuSeconds() {
  struct rusage usage {};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const struct timeval& tv) {
    return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

int64_t ProcessStartedUnixNs() {
  bool zombie = false;
  return ProcessStartUnixNs(CurrentPid(), zombie).value_or(0);
}

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
