// The face store's schema migrations, on a database as an older beetroot left it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "storage/sql/sql_face_store.h"
#include "storage/sqlite/sqlite_database.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

// A database written before users existed opens with its faces intact and gains the users schema.
TEST(FaceStore, MigratesADatabaseFromBeforeUsers) {
  const fs::path dir = fs::temp_directory_path() / ("beetroot-migrate-" + std::to_string(getpid()));
  fs::remove_all(dir);
  {
    SqliteDatabase old(dir / "db.sqlite");
    old.script(
        "CREATE TABLE collections (collection_id TEXT PRIMARY KEY, created_at TEXT NOT NULL);"
        "CREATE TABLE faces (face_id TEXT PRIMARY KEY, collection_id TEXT NOT NULL, person_id TEXT NOT NULL,"
        " photo_id TEXT NOT NULL, face_index INTEGER NOT NULL, box_left REAL, box_top REAL, box_width REAL,"
        " box_height REAL, confidence REAL, descriptor BLOB NOT NULL, external_image_id TEXT NOT NULL DEFAULT '',"
        " thumb_key TEXT NOT NULL DEFAULT '', exemplar INTEGER NOT NULL, UNIQUE (collection_id, photo_id, face_index));"
        "INSERT INTO collections VALUES ('old', '2026-01-01T00:00:00.000Z');"
        "INSERT INTO faces VALUES ('f1', 'old', 'f1', 'p1', 1, 0, 0, 1, 1, 99, zeroblob(512), 'x', 'k', 1);");
  }
  auto db = std::make_shared<SqliteDatabase>(dir / "db.sqlite");
  SqlFaceStore store(db);
  const auto faces = store.faces("old");
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].user_id, "");
  EXPECT_TRUE(store.create_user("old", "u1"));
  store.set_faces_user("old", {"f1"}, "u1");
  EXPECT_EQ(store.faces("old")[0].user_id, "u1");
  SqlFaceStore reopened(db);  // migrations run once
  EXPECT_EQ(reopened.describe_collection("old")->user_count, 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace beetroot
