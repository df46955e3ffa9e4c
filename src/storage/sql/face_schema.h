#pragma once
#include <string>
#include <vector>

#include "storage/sql/sql_database.h"

namespace beetroot {

// The tables of faces, persons, users and corrections (SqlFaceStore's queries run on them): the
// migration steps for `dialect`, each run once, in order (SqlDatabase::migrate).
const std::vector<std::string>& face_schema_steps(SqlDatabase::Dialect dialect);
// The column that orders faces as they were inserted: rowid in SQLite, seq in PostgreSQL.
const char* face_insertion_order(SqlDatabase::Dialect dialect);

}  // namespace beetroot
