#pragma once
// Loading a shared library at run time (dlopen). A library loaded here
// stays loaded for the life of the process: the decoders it holds keep
// global state (codec registries, caches) that must not be torn down while
// threads may still use it.

#include <string>

#include "core/error.h"

namespace phodex::os {

// Loads `path` (once; later calls reuse the handle) with every symbol
// resolved now, and returns the address of `symbol` in it. Fails with
// kNotFound when the file does not exist and kInternal when the loader
// refuses it (missing dependency, bad ELF) or the symbol is absent, with
// the loader's reason.
Result<void*> LoadLibrarySymbol(const std::string& path, const char* symbol);

// Whether `path` names a file that could be loaded (a regular file this
// process can read), without loading it: kNotFound when there is none,
// else the error of the stat or open that failed (EACCES:
// kPermissionDenied).
Status CheckLibraryFile(const std::string& path);

}  // namespace phodex::os
