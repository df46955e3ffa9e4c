#include "storage/sqlite/sqlite_database.h"

#include <memory>

#include "base/error.h"

namespace beetroot {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw Error(ErrorKind::Internal, "SQLite " + what + ": " + sqlite3_errmsg(db));
}

// $1 (the shared spelling) becomes ?1, SQLite's numbered parameter.
std::string numbered_parameters(std::string_view sql) {
  std::string out(sql);
  for (size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '?';
  return out;
}

struct Finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

void bind(sqlite3_stmt* stmt, int index, const SqlValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>)
          sqlite3_bind_null(stmt, index);
        else if constexpr (std::is_same_v<T, int64_t>)
          sqlite3_bind_int64(stmt, index, v);
        else if constexpr (std::is_same_v<T, double>)
          sqlite3_bind_double(stmt, index, v);
        else if constexpr (std::is_same_v<T, std::string_view>)
          sqlite3_bind_text(stmt, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        else
          sqlite3_bind_blob(stmt, index, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT);
      },
      value);
}

std::optional<std::string> cell(sqlite3_stmt* stmt, int column) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_NULL:
      return std::nullopt;
    case SQLITE_BLOB: {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, column));
      return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
    }
    default: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
      return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
    }
  }
}

}  // namespace

SqliteDatabase::SqliteDatabase(const std::filesystem::path& path) : path_(path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error(ErrorKind::Internal, "cannot open database " + path.string() + ": " + message);
  }
  sqlite3_busy_timeout(db_, 30000);
  script("PRAGMA journal_mode=WAL");
  script("PRAGMA synchronous=NORMAL");
  script("PRAGMA foreign_keys=ON");
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close(db_); }

SqlResult SqliteDatabase::query(std::string_view sql, const std::vector<SqlValue>& params) {
  auto guard = lock();
  const std::string text = numbered_parameters(sql);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &raw, nullptr) != SQLITE_OK)
    fail(db_, "prepare of '" + text + "'");
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt(raw);
  for (size_t i = 0; i < params.size(); ++i) bind(raw, static_cast<int>(i + 1), params[i]);
  SqlResult result;
  for (;;) {
    const int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail(db_, "step of '" + text + "'");
    std::vector<std::optional<std::string>> cells;
    for (int c = 0; c < sqlite3_column_count(raw); ++c) cells.push_back(cell(raw, c));
    result.rows.emplace_back(std::move(cells));
  }
  result.affected = sqlite3_changes(db_);
  return result;
}

void SqliteDatabase::script(std::string_view sql) {
  auto guard = lock();
  char* message = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw Error(ErrorKind::Internal, "SQLite: " + text);
  }
}

}  // namespace beetroot
