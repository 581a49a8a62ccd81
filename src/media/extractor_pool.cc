#include "media/extractor_pool.h"

#include <malloc.h>

#include <csignal>
#include <cstring>
#include <exception>
#include <thread>

#include "media/metadata_codec.h"
#include "media/metadata_extractor.h"
#include "os/process.h"
#include "os/subprocess.h"

namespace phodex::media {
namespace {

// Wire format, both ways: a frame is a 4-byte little-endian length and
// that many bytes.
//   request: kind (1 byte, MediaKind) + path bytes
//   reply:   'O' + fields length (4 bytes) + fields JSON + tags JSON
//            'E' + error code (1 byte, ErrorCode) + message
constexpr uint32_t kMaxFrameBytes = 64u << 20;

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

std::string EncodeReply(const Result<MediaMetadata>& r) {
  std::string payload;
  if (r) {
    const std::string fields = FieldsToJson(*r);
    payload = "O" + Frame(fields) + r->tags_json;
  } else {
    payload = "E";
    payload.push_back(static_cast<char>(r.error().code()));
    payload += r.error().message();
  }
  return Frame(payload);
}

Result<MediaMetadata> DecodeReply(std::string_view payload,
                                  const std::string& path) {
  if (!payload.empty() && payload[0] == 'E' && payload.size() >= 2) {
    return MakeError(static_cast<ErrorCode>(payload[1]),
                     std::string(payload.substr(2)), "read metadata", path);
  }
  if (payload.size() < 5 || payload[0] != 'O') {
    return MakeError(ErrorCode::kInternal, "malformed reply from worker",
                     "read metadata", path);
  }
  const uint32_t n = FrameLength(payload.substr(1, 4));
  if (n > payload.size() - 5) {
    return MakeError(ErrorCode::kInternal, "malformed reply from worker",
                     "read metadata", path);
  }
  MediaMetadata m;
  PHODEX_TRY(FieldsFromJson(payload.substr(5, n), m));
  m.tags_json = std::string(payload.substr(5 + n));
  return m;
}

Result<MediaMetadata> ExtractCatchingAll(const std::string& path,
                                         MediaKind kind) {
  try {
    return ExtractMetadata(path, kind);
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorCode::kCorrupt, "parser ran out of memory",
                     "read metadata", path);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kCorrupt, e.what(), "read metadata", path);
  }
}

// Test hook: with PHODEX_WORKER_FAULTS_FOR_TESTING set, a worker crashes on
// files whose name contains "crash-worker" and hangs on "hang-worker", so
// tests can prove the isolation without relying on a parser bug.
void ApplyFaultsForTesting(const std::string& path) {
  static const bool enabled =
      os::GetEnv("PHODEX_WORKER_FAULTS_FOR_TESTING").has_value();
  if (!enabled) return;
  if (path.find("crash-worker") != std::string::npos) std::raise(SIGSEGV);
  if (path.find("hang-worker") != std::string::npos) {
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }
}

}  // namespace

// --- In process ---------------------------------------------------------------

InProcessMetadataReader::InProcessMetadataReader() { InitMetadataLibraries(); }

Result<MediaMetadata> InProcessMetadataReader::Read(const std::string& path,
                                                    MediaKind kind) {
  return ExtractCatchingAll(path, kind);
}

// --- Pool ---------------------------------------------------------------------

struct ExtractorPool::Slot {
  std::unique_ptr<os::Subprocess> proc;  // null until needed
};

Result<std::unique_ptr<ExtractorPool>> ExtractorPool::Create(
    ExtractorPoolOptions options) {
  if (options.worker_argv.empty() || options.workers < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "no worker command",
                     "metadata workers");
  }
  // Workers start on the first file, not here: a rescan that finds nothing
  // new must not pay for starting them (0.04-0.13 s each, measured).
  return std::unique_ptr<ExtractorPool>(new ExtractorPool(std::move(options)));
}

Status ExtractorPool::Start(Slot& slot) {
  os::SubprocessOptions sp;
  sp.argv = options_.worker_argv;
  sp.address_space_bytes = options_.address_space_bytes;
  PHODEX_ASSIGN_OR_RETURN(slot.proc, os::Subprocess::Spawn(sp));
  started_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

ExtractorPool::ExtractorPool(ExtractorPoolOptions options)
    : options_(std::move(options)) {
  for (int i = 0; i < options_.workers; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    idle_.push_back(slots_.back().get());
  }
}

// Closing a worker's stdin ends it; the Subprocess destructor reaps it.
ExtractorPool::~ExtractorPool() = default;

ExtractorPool::Slot* ExtractorPool::Acquire() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [&] { return !idle_.empty(); });
  Slot* slot = idle_.back();
  idle_.pop_back();
  return slot;
}

void ExtractorPool::Release(Slot* slot) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(slot);
  }
  idle_cv_.notify_one();
}

Result<MediaMetadata> ExtractorPool::Read(const std::string& path,
                                          MediaKind kind) {
  files_.fetch_add(1, std::memory_order_relaxed);
  Slot* slot = Acquire();
  auto result = ReadWith(*slot, path, kind);
  Release(slot);
  return result;
}

Result<MediaMetadata> ExtractorPool::ReadWith(Slot& slot,
                                              const std::string& path,
                                              MediaKind kind) {
  const std::string request =
      Frame(std::string(1, static_cast<char>(kind)) + path);
  // A worker may have died between files (killed from outside): then the
  // write fails and one fresh worker gets the file.
  for (int attempt = 0;; ++attempt) {
    if (!slot.proc) PHODEX_TRY(Start(slot));
    if (slot.proc->Write(request)) break;
    slot.proc.reset();
    if (attempt > 0) {
      return MakeError(ErrorCode::kInternal, "metadata worker does not start",
                       "read metadata", path);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  auto fail = [&](const Error& e) -> Result<MediaMetadata> {
    if (e.code() == ErrorCode::kTimedOut) {
      slot.proc.reset();  // kills it
      timeouts_.fetch_add(1, std::memory_order_relaxed);
      return MakeError(ErrorCode::kTimedOut,
                       "metadata parser gave no answer in " +
                           std::to_string(options_.timeout.count()) +
                           " ms and was stopped",
                       "read metadata", path);
    }
    const std::string how = slot.proc->WaitForExit();
    slot.proc.reset();
    crashes_.fetch_add(1, std::memory_order_relaxed);
    return MakeError(ErrorCode::kInternal, "metadata parser crashed (" + how + ")",
                     "read metadata", path);
  };
  auto header = slot.proc->ReadExactly(4, deadline);
  if (!header) return fail(header.error());
  const uint32_t n = FrameLength(*header);
  if (n > kMaxFrameBytes) {
    slot.proc.reset();
    return MakeError(ErrorCode::kInternal, "oversized reply from worker",
                     "read metadata", path);
  }
  auto payload = slot.proc->ReadExactly(n, deadline);
  if (!payload) return fail(payload.error());
  return DecodeReply(*payload, path);
}

ExtractorPoolStats ExtractorPool::stats() const {
  return {files_.load(), started_.load(), crashes_.load(), timeouts_.load()};
}

// --- Worker -------------------------------------------------------------------

int RunExtractorWorker() {
  os::BecomeWorkerProcess();
  // A worker parses one file after another with the same few large
  // buffers: keep them instead of returning them to the kernel after each
  // file (glibc's defaults mmap and munmap every buffer over 128 KiB; the
  // page faults showed in perf). Bounded by the address-space cap.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 128 << 20);
  ::mallopt(M_TOP_PAD, 16 << 20);
  InitMetadataLibraries();
  for (;;) {
    auto header = os::ReadStdinExactly(4);
    if (!header) return header.error().code() == ErrorCode::kNotFound ? 0 : 1;
    const uint32_t n = FrameLength(*header);
    if (n == 0 || n > kMaxFrameBytes) return 1;
    auto body = os::ReadStdinExactly(n);
    if (!body) return 1;
    const auto kind = static_cast<MediaKind>((*body)[0]);
    const std::string path = body->substr(1);
    ApplyFaultsForTesting(path);
    if (!os::WriteStdout(EncodeReply(ExtractCatchingAll(path, kind)))) {
      return 1;
    }
  }
}

}  // namespace phodex::media
