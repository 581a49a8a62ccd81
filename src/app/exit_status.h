#pragma once
// The exit statuses of phodex (docs/cli.md, "Exit statuses") and the one
// mapping from a use case's error to its status, so that every command
// answers the same failure with the same status. Usage errors (2) are the
// parser's to decide: a use case's kInvalidArgument is a refused request
// (a nested root, a file that is not a folder), status 1, unless the
// command documents it as a bad argument. Thread-safe (pure functions).

#include "core/error.h"

namespace phodex::app {

// Exit statuses, documented in docs/cli.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,     // the command could not do its job
  kExitUsage = 2,     // bad arguments
  kExitBusy = 3,      // another phodex process holds what we need
  kExitDamaged = 4,   // verify found files whose content changed silently
  kExitOffline = 5,   // a root is offline (its drive is not mounted?):
                      // nothing was marked removed
  kExitCorrupt = 6,   // the catalog is damaged: nothing more was written
  kExitInterrupted = 130,
};

// kBusy -> 3, kCorrupt -> 6 (the catalog is damaged), kCancelled -> 130,
// anything else -> 1.
int ExitStatusFor(const Error& error);

}  // namespace phodex::app
