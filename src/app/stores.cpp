#include "app/stores.h"

#include "base/error.h"
#include "storage/library/library_folders.h"
#include "storage/postgres/postgres_database.h"
#include "storage/sql/sql_face_store.h"
#include "storage/sql/sql_job_queue.h"
#include "storage/sql/sql_person_table.h"
#include "storage/sql/sql_library_table.h"
#include "storage/sql/sql_photo_table.h"
#include "storage/sqlite/sqlite_database.h"

namespace beetroot {

std::shared_ptr<SqlDatabase> open_database(const Settings& config) {
  if (config.database_url.empty()) return std::make_shared<SqliteDatabase>(config.database);
  if (is_postgres_url(config.database_url)) return std::make_shared<PostgresDatabase>(config.database_url);
  throw Error(ErrorKind::InvalidParameter,
              "DATABASE_URL must be a postgresql:// URL (leave it unset for SQLite at DATABASE_PATH)");
}

Stores Stores::open(const Settings& config) {
  Stores s;
  s.config = config;
  s.database = open_database(config);
  s.libraries = std::make_unique<SqlLibraryTable>(s.database);
  s.objects = std::make_unique<LibraryFolders>(open_object_store(config.object_store_url, config.s3), *s.libraries);
  s.photos = std::make_unique<SqlPhotoTable>(s.database, config.photos_table);
  s.jobs = std::make_unique<SqlJobQueue>(s.database, config.photos_table);
  s.faces = std::make_unique<SqlFaceStore>(s.database);
  s.persons = std::make_unique<SqlPersonTable>(s.database);
  VectorIndexOptions index_options;
  index_options.hnsw_ef_search = config.hnsw_ef_search;
  s.collections = std::make_unique<Collections>(
      *s.faces, config.grouping, config.data_dir.empty() ? std::filesystem::path() : config.data_dir / "index", index_options);
  s.collection = s.collections->open(config.collection_id);
  s.people = std::make_unique<People>(*s.collection, *s.faces, *s.persons, *s.objects, *s.photos, config.thumbnails());
  s.questions = std::make_unique<Questions>(*s.people, *s.collection, config.match_threshold);
  return s;
}

Pipeline Stores::pipeline(FaceEngine& engine) {
  return Pipeline(engine, *objects, *photos, *collection, *people, config.pipeline());
}

}  // namespace beetroot
