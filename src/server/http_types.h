#pragma once
// What a route sees of an HTTP request and what it answers: plain values,
// no Boost. Only http_server.cc sees Beast, so the routes, and their tests
// (which call the Router without a socket), compile quickly. See
// docs/architecture.md, "The HTTP server".
// Plain value types; thread-compatible.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace phodex::server {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
const char* MethodName(Method m);
Method MethodFromName(std::string_view name);

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string target;  // as sent: "/api/v1/files?limit=10"
  std::string path;    // percent-decoded, without the query
  Pairs query;         // percent-decoded ('+' is a space), in order
  Pairs headers;       // names lower-case
  std::string body;
  Pairs params;        // the route pattern's {name}s, decoded
  // Filled in by the server from the credentials the request carried
  // (server/auth.h): how it was let in.
  enum class Credential { kNone, kOpen, kToken, kCookie } credential =
      Credential::kNone;

  // The first value of a query parameter; nullopt when absent.
  std::optional<std::string_view> Query(std::string_view name) const;
  // Every value of a repeated query parameter (?id=1&id=2), in order.
  std::vector<std::string_view> QueryAll(std::string_view name) const;
  // A header's value ("" when absent). `name` lower-case.
  std::string_view Header(std::string_view name) const;
  // A path parameter ("" when the route has none of that name).
  std::string_view Param(std::string_view name) const;
};

// Splits a request target into its decoded path and query. kInvalidArgument
// for what no client should send: not starting with '/', a bad percent
// escape, a NUL or a control character once decoded, a "." or ".." segment
// (a path never names a file, but such a target is an attack, not a typo).
Status ParseTarget(std::string_view target, std::string& path, Pairs& query);
// Percent-decodes `s` ('+' a space when `plus_is_space`); false on a bad
// escape.
bool PercentDecode(std::string_view s, bool plus_is_space, std::string& out);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view s);

// Where a streamed body comes from: an open file (library/ opens it, after
// checking that it is still the file the catalog describes). Read from the
// server's event loop thread, one piece at a time. Thread-compatible.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `n` bytes at `offset` into `buf`; 0 only at the end.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) = 0;
};

// A byte range of a file to stream, never read whole into memory.
struct FileStream {
  std::shared_ptr<ByteSource> source;
  int64_t offset = 0;
  int64_t length = 0;
};

struct Response {
  int status = 200;
  std::string content_type;  // "" with no body
  Pairs headers;             // besides Content-Type and Content-Length
  std::string body;
  // Set: the body is this file range instead of `body`.
  std::optional<FileStream> file;
  // Set: a text/event-stream; after the headers the connection receives
  // the server's events after this id (server/event_hub.h) until it closes.
  std::optional<int64_t> events_after;
  // What the server logs about this answer and never sends (the cause of a
  // 500).
  std::string log_detail;

  // Adds a header.
  Response& With(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

}  // namespace phodex::server
