#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beetroot {

// A prepared statement; bind by 1-based position, step, read columns by 0-based index.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&& other) noexcept;
  ~Statement();
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind_blob(int index, const void* data, size_t size);
  Statement& bind_null(int index);
  bool step();  // true while a row is available
  void run();   // steps to completion
  std::string text(int column) const;
  int64_t integer(int column) const;
  double real(int column) const;
  std::vector<unsigned char> blob(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One SQLite connection in WAL mode with a busy timeout, so that several processes can share a file.
class Database {
 public:
  explicit Database(const std::filesystem::path& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  int64_t changes() const { return sqlite3_changes(db_); }
  // Stores sharing this connection hold this around every use, so that one thread's transaction
  // never takes in another thread's statements.
  std::unique_lock<std::recursive_mutex> lock() const { return std::unique_lock(mutex_); }
  // Brings the schema named `schema` up to date: the steps not yet applied run in order, in one
  // transaction with the record of the version reached, so every database takes the same path.
  void migrate(const std::string& schema, const std::vector<std::string>& steps);

  // BEGIN IMMEDIATE ... COMMIT, rolled back if the body throws. Nested calls become savepoints,
  // so that a change spanning several tables (faces and Photos rows) commits as one.
  template <typename F>
  void transaction(F body) {
    auto guard = lock();
    const bool outer = depth_ == 0;
    exec(outer ? "BEGIN IMMEDIATE" : "SAVEPOINT nested");
    ++depth_;
    try {
      body();
    } catch (...) {
      --depth_;
      exec(outer ? "ROLLBACK" : "ROLLBACK TO nested; RELEASE nested");
      throw;
    }
    --depth_;
    exec(outer ? "COMMIT" : "RELEASE nested");
  }

 private:
  sqlite3* db_ = nullptr;
  mutable std::recursive_mutex mutex_;
  int depth_ = 0;  // transactions open on this connection
};

}  // namespace beetroot
