#include "dedup/file_ops.h"

#include <filesystem>
#include <system_error>

namespace phodex::dedup {
namespace {

namespace fs = std::filesystem;

std::unexpected<Error> FromErrorCode(const std::error_code& ec, std::string op,
                                     std::string path) {
  return std::unexpected(
      Error::FromErrno(ec.value(), std::move(op), std::move(path)));
}

class StdFileOps final : public FileOps {
 public:
  Status HardLink(const std::string& existing,
                  const std::string& link) override {
    std::error_code ec;
    fs::create_hard_link(existing, link, ec);
    if (!ec) return {};
    // EXDEV; EPERM and ENOTSUP where the file system has no hard links
    // (FAT) or the kernel forbids them (protected_hardlinks).
    if (ec == std::errc::cross_device_link ||
        ec == std::errc::operation_not_permitted ||
        ec == std::errc::operation_not_supported) {
      return MakeError(ErrorCode::kUnsupported,
                       ec.message() + " (linking to '" + existing + "')",
                       "create hard link", link);
    }
    return FromErrorCode(ec, "create hard link", link);
  }

  Status Rename(const std::string& from, const std::string& to) override {
    std::error_code ec;
    fs::rename(from, to, ec);
    if (ec == std::errc::cross_device_link) {
      return MakeError(ErrorCode::kUnsupported,
                       ec.message() + " (renaming to '" + to + "')", "rename",
                       from);
    }
    if (ec) return FromErrorCode(ec, "rename to '" + to + "'", from);
    return {};
  }

  Status RemoveFile(const std::string& path) override {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(path, ec);
    if (st.type() == fs::file_type::not_found) {
      return MakeError(ErrorCode::kNotFound, "gone", "remove", path);
    }
    if (ec) return FromErrorCode(ec, "remove", path);
    if (!fs::is_regular_file(st)) {
      return MakeError(ErrorCode::kInvalidArgument, "not a regular file",
                       "remove", path);
    }
    if (!fs::remove(path, ec)) {
      if (!ec) return MakeError(ErrorCode::kNotFound, "gone", "remove", path);
      return FromErrorCode(ec, "remove", path);
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<FileOps> NewStdFileOps() {
  return std::make_unique<StdFileOps>();
}

}  // namespace phodex::dedup
