#pragma once
// Wiring of the metadata worker pool (media/extractor_pool.h): the worker
// is this very binary started as `phodex __metadata-worker`.

#include <memory>

#include "app/config.h"
#include "core/error.h"
#include "media/extractor_pool.h"

namespace phodex::app {

// The hidden command that runs a worker (never shown in --help).
inline constexpr char kMetadataWorkerCommand[] = "__metadata-worker";

// The pool, sized and timed by `config`. For measuring what the isolation
// costs (bench/run.py --phases metadata), PHODEX_METADATA_IN_PROCESS_FOR_BENCH
// set in the environment gives the unisolated in-process reader instead.
Result<std::unique_ptr<media::MetadataReader>> StartMetadataWorkers(
    const Config& config);

}  // namespace phodex::app
