#pragma once
// The library: what the command line and `phodex serve` both call. One
// Library object owns (or borrows) the parts app/ chose: the catalog, the
// file system, the clock, the locks, the data folder, the settings and
// the factories of the worker pools. The use cases are free functions in
// library/<group>.h (roots.h, scan.h, dupes.h, ...), one per use case,
// each taking the Library, a request struct, where it reports progress and
// a jobs::CancelToken, and returning a typed result. The rules that make a
// use case right (nested roots, the lock policy, config into options,
// settling the dupes journal, the JSON of files, groups and operations)
// live there and nowhere else; app/ parses and prints, server/ maps HTTP.
// See docs/architecture.md, "The library".
//
// Thread-compatible: one thread at a time calls into one Library (the
// catalog object is thread-compatible). A server gives each worker thread
// its own Library over its own catalog connection.

#include <functional>
#include <memory>

#include "catalog/catalog.h"
#include "catalog/locks.h"
#include "core/error.h"
#include "imaging/renderer.h"
#include "library/config.h"
#include "library/data_folder.h"
#include "media/extractor_pool.h"
#include "os/clock.h"
#include "os/file_system.h"

namespace phodex::library {

// How the worker pools start: app/ picks the processes (this binary's
// hidden worker commands) or an in-process backend for tests.
struct WorkerFactories {
  // The metadata parsers (media/extractor_pool.h).
  std::function<Result<std::unique_ptr<media::MetadataReader>>(const Config&)>
      metadata;
  // The decoders of the pixel stage (imaging/renderer.h).
  std::function<Result<std::unique_ptr<imaging::PixelRenderer>>(
      const Config&)>
      pixels;
};

// What a Library is made of. The pointers are borrowed and must outlive
// the Library.
struct Parts {
  catalog::Catalog* catalog = nullptr;
  os::FileSystem* fs = nullptr;
  os::Clock* clock = nullptr;
  catalog::Locks* locks = nullptr;
  DataFolder data;
  Config config;
  WorkerFactories workers;
};

class Library {
 public:
  // REQUIRES: catalog, fs, clock and locks set.
  explicit Library(Parts parts);

  catalog::Catalog& catalog() { return *parts_.catalog; }
  os::FileSystem& fs() { return *parts_.fs; }
  os::Clock& clock() { return *parts_.clock; }
  catalog::Locks& locks() { return *parts_.locks; }
  const DataFolder& data() const { return parts_.data; }
  const Config& config() const { return parts_.config; }
  const WorkerFactories& workers() const { return parts_.workers; }

 private:
  Parts parts_;
};

}  // namespace phodex::library
