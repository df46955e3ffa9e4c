#pragma once
#include <memory>

#include "storage/library_table.h"
#include "storage/sql/sql_database.h"

namespace beetroot {

// Libraries and their files' records in SQLite or PostgreSQL.
class SqlLibraryTable : public LibraryTable {
 public:
  explicit SqlLibraryTable(std::shared_ptr<SqlDatabase> db);
  void add(const Library& library) override;
  std::optional<Library> get(const std::string& name) const override;
  std::vector<Library> list() const override;
  bool remove(const std::string& name) override;
  std::vector<LibraryFile> files(const std::string& library) const override;
  void put_file(const std::string& library, const LibraryFile& file) override;
  void remove_file(const std::string& library, const std::string& path) override;

 private:
  std::shared_ptr<SqlDatabase> db_;
};

}  // namespace beetroot
