#include "app/context.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "catalog/sqlite/sqlite_catalog.h"
#include "os/process.h"
#include "phodex/build_info.h"

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
  std::fprintf(stderr, "phodex: %s\n", message.c_str());
}

Context::Context(GlobalOptions opts)
    : opts_(std::move(opts)), fs_(os::NewPosixFileSystem()) {
  catalog_path_ = opts_.catalog.empty() ? DefaultCatalogPath() : opts_.catalog;
}

std::string Context::data_dir() const { return os::DirName(catalog_path_); }

std::string Context::thumbs_dir() const {
  return os::JoinPath(data_dir(), "thumbs");
}

std::vector<std::string> Context::OwnFileGlobs(
    const std::string& data_dir_real) const {
  // The catalog's name, with glob characters escaped (fnmatch).
  std::string db;
  for (char c : os::BaseName(catalog_path_)) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') db += '\\';
    db += c;
  }
  std::vector<std::string> out;
  // The names are set where the files are written: SQLite (-wal, -shm,
  // -journal), catalog/sqlite (".v<N>.bak", ".v<N>.<n>.bak"), cmd_dupes
  // (".dupes-journal", ".dupes.lock"), RootLockPath (".root-<id>.lock"),
  // StartLogging (phodex.log, rotated as phodex.<n>.log).
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".dupes-journal",
                             ".dupes.lock", ".root-*.lock", ".v*.bak"}) {
    out.push_back(os::JoinPath(data_dir_real, db + suffix));
  }
  out.push_back(os::JoinPath(data_dir_real, "phodex.log"));
  out.push_back(os::JoinPath(data_dir_real, "phodex.*.log"));
  return out;
}

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
  return catalog_.get();
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
  if (!opts_.config.empty()) {
    return app::LoadConfig(*fs_, opts_.config, ConfigRequired::kYes);
  }
  return app::LoadConfig(*fs_, DefaultConfigPath(), ConfigRequired::kNo);
}

}  // namespace phodex::app
