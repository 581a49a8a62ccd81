#include "app/metadata_workers.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "app/decoders.h"
#include "os/process.h"
#include "os/subprocess.h"

namespace phodex::app {

Result<std::unique_ptr<media::MetadataReader>> StartMetadataWorkers(
    const Config& config) {
  if (os::GetEnv("PHODEX_METADATA_IN_PROCESS_FOR_BENCH")) {
    return NewInProcessMetadataReader();
  }
  // The workers load the decoder module; a missing one fails here, once,
  // rather than in every worker.
  if (auto found = FindDecoders(); !found) {
    return std::unexpected(found.error());
  }
  PHODEX_ASSIGN_OR_RETURN(std::string self, os::SelfExecutablePath());
  media::ExtractorPoolOptions options;
  options.worker_argv = {self, kMetadataWorkerCommand};
  options.workers =
      config.metadata_workers > 0
          ? config.metadata_workers
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  options.timeout = std::chrono::milliseconds(
      static_cast<int64_t>(config.metadata_timeout_s * 1000));
  PHODEX_ASSIGN_OR_RETURN(auto pool,
                          media::ExtractorPool::Create(std::move(options)));
  return std::unique_ptr<media::MetadataReader>(std::move(pool));
}

}  // namespace phodex::app
