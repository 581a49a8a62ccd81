#pragma once
// The HTTP API's token (docs/api.md, "Authentication"): 32 random bytes as
// 64 hex digits in the data folder (DataFolder::ApiTokenPath), mode 0600,
// created by the first `phodex serve` (or `phodex token`) and kept across
// restarts. A client sends it as `Authorization: Bearer <token>`; a browser
// trades it for a session cookie at POST /api/v1/login.
// Thread-safe free functions.

#include <string>

#include "core/error.h"
#include "library/data_folder.h"

namespace phodex::library {

// The token, created when there is none. kPermissionDenied when the file
// is readable by others or not the user's (the message says the chmod),
// kCorrupt when it does not hold a token.
Result<std::string> LoadOrCreateApiToken(const DataFolder& data);

// `n` random bytes from the kernel as 2n hex digits (session ids, CSRF
// tokens).
Result<std::string> RandomSecret(size_t n);

// Whether `given` is `token`, in time that does not depend on where they
// differ (a remote guesser learns nothing from timing).
bool SameToken(std::string_view given, std::string_view token);

}  // namespace phodex::library
