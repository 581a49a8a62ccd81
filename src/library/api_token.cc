#include "library/api_token.h"

#include <algorithm>

#include "os/secret_file.h"

namespace phodex::library {
namespace {

constexpr size_t kTokenBytes = 32;

bool IsToken(std::string_view s) {
  return s.size() == 2 * kTokenBytes &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Result<std::string> Read(const std::string& path) {
  PHODEX_ASSIGN_OR_RETURN(std::string text, os::ReadSecretFile(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  if (!IsToken(text)) {
    return MakeError(ErrorCode::kCorrupt,
                     "not an API token (64 hex digits); remove the file and "
                     "a new token is made",
                     "read", path);
  }
  return text;
}

}  // namespace

Result<std::string> LoadOrCreateApiToken(const DataFolder& data) {
  const std::string path = data.ApiTokenPath();
  auto existing = Read(path);
  if (existing || existing.error().code() != ErrorCode::kNotFound) {
    return existing;
  }
  PHODEX_ASSIGN_OR_RETURN(const std::string token, os::RandomHex(kTokenBytes));
  Status created = os::CreateSecretFile(path, token + "\n");
  if (!created && created.error().code() == ErrorCode::kAlreadyExists) {
    return Read(path);  // another process made it first: theirs counts
  }
  if (!created) return std::unexpected(created.error());
  return token;
}

Result<std::string> RandomSecret(size_t n) { return os::RandomHex(n); }

bool SameToken(std::string_view given, std::string_view token) {
  // Every byte of `token` is compared whatever `given` is.
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) {
    const unsigned char g =
        i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(g ^ static_cast<unsigned char>(token[i]));
  }
  return diff == 0 && !token.empty();
}

}  // namespace phodex::library
