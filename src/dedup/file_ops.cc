#include "dedup/file_ops.h"

namespace phodex::dedup {
namespace {

class FileSystemOps final : public FileOps {
 public:
  explicit FileSystemOps(os::FileSystem& fs) : fs_(fs) {}

  Status HardLink(const std::string& existing,
                  const std::string& link) override {
    return fs_.Link(existing, link);
  }

  Status Rename(const std::string& from, const std::string& to,
                os::Replace replace) override {
    return fs_.Rename(from, to, replace);
  }

  Status RemoveFile(const std::string& path) override {
    PHODEX_ASSIGN_OR_RETURN(FileStat st, fs_.Stat(path, os::Follow::kNo));
    if (st.type != FileType::kRegular) {
      return MakeError(ErrorCode::kInvalidArgument, "not a regular file",
                       "remove", path);
    }
    return fs_.RemoveFile(path);
  }

 private:
  os::FileSystem& fs_;
};

}  // namespace

std::unique_ptr<FileOps> NewFileOps(os::FileSystem& fs) {
  return std::make_unique<FileSystemOps>(fs);
}

}  // namespace phodex::dedup
