#include "catalog/sqlite/sqlite_catalog_impl.h"

namespace phodex::catalog::sqlite {

Result<Root> SqliteCatalog::AddRoot(const std::string& path, const std::string& name,
                     int64_t now_ns) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt* s, Cached("INSERT INTO roots(path, name, added_at) "
                      "VALUES(?1, ?2, ?3) RETURNING id"));
  s->BindBlob(1, path).BindText(2, name).Bind(3, now_ns);
  auto row = s->Step();
  if (!row) {
    s->Reset();
    if (row.error().code() == ErrorCode::kAlreadyExists) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "a root with this path or name already exists",
                       "add root", path);
    }
    return std::unexpected(row.error());
  }
  Root r;
  r.id = RootId{s->Int(0)};
  s->Reset();
  PHODEX_TRY(NoteChange());
  r.path = path;
  r.name = name;
  r.added_ns = now_ns;
  return r;
}

Result<std::vector<Root>> SqliteCatalog::ListRoots() {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s, Cached("SELECT id, path, name, added_at, last_scanned_at, "
                       "scan_gen, uuid, marker, fs_uuid, fs_type, fsid, "
                       "identity_at FROM roots "
                       "WHERE removed_at IS NULL "
                       "ORDER BY id"));
  std::vector<Root> out;
  for (;;) {
    PHODEX_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    Root r;
    r.id = RootId{s->Int(0)};
    r.path = s->Blob(1);
    r.name = s->Blob(2);
    r.added_ns = s->Int(3);
    if (!s->IsNull(4)) r.last_scanned_ns = s->Int(4);
    r.scan_gen = s->Int(5);
    if (!s->IsNull(11)) {
      RootIdentity& id = r.identity.emplace();
      id.uuid = s->Blob(6);
      id.marker = s->Int(7) != 0;
      id.fs.uuid = s->Blob(8);
      id.fs.type = s->Blob(9);
      id.fs.fsid = s->IsNull(10) ? 0 : static_cast<uint64_t>(s->Int(10));
      id.recorded_ns = s->Int(11);
    }
    out.push_back(std::move(r));
  }
  s->Reset();
  return out;
}

Status SqliteCatalog::RemoveRoot(RootId root, Purge purge, int64_t now_ns) {
  PHODEX_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db_));
  if (purge == Purge::kYes) {
    PHODEX_ASSIGN_OR_RETURN(Stmt del,
                            Stmt::Prepare(db_, "DELETE FROM roots WHERE id=?1"));
    PHODEX_TRY(del.Bind(1, root.value).Run());
  } else {
    // Keep the records (marked removed) and the history; the root row
    // stays, marked removed, so its path and name can be used again.
    PHODEX_ASSIGN_OR_RETURN(
        Stmt mark,
        Stmt::Prepare(db_, "UPDATE files SET present=0, removed_at=?2 "
                           "WHERE root_id=?1 AND present=1"));
    PHODEX_TRY(mark.Bind(1, root.value).Bind(2, now_ns).Run());
    PHODEX_ASSIGN_OR_RETURN(
        Stmt detach,
        Stmt::Prepare(db_, "UPDATE roots SET removed_at=?2 WHERE id=?1"));
    PHODEX_TRY(detach.Bind(1, root.value).Bind(2, now_ns).Run());
  }
  PHODEX_TRY(NoteChange());
  return txn.Commit();
}

Status SqliteCatalog::SetRootIdentity(RootId root, const RootIdentity& id) {
  PHODEX_ASSIGN_OR_RETURN(
      Stmt * s,
      Cached("UPDATE roots SET uuid=?2, marker=?3, fs_uuid=?4, fs_type=?5, "
             "fsid=?6, identity_at=?7 WHERE id=?1"));
  s->Bind(1, root.value).BindText(2, id.uuid).Bind(3, id.marker ? 1 : 0);
  // Unknown fields are NULL, so the table says what was never known.
  if (id.fs.uuid.empty()) {
    s->BindNull(4);
  } else {
    s->BindText(4, id.fs.uuid);
  }
  if (id.fs.type.empty()) {
    s->BindNull(5);
  } else {
    s->BindText(5, id.fs.type);
  }
  if (id.fs.fsid == 0) {
    s->BindNull(6);
  } else {
    s->Bind(6, static_cast<int64_t>(id.fs.fsid));
  }
  s->Bind(7, id.recorded_ns);
  return s->Run();
}

}  // namespace phodex::catalog::sqlite
