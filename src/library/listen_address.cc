#include "library/listen_address.h"

#include <charconv>

#include "util/text.h"

namespace phodex::library {
namespace {

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-';
}

std::unexpected<Error> Bad(std::string_view text, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "listen address '" + util::EscapeBytes(std::string(text)) +
                       "': " + why + " (expected ADDR:PORT, e.g. " +
                       std::string(kDefaultListen) + ")");
}

}  // namespace

std::string ListenAddress::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return Bad(text, "no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  ListenAddress out;
  const auto [end, ec] =
      std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() ||
      out.port < 0 || out.port > 65535) {
    return Bad(text,
               "the port must be a number from 0 to 65535 (0: any free one)");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.empty() ||
        host.find_first_not_of("0123456789abcdefABCDEF:.") !=
            std::string_view::npos ||
        host.find(':') == std::string_view::npos) {
      return Bad(text, "not an IPv6 address in brackets");
    }
  } else {
    if (host.empty()) return Bad(text, "no address");
    for (char c : host) {
      if (!IsHostChar(c)) {
        return Bad(text, c == ':' ? "an IPv6 address goes in brackets"
                                  : "not a host name or IP address");
      }
    }
  }
  out.host = std::string(host);
  return out;
}

}  // namespace phodex::library
