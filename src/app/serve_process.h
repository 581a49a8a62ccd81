#pragma once
// The `phodex serve` process around the engine (library/service.h):
// the lock that makes it the catalog's only service, the signals (SIGINT
// and SIGTERM stop it within 2 seconds, SIGHUP reloads the config), the
// status file `phodex status` reads, and the loop that turns the engine.
// docs/serve.md, "Running the service".
//
// Threads: the main thread turns the engine (Service::RunOnce) and reloads
// the config between turns; a signal thread (os/signals.h) only sets flags
// and wakes the main thread; a status thread writes Service::Snapshot()
// every 2 seconds. Nothing else of Context is touched off the main thread.

#include "app/context.h"
#include "library/listen_address.h"

namespace phodex::app {

struct ServeArgs {
  library::ListenAddress listen;
};

// Runs the service until SIGINT or SIGTERM. Returns the exit status: 0
// after a clean stop, 3 when another service holds the catalog, 1 when it
// cannot start (a bad config, an unreadable catalog).
// REQUIRES: called on the main thread before any other thread started.
int RunServe(Context& ctx, const ServeArgs& args);

}  // namespace phodex::app
