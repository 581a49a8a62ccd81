// phodex serve [--listen ADDR:PORT]
// phodex token

#include <cstdio>

#include "app/commands.h"
#include "app/serve_process.h"
#include "library/api_token.h"
#include "library/listen_address.h"

namespace phodex::app {

RunFn SetupServe(CLI::App& sub) {
  auto listen = std::make_shared<std::string>(library::kDefaultListen);
  sub.add_option("--listen", *listen,
                 "Address of the HTTP API, ADDR:PORT (default " +
                     std::string(library::kDefaultListen) +
                     "; 0 as PORT: any free one). Other than loopback, "
                     "every request needs the token (`phodex token`)")
      ->check(CLI::Validator(
          [](std::string& in) {
            auto parsed = library::ParseListenAddress(in);
            return parsed ? std::string() : parsed.error().message();
          },
          "ADDR:PORT"));
  return [listen](Context& ctx) {
    ServeArgs args;
    // Checked by the validator above.
    args.listen = library::ParseListenAddress(*listen).value();
    return RunServe(ctx, args);
  };
}

RunFn SetupToken(CLI::App&) {
  return [](Context& ctx) -> int {
    // The data folder of the catalog, made if missing (the token is
    // created before the first `serve` when asked for).
    if (auto made = ctx.fs().MakeDirs(ctx.data().dir); !made) {
      return PrintError(made.error().ToString()), ExitStatusFor(made.error());
    }
    auto token = library::LoadOrCreateApiToken(ctx.data());
    if (!token) {
      return PrintError(token.error().ToString()), ExitStatusFor(token.error());
    }
    std::printf("%s\n", token->c_str());
    return kExitOk;
  };
}

}  // namespace phodex::app
