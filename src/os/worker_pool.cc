#include "os/worker_pool.h"

#include <malloc.h>

#include <csignal>
#include <thread>

#include "os/process.h"
#include "os/subprocess.h"

namespace phodex::os {

std::string Frame(std::string_view payload) {
  std::string out(4, '\0');
  const auto n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out.append(payload);
  return out;
}

uint32_t FrameLength(std::string_view header) {
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) {
    n |= static_cast<uint32_t>(static_cast<unsigned char>(header[i])) << (8 * i);
  }
  return n;
}

struct WorkerPool::Slot {
  std::unique_ptr<Subprocess> proc;  // null until needed
  bool lost = false;  // the last request crashed or hung its worker
};

Result<std::unique_ptr<WorkerPool>> WorkerPool::Create(
    WorkerPoolOptions options) {
  if (options.worker_argv.empty() || options.workers < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "no worker command",
                     options.what + " workers");
  }
  // Workers start on the first request, not here: a rescan that finds
  // nothing new must not pay for starting them (0.04-0.13 s each).
  return std::unique_ptr<WorkerPool>(new WorkerPool(std::move(options)));
}

WorkerPool::WorkerPool(WorkerPoolOptions options)
    : options_(std::move(options)) {
  for (int i = 0; i < options_.workers; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    idle_.push_back(slots_.back().get());
  }
}

// Closing a worker's stdin ends it; the Subprocess destructor reaps it.
WorkerPool::~WorkerPool() = default;

Status WorkerPool::Start(Slot& slot) {
  SubprocessOptions sp;
  sp.argv = options_.worker_argv;
  sp.address_space_bytes = options_.address_space_bytes;
  PHODEX_ASSIGN_OR_RETURN(slot.proc, Subprocess::Spawn(sp));
  started_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

WorkerPool::Slot* WorkerPool::Acquire() {
  util::MutexLock lock(mu_);
  while (idle_.empty()) idle_cv_.Wait(mu_);
  Slot* slot = idle_.back();
  idle_.pop_back();
  return slot;
}

void WorkerPool::Release(Slot* slot) {
  {
    util::MutexLock lock(mu_);
    idle_.push_back(slot);
  }
  idle_cv_.NotifyOne();
}

Result<std::string> WorkerPool::Call(std::string_view request,
                                     std::string_view op,
                                     const std::string& path) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  Slot* slot = Acquire();
  auto result = CallWith(*slot, request, op, path);
  if (!result && slot->lost) {
    // One crash or hang may be the machine's (a worker killed from
    // outside, a busy machine): a fresh worker tries once more. Two in a
    // row are the file's fault (scan/retry_policy.h records it as done).
    result = CallWith(*slot, request, op, path);
    if (!result && slot->lost) {
      Error e = result.error();
      result = MakeError(ErrorCode::kContentFault, e.message(), e.op(),
                         e.path());
    }
  }
  Release(slot);
  return result;
}

Result<std::string> WorkerPool::CallWith(Slot& slot, std::string_view request,
                                         std::string_view op,
                                         const std::string& path) {
  const std::string framed = Frame(request);
  const std::string op_name(op);
  slot.lost = false;
  // A worker may have died between requests (killed from outside): then
  // the write fails and one fresh worker gets the request.
  for (int attempt = 0;; ++attempt) {
    if (!slot.proc) PHODEX_TRY(Start(slot));
    if (slot.proc->Write(framed)) break;
    slot.proc.reset();
    if (attempt > 0) {
      return MakeError(ErrorCode::kInternal,
                       options_.what + " worker does not start", op_name, path);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  auto fail = [&](const Error& e) -> Result<std::string> {
    if (e.code() == ErrorCode::kCancelled) {
      slot.proc.reset();  // kills it: it may be stuck in that request
      return MakeError(ErrorCode::kCancelled, "interrupted", op_name, path);
    }
    if (e.code() == ErrorCode::kTimedOut) {
      slot.proc.reset();  // kills it
      slot.lost = true;
      timeouts_.fetch_add(1, std::memory_order_relaxed);
      return MakeError(ErrorCode::kTimedOut,
                       options_.what + " gave no answer in " +
                           std::to_string(options_.timeout.count()) +
                           " ms and was stopped",
                       op_name, path);
    }
    const std::string how = slot.proc->WaitForExit();
    slot.proc.reset();
    slot.lost = true;
    crashes_.fetch_add(1, std::memory_order_relaxed);
    return MakeError(ErrorCode::kInternal,
                     options_.what + " crashed (" + how + ")", op_name, path);
  };
  auto header = slot.proc->ReadExactly(4, deadline);
  if (!header) return fail(header.error());
  const uint32_t n = FrameLength(*header);
  if (n > kMaxFrameBytes) {
    slot.proc.reset();
    return MakeError(ErrorCode::kInternal, "oversized reply from worker",
                     op_name, path);
  }
  auto payload = slot.proc->ReadExactly(n, deadline);
  if (!payload) return fail(payload.error());
  return std::move(*payload);
}

WorkerPoolStats WorkerPool::stats() const {
  return {requests_.load(), started_.load(), crashes_.load(),
          timeouts_.load()};
}

int ServeWorkerRequests(
    WorkerHeap heap,
    const std::function<std::string(std::string_view request)>& handle) {
  BecomeWorkerProcess();
  if (heap == WorkerHeap::kKeepBuffers) {
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 128 << 20);
    ::mallopt(M_TOP_PAD, 16 << 20);
  }
  for (;;) {
    auto header = ReadStdinExactly(4);
    if (!header) return header.error().code() == ErrorCode::kNotFound ? 0 : 1;
    const uint32_t n = FrameLength(*header);
    if (n == 0 || n > kMaxFrameBytes) return 1;
    auto body = ReadStdinExactly(n);
    if (!body) return 1;
    if (!WriteStdout(Frame(handle(*body)))) return 1;
  }
}

void ApplyWorkerFaultsForTesting(const std::string& path) {
  static const bool enabled =
      GetEnv("PHODEX_WORKER_FAULTS_FOR_TESTING").has_value();
  if (!enabled) return;
  if (path.find("crash-worker") != std::string::npos) std::raise(SIGSEGV);
  if (path.find("hang-worker") != std::string::npos) {
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }
}

}  // namespace phodex::os
