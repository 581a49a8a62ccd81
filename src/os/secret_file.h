#pragma once
// Secrets on disk and from the kernel: the API token `phodex serve` creates
// in the data folder (library/api_token.h), and random bytes for it and for
// the server's session ids. Thread-safe free functions.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace phodex::os {

// `n` random bytes from the kernel (getrandom(2)), as 2n lower-case hex
// digits. Fails only when the kernel cannot give them.
Result<std::string> RandomHex(size_t n);

// Creates `path` holding `data`, readable and writable by this user only
// (0600 from its creation: a temp file in the same folder, fsync, then a
// link to `path`, so no other process ever sees it partly written or with
// wider permissions). Never replaces: kAlreadyExists when `path` exists
// (two processes creating the secret at once: one wins, the other reads
// the winner's).
Status CreateSecretFile(const std::string& path, std::string_view data);

// Reads a secret file: kNotFound when missing; kPermissionDenied when it
// is not a regular file owned by this user or when its group or others
// may read or write it ("chmod 600 PATH"): a secret others can read is
// not one. At most 4 KiB.
Result<std::string> ReadSecretFile(const std::string& path);

}  // namespace phodex::os
