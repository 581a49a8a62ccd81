#pragma once
// A blocking HTTP/1.1 client for the end-to-end tests of `phodex serve`'s
// API: one request per connection (Connection: close), the whole answer
// read. Test-only; the server's own tests (tests/server) cover keep-alive.

#include <boost/asio.hpp>

#include <cctype>
#include <chrono>
#include <thread>
#include <map>
#include <string>

namespace phodex::testing {

struct HttpReply {
  int status = 0;  // 0: no answer (refused, cut)
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

inline HttpReply HttpRequest(int port, const std::string& method,
                             const std::string& target,
                             const std::string& extra_headers = "",
                             const std::string& body = "") {
  namespace net = boost::asio;
  HttpReply r;
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)},
            ec);
  if (ec) return r;
  const std::string req = method + " " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                          extra_headers + "Content-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  net::write(s, net::buffer(req), ec);
  if (ec) return r;
  std::string all;
  for (;;) {
    char buf[65536];
    const size_t n = s.read_some(net::buffer(buf), ec);
    if (ec) break;
    all.append(buf, n);
  }
  const size_t end = all.find("\r\n\r\n");
  if (end == std::string::npos || all.size() < 12) return r;
  r.status = std::stoi(all.substr(9, 3));
  size_t pos = all.find("\r\n");
  while (pos < end) {
    const size_t next = all.find("\r\n", pos + 2);
    const std::string line = all.substr(pos + 2, next - pos - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = line.substr(colon + 2);
    }
    pos = next;
  }
  r.body = all.substr(end + 4);
  return r;
}

inline HttpReply HttpGet(int port, const std::string& target,
                         const std::string& extra_headers = "") {
  return HttpRequest(port, "GET", target, extra_headers);
}

}  // namespace phodex::testing

namespace phodex::testing {

// Opens `target` (an event stream) and reads until `want` appears or
// `seconds` pass; what was read.
inline std::string ReadStreamUntil(int port, const std::string& target,
                                   const std::string& want, int seconds) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)},
            ec);
  if (ec) return "";
  net::write(s, net::buffer("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
             ec);
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  s.non_blocking(true);
  while (got.find(want) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    char buf[4096];
    const size_t n = s.read_some(net::buffer(buf), ec);
    if (ec == net::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (ec) break;
    got.append(buf, n);
  }
  return got;
}

}  // namespace phodex::testing
