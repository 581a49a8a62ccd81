#include "app/decoders.h"

#include <cstdio>
#include <string>
#include <string_view>

#include "os/dynamic_library.h"
#include "os/subprocess.h"
#include "os/worker_pool.h"

namespace phodex::app {
namespace {

using EntryFn = const DecoderModule* (*)();

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

Result<const DecoderModule*> Load() {
  PHODEX_ASSIGN_OR_RETURN(const std::string path, FindDecoders());
  PHODEX_ASSIGN_OR_RETURN(void* entry,
                          os::LoadLibrarySymbol(path, kDecoderModuleEntry));
  const DecoderModule* module = reinterpret_cast<EntryFn>(entry)();
  if (module == nullptr || module->abi != kDecoderModuleAbi) {
    return MakeError(ErrorCode::kInternal,
                     "decoder module from another build of phodex (rebuild "
                     "or reinstall phodex)",
                     "load decoders", path);
  }
  return module;
}

}  // namespace

Result<std::string> FindDecoders() {
  PHODEX_ASSIGN_OR_RETURN(const std::string self, os::SelfExecutablePath());
  const std::string dir = Dirname(self);
  // Beside the binary (the build tree, or an install into one folder),
  // then the installed layout (bin/phodex, lib/phodex/).
  const std::string candidates[] = {
      dir + "/" + kDecoderModuleFile,
      Dirname(dir) + "/lib/phodex/" + kDecoderModuleFile};
  for (const std::string& path : candidates) {
    const Status there = os::CheckLibraryFile(path);
    if (there) return path;
    // There but not loadable by us: say why, not that it is missing.
    if (there.error().code() != ErrorCode::kNotFound) {
      return MakeError(there.error().code(), there.error().message(),
                       "cannot load the decoders module", path);
    }
  }
  return MakeError(ErrorCode::kNotFound,
                   std::string("the decoders (") + kDecoderModuleFile +
                       ") are missing: looked for " + candidates[0] + " and " +
                       candidates[1] + "; reinstall phodex",
                   "load decoders");
}

Result<const DecoderModule*> LoadDecoders() {
  static const Result<const DecoderModule*> module = Load();
  return module;
}

Result<std::unique_ptr<media::MetadataReader>> NewInProcessMetadataReader() {
  PHODEX_ASSIGN_OR_RETURN(const DecoderModule* m, LoadDecoders());
  return std::unique_ptr<media::MetadataReader>(m->new_metadata_reader());
}

Result<std::unique_ptr<imaging::PixelRenderer>> NewInProcessRenderer() {
  PHODEX_ASSIGN_OR_RETURN(const DecoderModule* m, LoadDecoders());
  return std::unique_ptr<imaging::PixelRenderer>(m->new_pixel_renderer());
}

namespace {

// A worker whose module will not load (a library it needs was removed,
// the file is damaged) still answers: every request gets the reason, as
// an I/O error, which the scan does not hold against the file. Exiting
// instead would read as a parser crash on each file, and crashes are
// facts about a file's content, never retried until it changes.
template <typename EncodeError>
int RunWorker(int (*DecoderModule::*loop)(), EncodeError encode_error) {
  auto m = LoadDecoders();
  if (m) return ((*m)->*loop)();
  std::fprintf(stderr, "phodex: %s\n", m.error().ToString().c_str());
  const Error e(ErrorCode::kIo,
                "cannot load the decoders: " + m.error().ToString());
  return os::ServeWorkerRequests(
      os::WorkerHeap::kReturnBuffers,
      [&](std::string_view) { return encode_error(e); });
}

}  // namespace

int RunMetadataWorker() {
  return RunWorker(&DecoderModule::run_metadata_worker, [](const Error& e) {
    return media::EncodeMetadataReply(std::unexpected(e));
  });
}

int RunPixelWorker() {
  return RunWorker(&DecoderModule::run_pixel_worker, [](const Error& e) {
    return imaging::EncodeRenderReply(std::unexpected(e));
  });
}

}  // namespace phodex::app
