#pragma once
// Maps (method, path) to a route: one table the server and the OpenAPI
// agreement test both read. Patterns are literal segments and {name}
// segments ("/api/v1/files/{id}"); a {name} matches one non-empty segment.
// Literal segments win over parameters. Built once at start, then only
// read: const methods are thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.h"

namespace phodex::library {
class Library;
}

namespace phodex::server {

class Api;

// What a handler is given: the request, the calling thread's own Library
// (over its own catalog connection), and the process's shared API state.
struct Call {
  const Request& request;
  library::Library& lib;
  Api& api;
};
using Handler = std::function<Response(Call&)>;

struct Route {
  Method method = Method::kGet;
  std::string pattern;
  // Who may call it without credentials on a non-loopback bind: only the
  // login and the web app's static files.
  bool open = false;
  // Changes state: a cookie-authenticated call needs the CSRF header.
  // Set for every method but GET and HEAD.
  bool writes = false;
  Handler handler;
};

class Router {
 public:
  // REQUIRES: no route with the same method and pattern yet.
  void Add(Method method, std::string pattern, Handler handler,
           bool open = false);
  void Get(std::string pattern, Handler h) { Add(Method::kGet, std::move(pattern), std::move(h)); }
  void Post(std::string pattern, Handler h) { Add(Method::kPost, std::move(pattern), std::move(h)); }
  void Put(std::string pattern, Handler h) { Add(Method::kPut, std::move(pattern), std::move(h)); }
  void Delete(std::string pattern, Handler h) { Add(Method::kDelete, std::move(pattern), std::move(h)); }

  struct Match {
    const Route* route = nullptr;  // null: no route for this path (404) or
                                   // method (405, `allowed` non-empty)
    Pairs params;
    std::vector<Method> allowed;
  };
  // HEAD matches a GET route.
  Match Find(Method method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace phodex::server
