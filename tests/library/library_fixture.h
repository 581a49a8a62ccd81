#pragma once
// A Library over a real SQLite catalog in a temporary folder, the real
// file system, file locks in the data folder and a FakeClock: the world
// the library's use-case tests run in. Single-threaded.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "catalog/sqlite/sqlite_catalog.h"
#include "library/data_folder.h"
#include "library/file_locks.h"
#include "library/library.h"
#include "os/file_system.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/temp_dir.h"

namespace phodex::library {

class LibraryTest : public ::testing::Test {
 protected:
  void SetUp() override {
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
    parts.config.metadata = false;  // no worker processes in unit tests
    lib_ = std::make_unique<Library>(std::move(parts));
  }

  std::string CatalogPath() const { return dir_ / "data/catalog.db"; }
  // Writes `bytes` at <dir>/<rel>, making its folders.
  void Write(const std::string& rel, const std::string& bytes) {
    const std::filesystem::path p = dir_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<os::FileSystem> fs_ = os::NewPosixFileSystem();
  DataFolder data_ = DataFolderBeside(dir_ / "data/catalog.db");
  FileLocks locks_{data_};
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<Library> lib_;
};

}  // namespace phodex::library
