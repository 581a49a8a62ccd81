#pragma once
// The address `phodex serve --listen ADDR:PORT` takes (docs/serve.md): the
// HTTP side that listens on it arrives with the next issue; the address is
// checked and kept now, so a unit file written today keeps working.
// Thread-compatible value type.

#include <string>
#include <string_view>

#include "core/error.h"

namespace phodex::library {

// Loopback only by default: the catalog's photos are private.
inline constexpr std::string_view kDefaultListen = "127.0.0.1:7447";

struct ListenAddress {
  std::string host;  // "127.0.0.1", "localhost", "::1" (without brackets)
  int port = 7447;   // 1..65535
  // "127.0.0.1:7447", "[::1]:7447".
  std::string ToString() const;
};

// "HOST:PORT" or "[IPv6]:PORT": a host of letters, digits, '.', '-' (a
// name or an IPv4 address), or an IPv6 address in brackets; a port
// 1..65535. kInvalidArgument saying what is wrong otherwise. Names are not
// resolved here.
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace phodex::library
