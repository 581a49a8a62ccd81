#pragma once
// Where the shared test corpus lives (../shared/corpus beside the
// checkout, or $PHODEX_CORPUS_DIR). Tests that use it fail, never skip,
// when it is missing. Targets define PHODEX_CORPUS_DIR.

#include <cstdlib>
#include <string>

namespace phodex::testing {

inline std::string CorpusDir() {
  const char* env = std::getenv("PHODEX_CORPUS_DIR");
  return env != nullptr && *env != '\0' ? env : PHODEX_CORPUS_DIR;
}

}  // namespace phodex::testing
