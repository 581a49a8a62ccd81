#pragma once
// The world the library's use-case tests run in: a temporary folder
// holding a real SQLite catalog (<dir>/data/catalog.db, its data folder
// beside it: thumbnails, lock files, journals), the real file system, file
// locks, a FakeClock and a library::Library over them. Metadata is not
// what these tests are about: the config reads none, and the metadata
// "pool" reads nothing (no worker processes in unit tests).
//
// Two ways to use it: tests of roots, scans and queries start from an empty
// catalog and Write() files anywhere under dir_; the tests of the use cases
// that act on cataloged files (dupes, rate, verify, thumbs) WriteJpeg()
// under the root <dir>/lib and OpenAndScan() it. Single-threaded.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "catalog/sqlite/sqlite_catalog.h"
#include "library/data_folder.h"
#include "library/file_locks.h"
#include "library/library.h"
#include "os/file_system.h"
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

class LibraryTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // Opens the catalog and builds the library; once (SetUp does).
  void Open() {
    if (lib_) return;
    std::filesystem::create_directories(dir_ / "data");
    auto cat = catalog::OpenSqliteCatalog(CatalogPath(), {});
    ASSERT_TRUE(cat) << cat.error().ToString();
    catalog_ = std::move(*cat);
    Parts parts;
    parts.catalog = catalog_.get();
    parts.fs = fs_.get();
    parts.clock = &clock_;
    parts.locks = &locks_;
    parts.data = data_;
    parts.config.metadata = false;
    parts.workers.metadata = metadata_;
    lib_ = std::make_unique<Library>(std::move(parts));
  }

  std::string CatalogPath() const { return dir_ / "data/catalog.db"; }
  // Writes `bytes` at <dir>/<rel>, making its folders.
  void Write(const std::string& rel, const std::string& bytes) {
    const std::filesystem::path p = dir_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
  }

  // --- The root <dir>/lib, named "lib" -------------------------------------
  std::string RootPath() const { return dir_ / "lib"; }
  // A JPEG signature and `body` at <root>/<rel>.
  void WriteJpeg(const std::string& rel, const std::string& body) {
    Write("lib/" + rel, std::string("\xFF\xD8\xFF\xE0", 4) + body);
  }
  // Opens the catalog if SetUp did not, adds the root and scans it.
  void OpenAndScan() {
    Open();
    std::filesystem::create_directories(RootPath());
    auto root = catalog_->AddRoot(fs_->RealPath(RootPath()).value(), "lib", 1);
    ASSERT_TRUE(root) << root.error().ToString();
    root_ = *root;
    Rescan();
  }
  void Rescan() {
    scan::ScanProgress progress;
    auto r = scan::ScanRoot(*catalog_, *fs_, clock_, root_, "", {}, progress,
                            jobs::CancelToken());
    ASSERT_TRUE(r) << r.error().ToString();
  }

  // The catalog's operations, newest first.
  std::vector<catalog::Operation> Operations() {
    auto ops = catalog_->ListOperations(100);
    EXPECT_TRUE(ops) << ops.error().ToString();
    return ops ? *ops : std::vector<catalog::Operation>{};
  }

  // The library's metadata parsers: none by default; a test that needs
  // real ones sets this in its constructor.
  decltype(WorkerFactories::metadata) metadata_ = [](const Config&) {
    return Result<std::unique_ptr<media::MetadataReader>>(
        std::make_unique<NoMetadata>());
  };
  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<os::FileSystem> fs_ = os::NewPosixFileSystem();
  DataFolder data_ = DataFolderBeside(dir_ / "data/catalog.db");
  FileLocks locks_{data_};
  std::unique_ptr<catalog::Catalog> catalog_;
  catalog::Root root_;
  std::unique_ptr<Library> lib_;
};

}  // namespace phodex::library
