#include "app/context.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "app/catalog_factory.h"
#include "app/metadata_workers.h"
#include "app/pixel_workers.h"
#include "catalog/sqlite/sqlite_catalog.h"
#include "os/clock.h"
#include "os/process.h"
#include "phodex/build_info.h"
#include "util/text.h"

namespace phodex::app {
namespace {

std::string DefaultCatalogPath() {
  // An empty variable is taken as unset (as XDG does).
  if (auto p = os::GetEnv("PHODEX_CATALOG"); p && !p->empty()) return *p;
  if (auto xdg = os::GetEnv("XDG_DATA_HOME"); xdg && !xdg->empty()) {
    return os::JoinPath(*xdg, "phodex/catalog.db");
  }
  const std::string home = os::GetEnv("HOME").value_or(".");
  return os::JoinPath(home, ".local/share/phodex/catalog.db");
}

std::string DefaultConfigPath() {
  if (auto xdg = os::GetEnv("XDG_CONFIG_HOME")) {
    return os::JoinPath(*xdg, "phodex/config.toml");
  }
  const std::string home = os::GetEnv("HOME").value_or(".");
  return os::JoinPath(home, ".config/phodex/config.toml");
}

}  // namespace

std::string VersionString() {
  return std::string("phodex ") + PHODEX_VERSION + " (commit " +
         PHODEX_GIT_COMMIT + ")";
}

void PrintError(const std::string& message) {
  std::fprintf(stderr, "phodex: %s\n", util::EscapeControls(message).c_str());
}

std::string DamagedCatalogMessage(const std::string& catalog_path) {
  return "the catalog '" + util::EscapeBytes(catalog_path) +
         "' is damaged; nothing more was written to it. `phodex catalog "
         "check` shows the damage; `phodex catalog rebuild` builds a new "
         "catalog from what can still be read and a rescan of the roots, "
         "and keeps the old one";
}

Context::Context(GlobalOptions opts)
    : opts_(std::move(opts)), fs_(os::NewPosixFileSystem()) {
  catalog_path_ = opts_.catalog.empty() ? DefaultCatalogPath() : opts_.catalog;
  data_ = library::DataFolderBeside(catalog_path_);
}

Result<std::shared_ptr<library::Library>> Context::OpenLibraryConnection() {
  if (!library_) {
    return MakeError(ErrorCode::kInternal, "OpenLibrary first");
  }
  struct Owned {
    std::unique_ptr<catalog::Catalog> catalog;
    std::unique_ptr<library::Library> library;
  };
  auto owned = std::make_shared<Owned>();
  PHODEX_ASSIGN_OR_RETURN(owned->catalog, OpenConnection());
  owned->library = std::make_unique<library::Library>(PartsFor(owned->catalog.get()));
  library::Library* lib = owned->library.get();
  return std::shared_ptr<library::Library>(std::move(owned), lib);
}

Result<library::Library*> Context::OpenLibrary(CatalogUse use) {
  if (library_) return library_.get();
  PHODEX_ASSIGN_OR_RETURN(catalog::Catalog * cat, OpenCatalog(use));
  locks_ = std::make_unique<library::FileLocks>(data_);
  library_ = std::make_unique<library::Library>(PartsFor(cat));
  return library_.get();
}

library::Parts Context::PartsFor(catalog::Catalog* cat) {
  library::Parts parts;
  parts.catalog = cat;
  parts.fs = fs_.get();
  parts.clock = &os::SystemClock();
  parts.locks = locks_.get();
  parts.data = data_;
  parts.config = config_.value_or(Config{});
  parts.workers.metadata = [](const Config& config) {
    return StartMetadataWorkers(config);
  };
  parts.workers.pixels = [](const Config& config) {
    return StartPixelWorkers(config);
  };
  return parts;
}

void Context::StartLogging(const std::string& command_line) {
  command_line_ = command_line;
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(opts_.verbosity >= 2   ? spdlog::level::debug
                     : opts_.verbosity == 1 ? spdlog::level::info
                                            : spdlog::level::warn);
  auto logger = std::make_shared<spdlog::logger>("phodex", console);
  logger->set_level(spdlog::level::debug);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] [pid %P] %v");
  // A log file that cannot be written (a full disk) says nothing on stderr.
  logger->set_error_handler([](const std::string&) {});
  spdlog::set_default_logger(logger);
  // A command that finds no catalog creates no folder for its log.
  if (fs_->Stat(data_.dir, os::Follow::kYes)) AttachLogFile();
  spdlog::info("{} starting: {}", VersionString(), command_line_);
}

void Context::AttachLogFile() {
  if (log_file_) return;
  try {
    auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        data_.LogPath(), 5 * 1024 * 1024, 3);
    file->set_level(spdlog::level::info);
    file->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] [pid %P] %v");
    spdlog::default_logger()->sinks().push_back(file);
    log_file_ = true;
  } catch (const spdlog::spdlog_ex&) {
    // The log file is best effort: a read-only data folder must not stop
    // a query.
  }
}

Result<catalog::Catalog*> Context::OpenCatalog(CatalogUse use) {
  if (catalog_) return catalog_.get();
  auto cat = Open(use);
  if (!cat) {
    damaged_ = cat.error().code() == ErrorCode::kCorrupt;
    return std::unexpected(cat.error());
  }
  catalog_ = std::move(*cat);
  // Operations of killed processes are ended by the next command of any
  // kind (a query too: `ops` must not show them running forever); never
  // on a damaged catalog, which takes no more writes, nor by `migrate`.
  if (use != CatalogUse::kInspect && !catalog_->Damaged()) {
    orphans_ended_ = EndOrphanedOperations(*catalog_);
  }
  return catalog_.get();
}

std::vector<catalog::Operation> EndOrphanedOperations(catalog::Catalog& cat) {
  auto ended = cat.InterruptOrphanedOperations(
      os::HostName(),
      [](const catalog::Operation& op) {
        return !os::ProcessMayBeRunning(op.pid, op.started_ns);
      },
      os::SystemClock().NowUnixNs());
  // Best effort: a read-only catalog still answers queries.
  if (!ended) {
    spdlog::info("could not mark stranded operations: {}",
                 ended.error().ToString());
    return {};
  }
  for (const catalog::Operation& op : *ended) {
    spdlog::info(
        "{} #{} (pid {}) had stopped without ending: marked "
        "interrupted",
        op.type, op.id.value, op.pid);
  }
  return std::move(*ended);
}

Result<std::unique_ptr<catalog::Catalog>> Context::OpenConnection() {
  PHODEX_CHECK(catalog_ != nullptr);
  catalog::SqliteOptions opts;
  opts.create = catalog::SqliteOptions::Create::kNo;
  opts.migrate = catalog::SqliteOptions::Migrate::kNo;
  return OpenCatalogFrom(catalog_path_, opts);
}

bool Context::catalog_damaged() {
  return damaged_ || (catalog_ && catalog_->Damaged());
}

Result<std::unique_ptr<catalog::Catalog>> Context::Open(CatalogUse use) {
  catalog::SqliteOptions opts;
  opts.create = catalog::SqliteOptions::Create::kNo;
  if (use == CatalogUse::kInspect) {
    opts.migrate = catalog::SqliteOptions::Migrate::kNo;
  }
  if (use == CatalogUse::kWrite || use == CatalogUse::kCreate) {
    opts.check = catalog::SqliteOptions::Check::kQuick;
  }
  auto st = fs_->Stat(catalog_path_, os::Follow::kYes);
  if (!st && st.error().code() == ErrorCode::kNotFound) {
    if (use != CatalogUse::kCreate) {
      return MakeError(ErrorCode::kNotFound,
                       "no catalog at '" + util::EscapeBytes(catalog_path_) +
                           "' (`phodex scan PATH` or `phodex root add PATH` "
                           "creates one; --catalog or $PHODEX_CATALOG picks "
                           "another)");
    }
    PHODEX_TRY(fs_->MakeDirs(data_.dir));
    AttachLogFile();  // the folder is new: its log starts here
    spdlog::info("new catalog {} ({}: {})", catalog_path_, VersionString(),
                 command_line_);
    opts.create = catalog::SqliteOptions::Create::kYes;
  }
  auto cat = OpenCatalogFrom(catalog_path_, opts);
  if (cat) return cat;
  const Error& e = cat.error();
  const bool unwritable =
      e.code() == ErrorCode::kPermissionDenied || e.code() == ErrorCode::kIo;
  if (!unwritable || opts.create == catalog::SqliteOptions::Create::kYes) {
    return cat;
  }
  if (use == CatalogUse::kRead || use == CatalogUse::kInspect) {
    return OpenReadOnly(use, e);
  }
  return MakeError(e.code(),
                   e.message() +
                       "; the catalog can be read (status, ls, "
                       "show, ops) but not written",
                   e.op(), e.path());
}

// The catalog cannot be written (`why`): a read-only folder or mount, a
// full disk. SQLite reads a WAL catalog read-only when it can set up the
// WAL index (the -shm exists or can be made); when it cannot, the file is
// read immutable (docs/catalog.md, "Read-only catalogs").
Result<std::unique_ptr<catalog::Catalog>> Context::OpenReadOnly(
    CatalogUse use, const Error& why) {
  catalog::SqliteOptions opts;
  opts.create = catalog::SqliteOptions::Create::kNo;
  // kRead needs the latest schema: one that needs migrating is refused.
  if (use == CatalogUse::kInspect) {
    opts.migrate = catalog::SqliteOptions::Migrate::kNo;
  }
  opts.access = catalog::SqliteOptions::Access::kReadOnly;
  auto cat = OpenCatalogFrom(catalog_path_, opts);
  if (!cat && (cat.error().code() == ErrorCode::kPermissionDenied ||
               cat.error().code() == ErrorCode::kIo)) {
    opts.access = catalog::SqliteOptions::Access::kImmutable;
    cat = OpenCatalogFrom(catalog_path_, opts);
    auto wal = fs_->Stat(catalog_path_ + "-wal", os::Follow::kYes);
    if (cat && wal && wal->size > 0) {
      spdlog::warn(
          "the catalog cannot be written ({}); it is read as its main file "
          "holds it, without the changes still in its -wal",
          why.message());
    }
  }
  if (!cat) {
    // Damage or an old schema say more than a second "cannot write".
    const ErrorCode c = cat.error().code();
    if (c == ErrorCode::kCorrupt || c == ErrorCode::kUnsupported) return cat;
    return std::unexpected(why);
  }
  spdlog::info("the catalog cannot be written ({}); reading it read-only",
               why.message());
  return cat;
}

Result<Config> Context::LoadConfig() {
  auto config =
      opts_.config.empty()
          ? app::LoadConfig(*fs_, DefaultConfigPath(), ConfigRequired::kNo)
          : app::LoadConfig(*fs_, opts_.config, ConfigRequired::kYes);
  if (config) {
    for (const std::string& w : config->warnings) PrintError("warning: " + w);
    config_ = *config;
  }
  return config;
}

}  // namespace phodex::app
