// library/listen_address.h: `serve --listen ADDR:PORT`.

#include "library/listen_address.h"

#include <gtest/gtest.h>

namespace phodex::library {
namespace {

TEST(ListenAddress, ParsesHostsAndPorts) {
  const struct {
    const char* in;
    const char* host;
    int port;
    const char* out;
  } cases[] = {
      {"127.0.0.1:7447", "127.0.0.1", 7447, "127.0.0.1:7447"},
      {"localhost:80", "localhost", 80, "localhost:80"},
      // Any free port: the service's log and status file say which.
      {"localhost:0", "localhost", 0, "localhost:0"},
      {"0.0.0.0:65535", "0.0.0.0", 65535, "0.0.0.0:65535"},
      {"[::1]:8080", "::1", 8080, "[::1]:8080"},
      {"[fe80::1:2]:1", "fe80::1:2", 1, "[fe80::1:2]:1"},
      {"my-nas.local:7447", "my-nas.local", 7447, "my-nas.local:7447"},
  };
  for (const auto& c : cases) {
    auto a = ParseListenAddress(c.in);
    ASSERT_TRUE(a) << c.in << ": " << a.error().ToString();
    EXPECT_EQ(a->host, c.host) << c.in;
    EXPECT_EQ(a->port, c.port) << c.in;
    EXPECT_EQ(a->ToString(), c.out) << c.in;
  }
  EXPECT_TRUE(ParseListenAddress(kDefaultListen));
}

TEST(ListenAddress, RefusesWhatIsNotAnAddress) {
  const struct {
    const char* in;
    const char* why;
  } cases[] = {
      {"", "no port"},
      {"localhost", "no port"},
      {"localhost:", "port"},
      {"localhost:65536", "port"},
      {"localhost:80x", "port"},
      {"localhost:-1", "port"},
      {":7447", "no address"},
      {"::1:7447", "brackets"},
      {"[]:7447", "IPv6"},
      {"[zz]:7447", "IPv6"},
      {"host name:1", "host name"},
      {"a/b:1", "host name"},
  };
  for (const auto& c : cases) {
    auto a = ParseListenAddress(c.in);
    ASSERT_FALSE(a) << c.in;
    EXPECT_EQ(a.error().code(), ErrorCode::kInvalidArgument) << c.in;
    EXPECT_NE(a.error().message().find(c.why), std::string::npos)
        << c.in << ": " << a.error().message();
  }
}

}  // namespace
}  // namespace phodex::library
