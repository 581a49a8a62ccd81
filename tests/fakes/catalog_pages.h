#pragma once
// Damage to a SQLite catalog file as a bad disk or a stray write would do
// it, at pages a test chooses: the b-tree of a table or index is walked in
// the file (https://www.sqlite.org/fileformat2.html#b_tree_pages), so a
// test knows which rows it destroys. The catalog must be closed (its -wal
// checkpointed: phodex's last connection does that).

#include <sqlite3.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace phodex::testing {

class CatalogPages {
 public:
  explicit CatalogPages(std::string path) : path_(std::move(path)) {
    const std::string header = Read(0, 100);
    page_size_ = (static_cast<uint8_t>(header[16]) << 8) |
                 static_cast<uint8_t>(header[17]);
    if (page_size_ == 1) page_size_ = 65536;
  }

  // The leaf pages of table or index `name`, in key order.
  std::vector<uint32_t> Leaves(const std::string& name) const {
    std::vector<uint32_t> out;
    Walk(RootPage(name), out);
    return out;
  }

  // The row ids on a leaf page of a table.
  std::vector<int64_t> RowIds(uint32_t page) const {
    const std::string p = Page(page);
    const size_t h = page == 1 ? 100 : 0;
    std::vector<int64_t> out;
    const int cells = U16(p, h + 3);
    for (int i = 0; i < cells; ++i) {
      size_t at = U16(p, h + 8 + 2 * i);
      Varint(p, at);  // payload size
      out.push_back(static_cast<int64_t>(Varint(p, at)));
    }
    return out;
  }

  // Overwrites page `page` with garbage (the same for a given page).
  void Garble(uint32_t page) const {
    std::mt19937 gen(page);
    std::string junk(page_size_, '\0');
    for (char& c : junk) c = static_cast<char>(gen());
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(page - 1) * page_size_);
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }

 private:
  uint32_t RootPage(const std::string& name) const {
    sqlite3* db = nullptr;
    uint32_t root = 0;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
      sqlite3_stmt* s = nullptr;
      sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_schema WHERE name=?1",
                         -1, &s, nullptr);
      sqlite3_bind_text(s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(s) == SQLITE_ROW) {
        root = static_cast<uint32_t>(sqlite3_column_int64(s, 0));
      }
      sqlite3_finalize(s);
    }
    sqlite3_close_v2(db);
    return root;
  }

  void Walk(uint32_t page, std::vector<uint32_t>& out) const {
    if (page == 0) return;
    const std::string p = Page(page);
    const size_t h = page == 1 ? 100 : 0;
    const uint8_t type = static_cast<uint8_t>(p[h]);
    if (type == 0x0D || type == 0x0A) {  // table or index leaf
      out.push_back(page);
      return;
    }
    const int cells = U16(p, h + 3);
    for (int i = 0; i < cells; ++i) Walk(U32(p, U16(p, h + 12 + 2 * i)), out);
    Walk(U32(p, h + 8), out);  // the right-most child
  }

  std::string Page(uint32_t page) const {
    return Read(static_cast<uint64_t>(page - 1) * page_size_, page_size_);
  }
  std::string Read(uint64_t offset, size_t n) const {
    std::ifstream f(path_, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    std::string out(n, '\0');
    f.read(out.data(), static_cast<std::streamsize>(n));
    return out;
  }
  static int U16(const std::string& p, size_t at) {
    return (static_cast<uint8_t>(p[at]) << 8) | static_cast<uint8_t>(p[at + 1]);
  }
  static uint32_t U32(const std::string& p, size_t at) {
    return (static_cast<uint32_t>(U16(p, at)) << 16) |
           static_cast<uint32_t>(U16(p, at + 2));
  }
  static uint64_t Varint(const std::string& p, size_t& at) {
    uint64_t v = 0;
    for (int i = 0; i < 9; ++i) {
      const uint8_t b = static_cast<uint8_t>(p[at++]);
      if (i == 8) return (v << 8) | b;
      v = (v << 7) | (b & 0x7F);
      if (!(b & 0x80)) break;
    }
    return v;
  }

  std::string path_;
  size_t page_size_ = 4096;
};

}  // namespace phodex::testing
