#pragma once
// A small world for the use-case tests: a root folder of generated files
// in a temporary folder, scanned into a real SQLite catalog beside it, and
// a library::Library over them with the real file system and lock files,
// a FakeClock, and a metadata "pool" that reads nothing (metadata is not
// what these tests are about).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "catalog/sqlite/sqlite_catalog.h"
#include "library/file_locks.h"
#include "library/library.h"
#include "scan/pipeline.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::library {

class NoMetadata final : public media::MetadataReader {
 public:
  Result<MediaMetadata> Read(const std::string&, MediaKind) override {
    return MediaMetadata{};
  }
};

class LibraryWorld : public ::testing::Test {
 protected:
  // A JPEG signature and `body`.
  void WriteJpeg(const std::string& rel, const std::string& body) {
    const std::filesystem::path p = RootPath() + "/" + rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary)
        << std::string("\xFF\xD8\xFF\xE0", 4) << body;
  }
  std::string RootPath() const { return dir_ / "lib"; }

  // Creates the catalog, adds the root, scans it and builds the library.
  void OpenAndScan() {
    std::filesystem::create_directories(RootPath());
    auto c = catalog::OpenSqliteCatalog(dir_ / "catalog.db", {});
    ASSERT_TRUE(c) << c.error().ToString();
    catalog_ = std::move(*c);
    auto root = catalog_->AddRoot(fs_->RealPath(RootPath()).value(), "lib", 1);
    ASSERT_TRUE(root) << root.error().ToString();
    root_ = *root;
    Rescan();
    Parts parts;
    parts.catalog = catalog_.get();
    parts.fs = fs_.get();
    parts.clock = &clock_;
    parts.data = DataFolderBeside(dir_ / "catalog.db");
    locks_ = std::make_unique<FileLocks>(parts.data);
    parts.locks = locks_.get();
    parts.workers.metadata = [](const Config&) {
      return Result<std::unique_ptr<media::MetadataReader>>(
          std::make_unique<NoMetadata>());
    };
    lib_ = std::make_unique<Library>(std::move(parts));
  }

  void Rescan() {
    scan::ScanProgress progress;
    auto r = scan::ScanRoot(*catalog_, *fs_, clock_, root_, "", {}, progress,
                            jobs::CancelToken());
    ASSERT_TRUE(r) << r.error().ToString();
  }

  std::vector<catalog::Operation> Operations() {
    auto ops = catalog_->ListOperations(100);
    EXPECT_TRUE(ops) << ops.error().ToString();
    return ops ? *ops : std::vector<catalog::Operation>{};
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<os::FileSystem> fs_ = os::NewPosixFileSystem();
  std::unique_ptr<catalog::Catalog> catalog_;
  catalog::Root root_;
  std::unique_ptr<FileLocks> locks_;
  std::unique_ptr<Library> lib_;
};

}  // namespace phodex::library
