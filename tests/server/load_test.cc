// The load test, on loopback only and bounded: 50 concurrent
// clients, each on its own keep-alive connection, for 20 seconds against
// mixed routes (a listing page, a file's detail, its original with a
// Range, its thumbnail, the health check, an unknown id, a bad request),
// while the catalog is written. Every answer must be the one expected:
// zero errors, zero dropped connections. Timings are printed, never
// asserted.

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "tests/server/api_fixture.h"

namespace phodex::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

class LoadTest : public ApiTest {};

// Sends one request on `s` and reads its answer (Content-Length bodies);
// the status, or 0 when the connection failed.
int Exchange(tcp::socket& s, std::string& pending, const std::string& target,
             const std::string& extra) {
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          extra + "\r\n";
  boost::system::error_code ec;
  net::write(s, net::buffer(req), ec);
  if (ec) return 0;
  while (pending.find("\r\n\r\n") == std::string::npos) {
    char buf[16384];
    const size_t n = s.read_some(net::buffer(buf), ec);
    if (ec) return 0;
    pending.append(buf, n);
  }
  const size_t end = pending.find("\r\n\r\n");
  const std::string head = pending.substr(0, end);
  pending.erase(0, end + 4);
  const int status = std::stoi(head.substr(9, 3));
  size_t len = 0;
  const size_t cl = head.find("Content-Length: ");
  if (cl != std::string::npos) len = std::stoul(head.substr(cl + 16));
  while (pending.size() < len) {
    char buf[65536];
    const size_t n = s.read_some(net::buffer(buf), ec);
    if (ec) return 0;
    pending.append(buf, n);
  }
  pending.erase(0, len);
  return status;
}

TEST_F(LoadTest, FiftyClientsForTwentySecondsGetNoError) {
  OpenAndScan();
  for (int i = 0; i < 200; ++i) {
    WriteJpeg("f/" + std::to_string(i) + ".jpg", std::string(4096 + i, 'x'));
  }
  Rescan();
  auto page = catalog_->ListFiles({}, {}, 1);
  ASSERT_TRUE(page && !page->rows.empty());
  const std::string id = std::to_string(page->rows[0].id.value);

  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.open_library = [this] { return OpenExtraLibrary(); };
  auto server = HttpServer::Start(router_, api_, std::move(o));
  ASSERT_TRUE(server) << server.error().ToString();
  const int port = (*server)->port();

  struct Step {
    std::string target;
    std::string extra;
    int want;
  };
  const std::vector<Step> steps = {
      {"/api/v1/files?limit=50", "", 200},
      {"/api/v1/files/" + id, "", 200},
      {"/api/v1/files/" + id + "/original", "Range: bytes=0-99\r\n", 206},
      {"/api/v1/files/" + id + "/thumbnail", "", 202},
      {"/api/v1/health", "", 200},
      {"/api/v1/files/999999999", "", 404},
      {"/api/v1/files?limit=0", "", 400},
  };
  constexpr int kClients = 50;
  constexpr auto kFor = std::chrono::seconds(20);
  std::atomic<int64_t> ok{0}, errors{0};
  std::vector<std::thread> clients;
  const auto until = Clock::now() + kFor;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      net::io_context ioc;
      tcp::socket s(ioc);
      boost::system::error_code ec;
      s.connect({net::ip::make_address("127.0.0.1"),
                 static_cast<unsigned short>(port)},
                ec);
      if (ec) {
        ++errors;
        return;
      }
      std::string pending;
      for (size_t i = static_cast<size_t>(c); Clock::now() < until; ++i) {
        const Step& step = steps[i % steps.size()];
        const int status = Exchange(s, pending, step.target, step.extra);
        if (status == step.want) {
          ++ok;
        } else {
          ++errors;
          std::fprintf(stderr, "%s: %d, wanted %d\n", step.target.c_str(),
                       status, step.want);
          if (status == 0) return;
        }
      }
    });
  }
  // The catalog is written meanwhile: a scan that adds files.
  for (int i = 0; i < 20 && Clock::now() < until; ++i) {
    WriteJpeg("new/" + std::to_string(i) + ".jpg", std::string(100 + i, 'y'));
    Rescan();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  for (auto& t : clients) t.join();
  (*server)->Stop();
  std::printf("load: %lld answers in %lld s (%.0f/s), %lld errors\n",
              static_cast<long long>(ok.load()),
              static_cast<long long>(kFor.count()),
              static_cast<double>(ok.load()) / kFor.count(),
              static_cast<long long>(errors.load()));
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(ok.load(), kClients);
}

}  // namespace
}  // namespace phodex::server
