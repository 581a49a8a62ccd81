#include "app/serve_process.h"

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "jobs/cancel_token.h"
#include "library/api_token.h"
#include "library/file_locks.h"
#include "library/service.h"
#include "library/service_jobs.h"
#include "library/service_status.h"
#include "library/thumbs.h"
#include "os/clock.h"
#include "os/process.h"
#include "os/signals.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/router.h"
#include "server/status_events.h"
#include "util/mutex.h"
#include "util/text.h"
#include "watch/system_watcher.h"

namespace phodex::app {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// The longest a turn of the engine waits for events when nothing is due:
// a SIGHUP or a stop wakes it at once anyway (Watcher::Wake).
constexpr milliseconds kTurnWait{1000};
// After a turn that failed (the catalog cannot be written), the next one
// waits this long, so a full disk is not retried in a tight loop.
constexpr milliseconds kErrorPause{5000};

class ServeProcess {
 public:
  ServeProcess(Context& ctx, const ServeArgs& args) : ctx_(ctx), args_(args) {}

  int Run();

 private:
  // Up to the engine's start; nullopt when it started.
  std::optional<int> Start();
  Status StartFileJobs(library::Library& lib);
  Status StartHttp();
  void Loop();
  void Stop();
  // On the signal thread: flags, and a wake-up.
  void OnSignal(os::ProcessSignal signal);
  void Wake();
  // Between two turns, on the main thread.
  void Reload();
  void WriteStatusLoop();
  library::ServiceStatusFile StatusNow();

  Context& ctx_;
  const ServeArgs args_;
  const int64_t started_ns_ = os::SystemClock().NowUnixNs();
  jobs::CancelSource cancel_;
  std::atomic<bool> reload_{false};
  std::unique_ptr<catalog::Lock> lock_;
  std::unique_ptr<watch::Watcher> watcher_;
  std::unique_ptr<library::FileJobs> file_jobs_;
  std::unique_ptr<library::Service> service_;
  std::unique_ptr<server::Api> api_;
  server::Router router_;
  std::unique_ptr<server::HttpServer> http_;
  // The status thread's own connection, for the events it publishes.
  std::shared_ptr<library::Library> events_lib_;
  std::unique_ptr<server::StatusEvents> status_events_;
  std::unique_ptr<os::SignalThread> signals_;
  std::thread status_thread_;

  util::Mutex mu_;
  util::CondVar cv_;
  bool stopping_ GUARDED_BY(mu_) = false;  // the status thread's cue
  bool woken_ GUARDED_BY(mu_) = false;
  // watcher_, for the signal thread (set once it exists, cleared before it
  // goes).
  watch::Watcher* wake_watcher_ GUARDED_BY(mu_) = nullptr;
  library::ServiceSettings settings_ GUARDED_BY(mu_);
};

void ServeProcess::OnSignal(os::ProcessSignal signal) {
  if (signal == os::ProcessSignal::kHangUp) {
    spdlog::info("SIGHUP: reloading the config");
    reload_.store(true);
    Wake();
    return;
  }
  spdlog::info("{}: stopping", os::ProcessSignalName(signal));
  // The first one cancels the work in flight (and the waits below os/ that
  // watch the interrupt flag); a second one ends the process with 130.
  os::RaiseInterrupt();
  cancel_.Cancel();
  Wake();
}

void ServeProcess::Wake() {
  util::MutexLock l(mu_);
  if (wake_watcher_ != nullptr) wake_watcher_->Wake();
  woken_ = true;
  cv_.NotifyAll();
}

std::optional<int> ServeProcess::Start() {
  const library::DataFolder& data = ctx_.data();
  if (auto made = ctx_.fs().MakeDirs(data.dir); !made) {
    PrintError(made.error().ToString());
    return kExitError;
  }
  library::FileLocks locks(data);
  auto lock = locks.LockService();
  if (!lock) {
    if (lock.error().code() != ErrorCode::kBusy) {
      return PrintError(lock.error().ToString()), ExitStatusFor(lock.error());
    }
    PrintError("another `phodex serve` is already running on the catalog '" +
               util::EscapeBytes(ctx_.catalog_path()) + "' (" +
               lock.error().ToString() + ")");
    return kExitBusy;
  }
  lock_ = std::move(*lock);
  auto config = ctx_.LoadConfig();
  if (!config) return PrintError(config.error().ToString()), kExitError;
  auto lib = ctx_.OpenLibrary(CatalogUse::kCreate);
  if (!lib) return PrintError(lib.error().ToString()), ExitStatusFor(lib.error());
  // The system's watcher: inotify, or polling where inotify cannot watch
  // a root (a network share, out of watches).
  watcher_ = watch::NewSystemWatcher(ctx_.fs(), os::SystemClock());
  const library::ServiceOptions options = library::ServiceOptionsFor(*config);
  // The per-file work (thumbnails, full hashes) runs from the job queue on
  // a thread of its own, over two connections of its own.
  if (auto started = StartFileJobs(**lib); !started) {
    return PrintError(started.error().ToString()),
           ExitStatusFor(started.error());
  }
  library::ServiceHooks hooks;
  hooks.jobs_queued = [jobs = file_jobs_.get()] { jobs->Wake(); };
  hooks.metadata_jobs = (*lib)->config().metadata;
  auto service = library::Service::Start(**lib, *watcher_, options, hooks);
  if (!service) {
    return PrintError(service.error().ToString()), ExitStatusFor(service.error());
  }
  service_ = std::move(*service);
  {
    util::MutexLock l(mu_);
    settings_ = library::SettingsOf(options);
    wake_watcher_ = watcher_.get();
  }
  if (auto started = StartHttp(); !started) {
    return PrintError(started.error().ToString()),
           ExitStatusFor(started.error());
  }
  library::ListenAddress bound = args_.listen;
  bound.port = http_->port();
  spdlog::info("serving the catalog {} (pid {}) on http://{}/",
               ctx_.catalog_path(), os::CurrentPid(), bound.ToString());
  return std::nullopt;
}

bool IsLoopback(const std::string& host) {
  return host == "::1" || server::IsLoopbackHost(host);
}

Status ServeProcess::StartHttp() {
  // The token exists from the first start on, so `phodex token` can show
  // it and a client can be set up before the service leaves loopback.
  PHODEX_ASSIGN_OR_RETURN(const std::string token,
                          library::LoadOrCreateApiToken(ctx_.data()));
  server::ApiHooks hooks;
  hooks.version = VersionString();
  hooks.jobs_queued = [this] {
    if (file_jobs_) file_jobs_->Wake();
  };
  hooks.service_status = [this]() -> std::optional<nlohmann::ordered_json> {
    return library::ServiceStatusToJson(StatusNow());
  };
  hooks.reconcile_root = [this](int64_t root) {
    service_->RequestReconcile(RootId{root});
    Wake();
    return true;
  };
  api_ = std::make_unique<server::Api>(std::move(hooks));
  server::AuthOptions auth;
  auth.required = !IsLoopback(args_.listen.host);
  auth.token = token;
  api_->auth().Configure(std::move(auth));
  server::AddApiRoutes(router_);
  server::ServerOptions o;
  o.host = args_.listen.host;
  o.port = args_.listen.port;
  o.open_library = [this] { return ctx_.OpenLibraryConnection(); };
  o.log_warning = [](std::string_view what) { spdlog::warn("{}", what); };
  o.observe = [api = api_.get()](std::string_view route, server::Method method,
                                 int status, double seconds) {
    api->metrics().ObserveRequest(route, method, status, seconds);
  };
  PHODEX_ASSIGN_OR_RETURN(events_lib_, ctx_.OpenLibraryConnection());
  status_events_ = std::make_unique<server::StatusEvents>(api_->events());
  PHODEX_ASSIGN_OR_RETURN(http_, server::HttpServer::Start(router_, *api_, o));
  return {};
}

Status ServeProcess::StartFileJobs(library::Library& lib) {
  PHODEX_ASSIGN_OR_RETURN(auto queue, ctx_.OpenConnection());
  PHODEX_ASSIGN_OR_RETURN(auto reader, ctx_.OpenConnection());
  library::FileJobsOptions o;
  o.owner = os::HostName() + ":" + std::to_string(os::CurrentPid());
  const int workers = library::PixelPassOptionsFor(lib.config()).threads;
  o.pixel_parallel = workers;
  if (lib.config().metadata) {
    o.metadata_parallel =
        lib.config().metadata_workers > 0
            ? lib.config().metadata_workers
            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  o.on_error = [](const Error& e) {
    spdlog::warn("job queue: {}", e.ToString());
  };
  PHODEX_ASSIGN_OR_RETURN(
      file_jobs_, library::FileJobs::Start(lib, std::move(queue),
                                           std::move(reader), std::move(o)));
  return {};
}

void ServeProcess::Reload() {
  auto config = ctx_.LoadConfig();
  if (!config) {
    spdlog::error("SIGHUP: the config was not reloaded, the old settings "
                  "stay: {}",
                  config.error().ToString());
    return;
  }
  const library::ServiceOptions options = library::ServiceOptionsFor(*config);
  service_->Reload(options);
  {
    util::MutexLock l(mu_);
    settings_ = library::SettingsOf(options);
  }
  spdlog::info("SIGHUP: config reloaded; the [serve] settings apply from "
               "the next turn");
}

void ServeProcess::Loop() {
  while (!cancel_.cancelled()) {
    if (reload_.exchange(false)) Reload();
    milliseconds pause{0};
    if (auto turn = service_->RunOnce(kTurnWait, cancel_.token()); !turn) {
      spdlog::error("{}", turn.error().ToString());
      if (ctx_.catalog_damaged()) return;
      pause = kErrorPause;
    }
    if (pause.count() == 0 || cancel_.cancelled()) continue;
    util::MutexLock l(mu_);
    const auto deadline = steady_clock::now() + pause;
    while (!woken_ && cv_.WaitUntil(mu_, deadline)) {
    }
    woken_ = false;
  }
}

library::ServiceStatusFile ServeProcess::StatusNow() {
  library::ServiceStatusFile f;
  f.status = service_->Snapshot();
  if (f.status.pid == 0) f.status.pid = os::CurrentPid();
  if (f.status.started_ns == 0) f.status.started_ns = started_ns_;
  f.status.updated_ns = os::SystemClock().NowUnixNs();
  // Where it listens, the free port it was given for port 0 included.
  library::ListenAddress bound = args_.listen;
  if (http_) bound.port = http_->port();
  f.listen = bound.ToString();
  f.http = http_ != nullptr;
  util::MutexLock l(mu_);
  f.settings = settings_;
  return f;
}

void ServeProcess::WriteStatusLoop() {
  const std::string path = ctx_.data().ServiceStatusPath();
  std::string last_error;
  for (;;) {
    const library::ServiceStatusFile now = StatusNow();
    const Status written = library::WriteServiceStatus(ctx_.fs(), path, now);
    // The live events of the API: what changed since the last look.
    if (status_events_) {
      status_events_->Poll(*events_lib_, library::ServiceStatusToJson(now));
    }
    // Said once, not every 2 seconds.
    const std::string error = written ? "" : written.error().ToString();
    if (!error.empty() && error != last_error) {
      spdlog::warn("the service status for `phodex status` cannot be "
                   "written: {}",
                   error);
    }
    last_error = error;
    util::MutexLock l(mu_);
    const auto deadline = steady_clock::now() + library::kServiceStatusInterval;
    while (!stopping_ && cv_.WaitUntil(mu_, deadline)) {
    }
    if (stopping_) return;
  }
}

void ServeProcess::Stop() {
  // No signal is acted on from here: a second SIGTERM stays pending.
  signals_.reset();
  // The HTTP side first: its routes call into the service and the jobs.
  if (http_) http_->Stop();
  if (file_jobs_) {
    // Jobs not begun go back to the queue; what finished is recorded.
    if (Status st = file_jobs_->Stop(); !st) {
      spdlog::warn("job queue: {}", st.error().ToString());
    }
  }
  if (status_thread_.joinable()) {
    {
      util::MutexLock l(mu_);
      stopping_ = true;
      cv_.NotifyAll();
    }
    status_thread_.join();
  }
  {
    util::MutexLock l(mu_);
    wake_watcher_ = nullptr;
  }
  http_.reset();
  status_events_.reset();
  events_lib_.reset();
  service_.reset();
  file_jobs_.reset();
  watcher_.reset();
  if (lock_) {
    // A status file left behind would be ignored (the lock is free), but
    // a clean stop leaves none.
    const Status removed = ctx_.fs().RemoveFile(ctx_.data().ServiceStatusPath());
    if (!removed && removed.error().code() != ErrorCode::kNotFound) {
      spdlog::warn("{}", removed.error().ToString());
    }
  }
  lock_.reset();
}

int ServeProcess::Run() {
  // Cooperative: RaiseInterrupt's first call only sets the flag that
  // Interrupted() reads.
  os::InstallInterruptHandler();
  auto signals =
      os::SignalThread::Start([this](os::ProcessSignal s) { OnSignal(s); });
  if (!signals) return PrintError(signals.error().ToString()), kExitError;
  signals_ = std::move(*signals);
  int rc = kExitOk;
  if (const std::optional<int> failed = Start()) {
    rc = *failed;
  } else {
    status_thread_ = std::thread([this] { WriteStatusLoop(); });
    Loop();
    if (ctx_.catalog_damaged()) rc = kExitCorrupt;
    spdlog::info("stopped");
  }
  Stop();
  return rc;
}

}  // namespace

int RunServe(Context& ctx, const ServeArgs& args) {
  // A service says what it does: info on stderr (its journal), not only
  // warnings as the one-shot commands.
  if (ctx.options().verbosity == 0 && !spdlog::default_logger()->sinks().empty()) {
    spdlog::default_logger()->sinks().front()->set_level(spdlog::level::info);
  }
  ServeProcess process(ctx, args);
  return process.Run();
}

}  // namespace phodex::app
