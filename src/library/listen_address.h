#pragma once
// The address `phodex serve --listen ADDR:PORT` takes (docs/serve.md,
// docs/api.md): where the HTTP API listens.
// Thread-compatible value type.

#include <string>
#include <string_view>

#include "core/error.h"

namespace phodex::library {

// Loopback only by default: the catalog's photos are private.
inline constexpr std::string_view kDefaultListen = "127.0.0.1:7447";

struct ListenAddress {
  std::string host;  // "127.0.0.1", "localhost", "::1" (without brackets)
  int port = 7447;   // 0..65535; 0: any free port
  // "127.0.0.1:7447", "[::1]:7447".
  std::string ToString() const;
};

// "HOST:PORT" or "[IPv6]:PORT": a host of letters, digits, '.', '-' (a
// name or an IPv4 address), or an IPv6 address in brackets; a port
// 0..65535 (0: any free one, for tests). kInvalidArgument saying what is wrong otherwise. Names are not
// resolved here.
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace phodex::library
