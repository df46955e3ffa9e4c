#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace beetroot {

// Bytes bound as a binary value (SQLite BLOB, PostgreSQL bytea).
struct SqlBlob {
  std::string_view bytes;
};
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string_view, SqlBlob>;

// One result row, each column as text (NULL as nullopt); blobs hold their raw bytes.
class SqlRow {
 public:
  explicit SqlRow(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  const std::string& text(size_t column) const;  // "" for NULL
  int64_t integer(size_t column) const;          // 0 for NULL
  double real(size_t column) const;              // 0 for NULL
  bool is_null(size_t column) const { return !cells_.at(column); }

 private:
  std::vector<std::optional<std::string>> cells_;
};

struct SqlResult {
  std::vector<SqlRow> rows;
  int64_t affected = 0;  // rows changed by INSERT, UPDATE or DELETE
};

// One connection to a SQL database, shared by the stores of one process. Statements are written
// once for both engines: parameters are $1, $2 ... (numbered in order of first use), and what the
// engines spell differently comes from the `Dialect`.
class SqlDatabase {
 public:
  enum class Dialect { Sqlite, Postgres };

  virtual ~SqlDatabase() = default;
  virtual Dialect dialect() const = 0;
  virtual SqlResult query(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  // Several statements without parameters (schema changes).
  virtual void script(std::string_view sql) = 0;
  // Where this database is, without credentials, for messages.
  virtual std::string describe() const = 0;

  // Stores sharing this connection hold this around every use, so that one thread's transaction
  // never takes in another thread's statements.
  std::unique_lock<std::recursive_mutex> lock() const { return std::unique_lock(mutex_); }
  bool in_transaction() const { return depth_ > 0; }

  // A transaction, rolled back if the body throws. Nested calls become savepoints, so that a change
  // spanning several tables (faces and Photos rows) commits as one.
  template <typename F>
  void transaction(F body) {
    auto guard = lock();
    const bool outer = depth_ == 0;
    script(outer ? begin_statement() : "SAVEPOINT nested");
    ++depth_;
    try {
      body();
    } catch (...) {
      --depth_;
      rollback(outer);
      throw;
    }
    --depth_;
    script(outer ? "COMMIT" : "RELEASE nested");
  }

  // Brings the schema named `schema` up to date: the steps not yet applied run in order, in one
  // transaction with the record of the version reached, so every database takes the same path.
  // Safe when several processes start at once.
  void migrate(const std::string& schema, const std::vector<std::string>& steps);

  // Seconds since 1970 by the database's clock, which all workers share (leases).
  std::string now_seconds_expression() const;
  // Appended to a SELECT that picks a row to claim, so that concurrent claimers skip it.
  std::string skip_locked_clause() const;

 protected:
  virtual std::string begin_statement() const = 0;
  // Serialises migrations across processes, inside the migration's transaction.
  virtual void lock_for_migration() = 0;

 private:
  void rollback(bool outer);

  mutable std::recursive_mutex mutex_;
  int depth_ = 0;  // transactions open on this connection
};

}  // namespace beetroot
