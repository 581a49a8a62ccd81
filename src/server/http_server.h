#pragma once
// The HTTP/1.1 server of `phodex serve` (docs/api.md; docs/architecture.md,
// "The HTTP server"): Boost.Beast on Asio. One event loop thread accepts,
// reads, writes and streams (keep-alive connections, file bodies in 64 KiB
// pieces, event streams), so idle and streaming connections cost no thread;
// the routes run on a small pool of handler threads, each with its own
// library::Library over its own catalog connection, so a slow query never
// stalls the loop. Limits: request head 16 KiB, body 1 MiB, 60 s idle,
// 1,024 connections, a bounded handler queue (503 past it).
// Start/Stop from one thread; the rest runs on the server's own threads.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "server/api.h"
#include "server/router.h"

namespace phodex::library {
class Library;
}

namespace phodex::server {

struct ServerOptions {
  // Address to bind: a numeric IPv4 or IPv6 address or "localhost"; port 0
  // picks a free one (tests).
  std::string host = "127.0.0.1";
  int port = 7447;
  // Threads that run routes, each with a Library of its own.
  int handler_threads = 2;
  // Opens a Library over a new catalog connection for a handler thread
  // (app/ builds it). Called once per handler thread at Start.
  std::function<Result<std::shared_ptr<library::Library>>()> open_library;
  // Where the server says what went wrong (app/ logs it).
  std::function<void(std::string_view)> log_warning;
  // After every answered request: its route pattern ("" when none
  // matched), method, status and seconds.
  std::function<void(std::string_view, Method, int, double)> observe;
  size_t max_connections = 1024;
  size_t max_queued = 512;
};

class HttpServer {
 public:
  // Binds, opens the handler threads' libraries and starts serving.
  // kAlreadyExists when the port is taken, kPermissionDenied for a
  // privileged one, kInvalidArgument for an address that is not local.
  static Result<std::unique_ptr<HttpServer>> Start(const Router& router,
                                                   Api& api,
                                                   ServerOptions options);
  virtual ~HttpServer() = default;
  // The bound port.
  virtual int port() const = 0;
  // Stops accepting, closes every connection (streams end), lets the
  // routes in flight finish, joins the threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace phodex::server
