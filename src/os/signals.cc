#include "os/signals.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace phodex::os {
namespace {

sigset_t TheSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
  return set;
}

}  // namespace

const char* ProcessSignalName(ProcessSignal signal) {
  switch (signal) {
    case ProcessSignal::kInterrupt: return "SIGINT";
    case ProcessSignal::kTerminate: return "SIGTERM";
    case ProcessSignal::kHangUp: return "SIGHUP";
  }
  return "SIGTERM";
}

Result<std::unique_ptr<SignalThread>> SignalThread::Start(Handler handler) {
  const sigset_t set = TheSignals();
  // pthread_sigmask returns the error instead of setting errno.
  if (const int err = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    return ErrnoError(err, "block signals", "");
  }
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sfd) return ErrnoError(errno, "signalfd", "");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return ErrnoError(errno, "pipe", "");
  return std::unique_ptr<SignalThread>(
      new SignalThread(std::move(sfd), UniqueFd(pipe_fds[0]),
                       UniqueFd(pipe_fds[1]), std::move(handler)));
}

SignalThread::SignalThread(UniqueFd signal_fd, UniqueFd stop_read,
                           UniqueFd stop_write, Handler handler)
    : signal_fd_(std::move(signal_fd)),
      stop_read_(std::move(stop_read)),
      stop_write_(std::move(stop_write)),
      handler_(std::move(handler)) {
  thread_ = std::thread([this] { Loop(); });
}

SignalThread::~SignalThread() {
  const char byte = 0;
  while (::write(stop_write_.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
}

void SignalThread::Loop() {
  for (;;) {
    pollfd fds[2] = {{signal_fd_.get(), POLLIN, 0},
                     {stop_read_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;  // cannot happen with valid descriptors
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    signalfd_siginfo info;
    const ssize_t n = ::read(signal_fd_.get(), &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) continue;  // EINTR, EAGAIN
    switch (info.ssi_signo) {
      case SIGINT: handler_(ProcessSignal::kInterrupt); break;
      case SIGTERM: handler_(ProcessSignal::kTerminate); break;
      case SIGHUP: handler_(ProcessSignal::kHangUp); break;
      default: break;
    }
  }
}

}  // namespace phodex::os
