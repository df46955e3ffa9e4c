#include "storage/sql/sql_library_table.h"

#include "base/error.h"

namespace beetroot {

SqlLibraryTable::SqlLibraryTable(std::shared_ptr<SqlDatabase> db) : db_(std::move(db)) {
  const std::string text = db_->dialect() == SqlDatabase::Dialect::Postgres ? "TEXT COLLATE \"C\"" : "TEXT";
  db_->transaction([&] {
    db_->migrate("libraries", {
        "CREATE TABLE libraries (name " + text + " PRIMARY KEY, root TEXT NOT NULL, added_at TEXT NOT NULL);"
        "CREATE TABLE library_files (library " + text + " NOT NULL REFERENCES libraries(name) ON DELETE CASCADE,"
        " path " + text + " NOT NULL, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, content_hash TEXT NOT NULL,"
        " photo_id TEXT NOT NULL, PRIMARY KEY (library, path))",
    });
  });
}

void SqlLibraryTable::add(const Library& library) {
  if (db_->query("INSERT INTO libraries (name, root, added_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                 {library.name, library.root, library.added_at})
          .affected != 1)
    throw Error(ErrorKind::AlreadyExists, "a library named '" + library.name + "' exists");
}

std::optional<Library> SqlLibraryTable::get(const std::string& name) const {
  const auto rows = db_->query("SELECT name, root, added_at FROM libraries WHERE name = $1", {name}).rows;
  if (rows.empty()) return std::nullopt;
  return Library{rows[0].text(0), rows[0].text(1), rows[0].text(2)};
}

std::vector<Library> SqlLibraryTable::list() const {
  std::vector<Library> out;
  for (const auto& r : db_->query("SELECT name, root, added_at FROM libraries ORDER BY name").rows)
    out.push_back({r.text(0), r.text(1), r.text(2)});
  return out;
}

bool SqlLibraryTable::remove(const std::string& name) {
  bool removed = false;
  db_->transaction([&] {
    db_->query("DELETE FROM library_files WHERE library = $1", {name});
    removed = db_->query("DELETE FROM libraries WHERE name = $1", {name}).affected == 1;
  });
  return removed;
}

std::vector<LibraryFile> SqlLibraryTable::files(const std::string& library) const {
  std::vector<LibraryFile> out;
  for (const auto& r : db_->query("SELECT path, size, mtime_ns, content_hash, photo_id FROM library_files"
                                  " WHERE library = $1 ORDER BY path",
                                  {library})
                           .rows)
    out.push_back({r.text(0), r.integer(1), r.integer(2), r.text(3), r.text(4)});
  return out;
}

void SqlLibraryTable::put_file(const std::string& library, const LibraryFile& file) {
  db_->query("INSERT INTO library_files (library, path, size, mtime_ns, content_hash, photo_id)"
             " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (library, path) DO UPDATE SET size = excluded.size,"
             " mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash, photo_id = excluded.photo_id",
             {library, file.path, file.size, file.mtime_ns, file.content_hash, file.photo_id});
}

void SqlLibraryTable::remove_file(const std::string& library, const std::string& path) {
  db_->query("DELETE FROM library_files WHERE library = $1 AND path = $2", {library, path});
}

}  // namespace beetroot
