#pragma once
#include <libpq-fe.h>

#include "storage/sql/sql_database.h"

namespace beetroot {

// One libpq connection (a postgresql:// URL). A connection lost between transactions is
// re-established on the next statement; one lost inside a transaction fails that transaction.
class PostgresDatabase : public SqlDatabase {
 public:
  explicit PostgresDatabase(const std::string& url);
  ~PostgresDatabase() override;
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  Dialect dialect() const override { return Dialect::Postgres; }
  SqlResult query(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  void script(std::string_view sql) override;
  std::string describe() const override { return where_; }

 protected:
  std::string begin_statement() const override { return "BEGIN"; }
  void lock_for_migration() override;

 private:
  void reconnect_if_lost();

  PGconn* conn_ = nullptr;
  std::string where_;  // host:port/dbname
};

// Whether a DATABASE_URL names PostgreSQL (postgresql:// or postgres://).
bool is_postgres_url(const std::string& url);

}  // namespace beetroot
