#include "ingest/stores.h"

#include "storage/sqlite/database.h"
#include "storage/sqlite/sqlite_face_store.h"
#include "storage/sqlite/sqlite_photo_table.h"

namespace beetroot {

Stores Stores::open(const IngestConfig& config) {
  Stores s;
  s.config = config;
  s.database = std::make_shared<Database>(config.database);
  s.objects = open_object_store(config.object_store_url);
  s.photos = std::make_unique<SqlitePhotoTable>(s.database, config.photos_table);
  s.faces = std::make_unique<SqliteFaceStore>(s.database);
  s.collections = std::make_unique<Collections>(*s.faces, config.grouping);
  s.collection = s.collections->open(config.collection_id);
  s.people = std::make_unique<People>(*s.collection, *s.faces, *s.objects, *s.photos, config);
  return s;
}

}  // namespace beetroot
