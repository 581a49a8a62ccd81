#pragma once
// The signals of a long-running process (`phodex serve`), taken on a
// thread of their own rather than in a signal handler, so that what they
// trigger may do anything a thread may: take a mutex, re-read the config,
// wake the service's loop. The one-shot commands keep the handlers of
// os/process.h (stop at once, or cooperatively, on SIGINT, SIGTERM and
// SIGHUP); a process that starts a SignalThread takes those three signals
// here instead, and decides itself what each means (the service stops on
// SIGINT and SIGTERM and reloads its config on SIGHUP: docs/serve.md).
//
// How: the three signals are blocked in the thread that calls Start, and
// so in every thread it starts afterwards (a thread inherits its creator's
// mask), and a thread of their own reads them from a signalfd and calls
// the handler. Nothing runs in signal-handler context.
//
// Thread-safety: Start and the destructor on one thread; the handler runs
// on the signal thread, one signal at a time, in the order they arrived
// (two of the same kind that arrive before the first is read count once,
// as the kernel merges pending signals).

#include <functional>
#include <memory>
#include <thread>

#include "core/error.h"
#include "os/unique_fd.h"

namespace phodex::os {

enum class ProcessSignal {
  kInterrupt,  // SIGINT: Ctrl-C
  kTerminate,  // SIGTERM: kill, systemctl stop
  kHangUp,     // SIGHUP: systemctl reload, kill -HUP
};
// "SIGINT", "SIGTERM", "SIGHUP".
const char* ProcessSignalName(ProcessSignal signal);

class SignalThread {
 public:
  using Handler = std::function<void(ProcessSignal)>;

  // Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and starts the
  // thread that receives them and calls `handler` for each.
  // REQUIRES: no other thread of the process runs yet, beyond those that
  // block the three signals too: a thread started earlier could still take
  // a signal with os/process.h's handlers (ending the process with 130).
  // At most one SignalThread at a time.
  static Result<std::unique_ptr<SignalThread>> Start(Handler handler);

  // Stops and joins the thread (a handler call in progress finishes
  // first). The signals stay blocked in the thread that called Start: one
  // that arrives afterwards stays pending and is never acted on, so the
  // end of a shutdown is not cut short by a second SIGTERM.
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  SignalThread(UniqueFd signal_fd, UniqueFd stop_read, UniqueFd stop_write,
               Handler handler);
  void Loop();

  UniqueFd signal_fd_;
  UniqueFd stop_read_;   // readable once the destructor asks to stop
  UniqueFd stop_write_;
  Handler handler_;
  std::thread thread_;
};

}  // namespace phodex::os
