#include "storage/sqlite/database.h"

#include "inference/error.h"

namespace beetroot {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw Error(ErrorKind::Internal, "SQLite " + what + ": " + sqlite3_errmsg(db));
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db), stmt_(nullptr) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
    fail(db, "prepare of '" + std::string(sql) + "'");
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::bind_blob(int index, const void* data, size_t size) {
  sqlite3_bind_blob(stmt_, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "step");
}

void Statement::run() {
  while (step()) {
  }
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, column)) : std::string();
}
int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }
std::vector<unsigned char> Statement::blob(int column) const {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
  return p ? std::vector<unsigned char>(p, p + sqlite3_column_bytes(stmt_, column)) : std::vector<unsigned char>();
}
bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Database::Database(const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error(ErrorKind::Internal, "cannot open database " + path.string() + ": " + message);
  }
  sqlite3_busy_timeout(db_, 30000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
}

void Database::migrate(const std::string& schema, const std::vector<std::string>& steps) {
  auto guard = lock();
  exec("CREATE TABLE IF NOT EXISTS schema_versions (schema TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  transaction([&] {
    auto query = prepare("SELECT version FROM schema_versions WHERE schema = ?");
    query.bind(1, schema);
    const int64_t current = query.step() ? query.integer(0) : 0;
    if (current > static_cast<int64_t>(steps.size()))
      throw Error(ErrorKind::Internal, "database schema '" + schema + "' is at version " + std::to_string(current) +
                                           ", newer than this beetroot knows (" + std::to_string(steps.size()) + ")");
    for (size_t v = static_cast<size_t>(current); v < steps.size(); ++v) exec(steps[v]);
    prepare("INSERT INTO schema_versions (schema, version) VALUES (?, ?)"
            " ON CONFLICT (schema) DO UPDATE SET version = excluded.version")
        .bind(1, schema)
        .bind(2, static_cast<int64_t>(steps.size()))
        .run();
  });
}

Database::~Database() { sqlite3_close(db_); }

void Database::exec(std::string_view sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw Error(ErrorKind::Internal, "SQLite: " + text + " in '" + std::string(sql) + "'");
  }
}

}  // namespace beetroot
