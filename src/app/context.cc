#include "app/context.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "catalog/sqlite/sqlite_catalog.h"
#include "os/clock.h"
#include "os/process.h"
#include "phodex/build_info.h"
#include "util/text.h"

namespace phodex::app {
namespace {

std::string DefaultCatalogPath() {
  if (auto p = os::GetEnv("PHODEX_CATALOG")) return *p;
  if (auto xdg = os::GetEnv("XDG_DATA_HOME")) {
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

Context::Context(GlobalOptions opts)
    : opts_(std::move(opts)), fs_(os::NewPosixFileSystem()) {
  catalog_path_ = opts_.catalog.empty() ? DefaultCatalogPath() : opts_.catalog;
}

std::string Context::data_dir() const { return os::DirName(catalog_path_); }

void Context::StartLogging(const std::string& command_line) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(opts_.verbosity >= 2   ? spdlog::level::debug
                     : opts_.verbosity == 1 ? spdlog::level::info
                                            : spdlog::level::warn);
  std::vector<spdlog::sink_ptr> sinks = {console};
  // The log file is best effort: a read-only data folder must not stop a
  // query.
  if (fs_->MakeDirs(data_dir())) {
    try {
      auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          os::JoinPath(data_dir(), "phodex.log"), 5 * 1024 * 1024, 3);
      file->set_level(spdlog::level::info);
      sinks.push_back(file);
    } catch (const spdlog::spdlog_ex&) {
    }
  }
  auto logger =
      std::make_shared<spdlog::logger>("phodex", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::debug);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] [pid %P] %v");
  spdlog::set_default_logger(logger);
  spdlog::info("{} starting: {}", VersionString(), command_line);
}

Result<catalog::Catalog*> Context::OpenCatalog() {
  if (catalog_) return catalog_.get();
  PHODEX_TRY(fs_->MakeDirs(data_dir()));
  catalog::SqliteOptions opts;
  PHODEX_ASSIGN_OR_RETURN(catalog_,
                          catalog::OpenSqliteCatalog(catalog_path_, opts));
  orphans_ended_ = EndOrphanedOperations(*catalog_);
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

Result<catalog::Catalog*> Context::OpenCatalogNoMigrate() {
  if (catalog_) return catalog_.get();
  PHODEX_TRY(fs_->MakeDirs(data_dir()));
  catalog::SqliteOptions opts;
  opts.migrate = catalog::SqliteOptions::Migrate::kNo;
  PHODEX_ASSIGN_OR_RETURN(catalog_,
                          catalog::OpenSqliteCatalog(catalog_path_, opts));
  return catalog_.get();
}

Result<Config> Context::LoadConfig() {
  auto config =
      opts_.config.empty()
          ? app::LoadConfig(*fs_, DefaultConfigPath(), ConfigRequired::kNo)
          : app::LoadConfig(*fs_, opts_.config, ConfigRequired::kYes);
  if (config) {
    for (const std::string& w : config->warnings) PrintError("warning: " + w);
  }
  return config;
}

}  // namespace phodex::app
