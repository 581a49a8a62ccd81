#include "library/library.h"

#include <utility>

namespace phodex::library {

Library::Library(Parts parts) : parts_(std::move(parts)) {
  PHODEX_CHECK(parts_.catalog != nullptr);
  PHODEX_CHECK(parts_.fs != nullptr);
  PHODEX_CHECK(parts_.clock != nullptr);
  PHODEX_CHECK(parts_.locks != nullptr);
}

}  // namespace phodex::library
