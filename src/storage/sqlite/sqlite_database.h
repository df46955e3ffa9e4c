#pragma once
#include <sqlite3.h>

#include <filesystem>

#include "storage/sql/sql_database.h"

namespace beetroot {

// One SQLite connection in WAL mode with a busy timeout, so that several processes can share a file.
class SqliteDatabase : public SqlDatabase {
 public:
  explicit SqliteDatabase(const std::filesystem::path& path);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  Dialect dialect() const override { return Dialect::Sqlite; }
  SqlResult query(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  void script(std::string_view sql) override;
  std::string describe() const override { return path_.string(); }

 protected:
  // IMMEDIATE takes the write lock at once: two writers never both read, then fail to upgrade.
  std::string begin_statement() const override { return "BEGIN IMMEDIATE"; }
  void lock_for_migration() override {}  // BEGIN IMMEDIATE already excludes other writers

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace beetroot
