// phodex serve [--listen ADDR:PORT]

#include "app/commands.h"
#include "app/serve_process.h"
#include "library/listen_address.h"

namespace phodex::app {

RunFn SetupServe(CLI::App& sub) {
  auto listen = std::make_shared<std::string>(library::kDefaultListen);
  sub.add_option("--listen", *listen,
                 "Address of the HTTP API, ADDR:PORT (default " +
                     std::string(library::kDefaultListen) +
                     "; served from a later version)")
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

}  // namespace phodex::app
