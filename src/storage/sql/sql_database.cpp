#include "storage/sql/sql_database.h"

#include <charconv>

#include "base/error.h"

namespace beetroot {
namespace {

const std::string kEmpty;

}  // namespace

const std::string& SqlRow::text(size_t column) const {
  const auto& cell = cells_.at(column);
  return cell ? *cell : kEmpty;
}

int64_t SqlRow::integer(size_t column) const {
  const std::string& t = text(column);
  int64_t value = 0;
  if (!t.empty() && std::from_chars(t.data(), t.data() + t.size(), value).ec != std::errc())
    throw Error(ErrorKind::Internal, "database returned '" + t + "' where an integer was expected");
  return value;
}

double SqlRow::real(size_t column) const {
  const std::string& t = text(column);
  return t.empty() ? 0.0 : std::stod(t);
}

void SqlDatabase::rollback(bool outer) {
  try {
    script(outer ? "ROLLBACK" : "ROLLBACK TO nested; RELEASE nested");
  } catch (const std::exception&) {
    // The connection is gone or broken; the server has rolled back, and the body's error is the one to report.
  }
}

void SqlDatabase::migrate(const std::string& schema, const std::vector<std::string>& steps) {
  transaction([&] {
    lock_for_migration();
    script("CREATE TABLE IF NOT EXISTS schema_versions (schema TEXT PRIMARY KEY, version INTEGER NOT NULL)");
    const auto found = query("SELECT version FROM schema_versions WHERE schema = $1", {schema}).rows;
    const int64_t current = found.empty() ? 0 : found.front().integer(0);
    if (current > static_cast<int64_t>(steps.size()))
      throw Error(ErrorKind::Internal, "database schema '" + schema + "' is at version " + std::to_string(current) +
                                           ", newer than this beetroot knows (" + std::to_string(steps.size()) + ")");
    for (size_t v = static_cast<size_t>(current); v < steps.size(); ++v) script(steps[v]);
    query("INSERT INTO schema_versions (schema, version) VALUES ($1, $2)"
          " ON CONFLICT (schema) DO UPDATE SET version = excluded.version",
          {schema, static_cast<int64_t>(steps.size())});
  });
}

std::string SqlDatabase::now_seconds_expression() const {
  return dialect() == Dialect::Postgres ? "extract(epoch FROM clock_timestamp())::double precision"
                                        : "((julianday('now') - 2440587.5) * 86400.0)";
}

std::string SqlDatabase::skip_locked_clause() const {
  // SQLite has one writer at a time (BEGIN IMMEDIATE), so nothing is left to skip.
  return dialect() == Dialect::Postgres ? " FOR UPDATE SKIP LOCKED" : "";
}

}  // namespace beetroot
