#include "os/subprocess.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>

#include "os/process.h"

extern char** environ;

namespace phodex::os {
namespace {

using Clock = std::chrono::steady_clock;

// A connected pair of stream sockets rather than pipes: the parent writes
// with MSG_NOSIGNAL, so a worker that died gives EPIPE, not a SIGPIPE
// that would kill phodex.
Result<std::pair<UniqueFd, UniqueFd>> SocketPair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return ErrnoError(errno, "socketpair", "");
  }
  return std::pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) +
           (name ? std::string(" (") + name + ")" : "");
  }
  return "ended (status " + std::to_string(status) + ")";
}

}  // namespace

Result<std::unique_ptr<Subprocess>> Subprocess::Spawn(
    const SubprocessOptions& options) {
  if (options.argv.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no program", "spawn");
  }
  PHODEX_ASSIGN_OR_RETURN(auto in_pair, SocketPair());   // parent -> child
  PHODEX_ASSIGN_OR_RETURN(auto out_pair, SocketPair());  // child -> parent
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pair.second.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out_pair.second.get(), 1);
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(),
                               environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return ErrnoError(rc, "start worker", options.argv[0]);
  if (options.address_space_bytes > 0) {
    // The worker waits for its first request, so the cap is in place
    // before it parses anything.
    const rlimit lim{static_cast<rlim_t>(options.address_space_bytes),
                     static_cast<rlim_t>(options.address_space_bytes)};
    ::prlimit(pid, RLIMIT_AS, &lim, nullptr);
  }
  return std::unique_ptr<Subprocess>(new Subprocess(
      pid, std::move(in_pair.first), std::move(out_pair.first)));
}

Subprocess::~Subprocess() { Kill(); }

Status Subprocess::Write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n =
        ::send(in_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write to worker", "");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<std::string> Subprocess::ReadExactly(size_t n,
                                            Clock::time_point deadline) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) {
      return MakeError(ErrorCode::kTimedOut, "no answer in time",
                       "read from worker");
    }
    if (Interrupted()) {
      return MakeError(ErrorCode::kCancelled, "interrupted",
                       "read from worker");
    }
    constexpr int64_t kInterruptCheckMs = 100;
    pollfd p{out_.get(), POLLIN, 0};
    const int ready = ::poll(
        &p, 1, static_cast<int>(std::min(left.count(), kInterruptCheckMs)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "poll worker", "");
    }
    if (ready == 0) continue;  // re-check the deadline and the interrupt
    const ssize_t r = ::read(out_.get(), out.data() + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "read from worker", "");
    }
    if (r == 0) {
      return MakeError(ErrorCode::kIo, "worker ended", "read from worker");
    }
    got += static_cast<size_t>(r);
  }
  return out;
}

void Subprocess::Kill() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  WaitForExit();
}

std::string Subprocess::WaitForExit() {
  if (!reaped_) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    wait_status_ = status;
    reaped_ = true;
    in_.reset();
    out_.reset();
  }
  return DescribeExit(wait_status_);
}

Result<std::string> SelfExecutablePath() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n < 0) return ErrnoError(errno, "readlink", "/proc/self/exe");
  return std::string(buf, static_cast<size_t>(n));
}

void BecomeWorkerProcess() {
  // Not PR_SET_PDEATHSIG: it fires when the *thread* that started the
  // worker ends, and the scan's pool threads come and go. A watchdog
  // thread sees the parent go (the worker is re-parented) even while the
  // main thread is stuck in a hanging parser; a worker that is merely
  // waiting sees its input end first.
  const pid_t parent = ::getppid();
  std::thread([parent] {
    for (;;) {
      if (::getppid() != parent) ::_exit(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }).detach();
  // The parent decides when its workers stop: a Ctrl-C, a hang-up or a
  // SIGTERM sent to the whole process group must not kill a worker in the
  // middle of a file, which would read as a parser crash on that file.
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_IGN);
}

Result<std::string> ReadStdinExactly(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(0, out.data() + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "read", "stdin");
    }
    if (r == 0) {
      return MakeError(got == 0 ? ErrorCode::kNotFound : ErrorCode::kIo,
                       "end of input", "read", "stdin");
    }
    got += static_cast<size_t>(r);
  }
  return out;
}

Status WriteStdout(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(1, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write", "stdout");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace phodex::os
