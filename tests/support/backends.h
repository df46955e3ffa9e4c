#pragma once
// The storage backends the shared suites run against: SQLite and the local folder always;
// PostgreSQL and an S3 server where BEETROOT_TEST_POSTGRES_URL and BEETROOT_TEST_S3_ENDPOINT name
// them (scripts/test-servers.sh, which scripts/test.sh runs, starts both).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/postgres/postgres_database.h"
#include "storage/sqlite/sqlite_database.h"
#include "test_support.h"

namespace beetroot::test {

// A database of its own for one test, on the backend named "sqlite" or "postgres"; dropped after.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& backend) : backend_(backend) {
    static std::atomic<int> counter{0};
    name_ = "beetroot_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    if (backend == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() / name_;
      std::filesystem::remove_all(dir_);
      url_ = "";
      return;
    }
    admin_ = env_or_empty("BEETROOT_TEST_POSTGRES_URL");
    PostgresDatabase(admin_).script("CREATE DATABASE " + name_);
    url_ = admin_.substr(0, admin_.rfind('/') + 1) + name_;
  }
  ~ScratchDatabase() {
    if (backend_ == "sqlite") {
      std::filesystem::remove_all(dir_);
    } else {
      try {
        PostgresDatabase(admin_).script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
      } catch (const std::exception&) {
        // Left for the throwaway cluster to take with it.
      }
    }
  }
  // A new connection to this database.
  std::shared_ptr<SqlDatabase> connect() const {
    if (backend_ == "sqlite") return std::make_shared<SqliteDatabase>(dir_ / "db.sqlite");
    return std::make_shared<PostgresDatabase>(url_);
  }
  const std::string& url() const { return url_; }  // DATABASE_URL ("" for SQLite)
  std::filesystem::path sqlite_path() const { return dir_ / "db.sqlite"; }

 private:
  std::string backend_, name_, admin_, url_;
  std::filesystem::path dir_;
};

// Skips a postgres-parameterised test where no server was named.
#define BEETROOT_REQUIRE_BACKEND(backend)                                                       \
  do {                                                                                          \
    if ((backend) == "postgres" && beetroot::test::env_or_empty("BEETROOT_TEST_POSTGRES_URL").empty()) \
      GTEST_SKIP() << "BEETROOT_TEST_POSTGRES_URL is not set (scripts/test-servers.sh starts a server)"; \
  } while (0)

}  // namespace beetroot::test
