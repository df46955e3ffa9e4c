#include "storage/postgres/postgres_database.h"

#include <memory>

#include "base/error.h"

namespace beetroot {
namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Parameters travel as text, except blobs, which travel as raw bytes (binary format).
struct Parameters {
  std::vector<std::string> texts;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;

  explicit Parameters(const std::vector<SqlValue>& params) : texts(params.size()) {
    for (size_t i = 0; i < params.size(); ++i) {
      const char* value = nullptr;
      int length = 0, format = 0;
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, int64_t>) {
              texts[i] = std::to_string(v);
            } else if constexpr (std::is_same_v<T, double>) {
              char buffer[32];
              std::snprintf(buffer, sizeof buffer, "%.17g", v);
              texts[i] = buffer;
            } else if constexpr (std::is_same_v<T, std::string_view>) {
              texts[i] = std::string(v);
            } else if constexpr (std::is_same_v<T, SqlBlob>) {
              value = v.bytes.data();
              length = static_cast<int>(v.bytes.size());
              format = 1;
            }
            if constexpr (!std::is_same_v<T, std::nullptr_t> && !std::is_same_v<T, SqlBlob>) value = texts[i].c_str();
          },
          params[i]);
      values.push_back(value);
      lengths.push_back(length);
      formats.push_back(format);
    }
  }
};

// bytea arrives as text in hex form: \x0a1b...
std::string decode_bytea(const char* text, int length) {
  if (length < 2 || text[0] != '\\' || text[1] != 'x')
    throw Error(ErrorKind::Internal, "PostgreSQL returned bytea in an unexpected form");
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out(static_cast<size_t>(length - 2) / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(nibble(text[2 + 2 * i]) << 4 | nibble(text[3 + 2 * i]));
  return out;
}

constexpr Oid kByteaOid = 17;

std::string where_of(PGconn* conn) {
  return std::string(PQhost(conn)) + ":" + PQport(conn) + "/" + PQdb(conn);
}

}  // namespace

bool is_postgres_url(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

PostgresDatabase::PostgresDatabase(const std::string& url) {
  conn_ = PQconnectdb(url.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw Error(ErrorKind::Internal, "cannot connect to PostgreSQL: " + message);
  }
  where_ = where_of(conn_);
  script("SET client_min_messages = warning");  // no NOTICE for CREATE ... IF NOT EXISTS
}

PostgresDatabase::~PostgresDatabase() { PQfinish(conn_); }

void PostgresDatabase::reconnect_if_lost() {
  if (PQstatus(conn_) == CONNECTION_OK || in_transaction()) return;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    throw Error(ErrorKind::Internal, "PostgreSQL " + where_ + " is unreachable: " + PQerrorMessage(conn_));
  script("SET client_min_messages = warning");
}

SqlResult PostgresDatabase::query(std::string_view sql, const std::vector<SqlValue>& params) {
  auto guard = lock();
  reconnect_if_lost();
  const Parameters p(params);
  const std::string text(sql);
  Result r(PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr, p.values.data(),
                        p.lengths.data(), p.formats.data(), 0));
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    throw Error(ErrorKind::Internal, "PostgreSQL: " + std::string(PQresultErrorMessage(r.get())) + "in '" + text + "'");
  SqlResult result;
  const int rows = PQntuples(r.get()), columns = PQnfields(r.get());
  result.rows.reserve(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    std::vector<std::optional<std::string>> cells;
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(r.get(), i, c)) {
        cells.emplace_back();
        continue;
      }
      const char* value = PQgetvalue(r.get(), i, c);
      const int length = PQgetlength(r.get(), i, c);
      cells.emplace_back(PQftype(r.get(), c) == kByteaOid ? decode_bytea(value, length) : std::string(value, length));
    }
    result.rows.emplace_back(std::move(cells));
  }
  const char* affected = PQcmdTuples(r.get());
  result.affected = *affected ? std::stoll(affected) : 0;
  return result;
}

void PostgresDatabase::script(std::string_view sql) {
  auto guard = lock();
  reconnect_if_lost();
  Result r(PQexec(conn_, std::string(sql).c_str()));
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw Error(ErrorKind::Internal, "PostgreSQL: " + std::string(PQresultErrorMessage(r.get())));
}

void PostgresDatabase::lock_for_migration() {
  // Two workers starting together: the second waits, then finds the schema up to date.
  script("SELECT pg_advisory_xact_lock(7262556377)");
}

}  // namespace beetroot
