#include "storage/sql/face_schema.h"

namespace beetroot {
namespace {

// The SQLite schema as it grew; each step runs once, in order.
const std::vector<std::string> kSqliteSteps = {
    "CREATE TABLE IF NOT EXISTS collections (collection_id TEXT PRIMARY KEY, created_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS faces (face_id TEXT PRIMARY KEY,"
    " collection_id TEXT NOT NULL REFERENCES collections(collection_id) ON DELETE CASCADE,"
    " person_id TEXT NOT NULL, photo_id TEXT NOT NULL, face_index INTEGER NOT NULL,"
    " box_left REAL, box_top REAL, box_width REAL, box_height REAL, confidence REAL,"
    " descriptor BLOB NOT NULL, external_image_id TEXT NOT NULL DEFAULT '', thumb_key TEXT NOT NULL DEFAULT '',"
    " exemplar INTEGER NOT NULL, UNIQUE (collection_id, photo_id, face_index));"
    "CREATE INDEX IF NOT EXISTS faces_by_person ON faces (collection_id, person_id);",
    // The cloud API's users, and each face's user.
    "CREATE TABLE users (collection_id TEXT NOT NULL REFERENCES collections(collection_id) ON DELETE CASCADE,"
    " user_id TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (collection_id, user_id));"
    "ALTER TABLE faces ADD COLUMN user_id TEXT NOT NULL DEFAULT '';",
    // What users said about persons (a person itself is its faces' shared person_id).
    "CREATE TABLE persons (collection_id TEXT NOT NULL REFERENCES collections(collection_id) ON DELETE CASCADE,"
    " person_id TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', hidden INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (collection_id, person_id));",
    // Covers the People view's counts (faces and distinct photos per person) without table reads.
    "DROP INDEX faces_by_person;"
    "CREATE INDEX faces_by_person_photo ON faces (collection_id, person_id, photo_id);",
    // Revisions, so that each process's index catches up with the others' writes.
    "ALTER TABLE collections ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE faces ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX faces_by_revision ON faces (collection_id, revision);"
    "CREATE TABLE face_deletions (collection_id TEXT NOT NULL REFERENCES collections(collection_id) ON DELETE CASCADE,"
    " face_id TEXT NOT NULL, revision INTEGER NOT NULL, PRIMARY KEY (collection_id, face_id));"
    "CREATE INDEX face_deletions_by_revision ON face_deletions (collection_id, revision);",
    // Corrections: faces a user placed, and pairs of faces a user ruled on.
    "ALTER TABLE faces ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE face_pair_rulings (collection_id TEXT NOT NULL REFERENCES collections(collection_id)"
    " ON DELETE CASCADE, face_a TEXT NOT NULL, face_b TEXT NOT NULL, apart INTEGER NOT NULL,"
    " revision INTEGER NOT NULL, PRIMARY KEY (collection_id, face_a, face_b));"
    "CREATE INDEX face_pair_rulings_by_revision ON face_pair_rulings (collection_id, revision);",
    // The cover face a user chose; faces a user deleted as no face.
    "ALTER TABLE persons ADD COLUMN cover_face_id TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE rejected_faces (collection_id TEXT NOT NULL REFERENCES collections(collection_id)"
    " ON DELETE CASCADE, face_id TEXT NOT NULL, PRIMARY KEY (collection_id, face_id));",
};

// The same schema in PostgreSQL: born complete up to the revisions, then grown as SQLite. Ids sort
// bytewise (COLLATE "C"), as in SQLite.
const std::vector<std::string> kPostgresSteps = {
    "CREATE TABLE collections (collection_id TEXT COLLATE \"C\" PRIMARY KEY, created_at TEXT NOT NULL,"
    " revision BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE faces (seq BIGSERIAL UNIQUE, face_id TEXT COLLATE \"C\" PRIMARY KEY,"
    " collection_id TEXT COLLATE \"C\" NOT NULL REFERENCES collections(collection_id) ON DELETE CASCADE,"
    " person_id TEXT COLLATE \"C\" NOT NULL, photo_id TEXT COLLATE \"C\" NOT NULL, face_index INTEGER NOT NULL,"
    " box_left REAL, box_top REAL, box_width REAL, box_height REAL, confidence REAL,"
    " descriptor BYTEA NOT NULL, external_image_id TEXT NOT NULL DEFAULT '', thumb_key TEXT NOT NULL DEFAULT '',"
    " exemplar INTEGER NOT NULL, user_id TEXT COLLATE \"C\" NOT NULL DEFAULT '', revision BIGINT NOT NULL DEFAULT 0,"
    " UNIQUE (collection_id, photo_id, face_index));"
    "CREATE INDEX faces_by_person_photo ON faces (collection_id, person_id, photo_id);"
    "CREATE INDEX faces_by_revision ON faces (collection_id, revision);"
    "CREATE TABLE users (collection_id TEXT COLLATE \"C\" NOT NULL REFERENCES collections(collection_id)"
    " ON DELETE CASCADE, user_id TEXT COLLATE \"C\" NOT NULL, created_at TEXT NOT NULL,"
    " PRIMARY KEY (collection_id, user_id));"
    "CREATE TABLE persons (collection_id TEXT COLLATE \"C\" NOT NULL REFERENCES collections(collection_id)"
    " ON DELETE CASCADE, person_id TEXT COLLATE \"C\" NOT NULL, name TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
    " hidden INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (collection_id, person_id));"
    "CREATE TABLE face_deletions (collection_id TEXT COLLATE \"C\" NOT NULL REFERENCES collections(collection_id)"
    " ON DELETE CASCADE, face_id TEXT COLLATE \"C\" NOT NULL, revision BIGINT NOT NULL,"
    " PRIMARY KEY (collection_id, face_id));"
    "CREATE INDEX face_deletions_by_revision ON face_deletions (collection_id, revision);",
    "ALTER TABLE faces ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE face_pair_rulings (collection_id TEXT COLLATE \"C\" NOT NULL REFERENCES collections(collection_id)"
    " ON DELETE CASCADE, face_a TEXT COLLATE \"C\" NOT NULL, face_b TEXT COLLATE \"C\" NOT NULL,"
    " apart INTEGER NOT NULL, revision BIGINT NOT NULL, PRIMARY KEY (collection_id, face_a, face_b));"
    "CREATE INDEX face_pair_rulings_by_revision ON face_pair_rulings (collection_id, revision);",
    "ALTER TABLE persons ADD COLUMN cover_face_id TEXT COLLATE \"C\" NOT NULL DEFAULT '';"
    "CREATE TABLE rejected_faces (collection_id TEXT COLLATE \"C\" NOT NULL REFERENCES collections(collection_id)"
    " ON DELETE CASCADE, face_id TEXT COLLATE \"C\" NOT NULL, PRIMARY KEY (collection_id, face_id));",
};

}  // namespace

const char* face_insertion_order(SqlDatabase::Dialect dialect) {
  return dialect == SqlDatabase::Dialect::Postgres ? "seq" : "rowid";
}

const std::vector<std::string>& face_schema_steps(SqlDatabase::Dialect dialect) {
  return dialect == SqlDatabase::Dialect::Postgres ? kPostgresSteps : kSqliteSteps;
}

}  // namespace beetroot
