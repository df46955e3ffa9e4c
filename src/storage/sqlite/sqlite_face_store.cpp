#include "storage/sqlite/sqlite_face_store.h"

#include <cstring>

#include "inference/error.h"
#include "storage/photo_table.h"

namespace beetroot {
namespace {

constexpr const char* kFaceColumns =
    "face_id, person_id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, descriptor,"
    " external_image_id, thumb_key, exemplar, user_id";

constexpr const char* kPhotoOrder = "ORDER BY photo_id, face_index";

FaceRecord read_face(const Statement& s) {
  FaceRecord f;
  f.face_id = s.text(0);
  f.person_id = s.text(1);
  f.photo_id = s.text(2);
  f.face_index = static_cast<int>(s.integer(3));
  f.box = {static_cast<float>(s.real(4)), static_cast<float>(s.real(5)), static_cast<float>(s.real(6)),
           static_cast<float>(s.real(7))};
  f.confidence = static_cast<float>(s.real(8));
  const auto blob = s.blob(9);
  if (blob.size() != sizeof(Descriptor)) throw Error(ErrorKind::Internal, "face " + f.face_id + " has a corrupt descriptor");
  std::memcpy(f.descriptor.data(), blob.data(), blob.size());
  f.external_image_id = s.text(10);
  f.thumb_key = s.text(11);
  f.exemplar = s.integer(12) != 0;
  f.user_id = s.text(13);
  return f;
}

}  // namespace

SqliteFaceStore::SqliteFaceStore(std::shared_ptr<Database> db) : db_(std::move(db)) {
  db_->migrate("faces", {
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
  });
}

bool SqliteFaceStore::create_collection(const std::string& id) {
  auto guard = db_->lock();
  db_->prepare("INSERT OR IGNORE INTO collections (collection_id, created_at) VALUES (?, ?)")
      .bind(1, id)
      .bind(2, utc_now_iso8601())
      .run();
  return db_->changes() == 1;
}

std::optional<CollectionInfo> SqliteFaceStore::describe_collection(const std::string& id) const {
  auto guard = db_->lock();
  auto s = db_->prepare(
      "SELECT c.collection_id, c.created_at, (SELECT count(*) FROM faces f WHERE f.collection_id = c.collection_id),"
      " (SELECT count(*) FROM users u WHERE u.collection_id = c.collection_id)"
      " FROM collections c WHERE c.collection_id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return CollectionInfo{s.text(0), s.text(1), s.integer(2), s.integer(3)};
}

std::vector<std::string> SqliteFaceStore::list_collections() const {
  auto guard = db_->lock();
  auto s = db_->prepare("SELECT collection_id FROM collections ORDER BY collection_id");
  std::vector<std::string> ids;
  while (s.step()) ids.push_back(s.text(0));
  return ids;
}

bool SqliteFaceStore::delete_collection(const std::string& id) {
  auto guard = db_->lock();
  db_->prepare("DELETE FROM collections WHERE collection_id = ?").bind(1, id).run();
  return db_->changes() == 1;
}

std::vector<FaceRecord> SqliteFaceStore::query_faces(const std::string& where, const std::vector<std::string>& args,
                                                     const std::string& order_and_limit) const {
  auto guard = db_->lock();
  auto s = db_->prepare(std::string("SELECT ") + kFaceColumns + " FROM faces WHERE " + where + " " + order_and_limit);
  for (size_t i = 0; i < args.size(); ++i) s.bind(static_cast<int>(i + 1), args[i]);
  std::vector<FaceRecord> out;
  while (s.step()) out.push_back(read_face(s));
  return out;
}

std::vector<FaceRecord> SqliteFaceStore::faces(const std::string& collection_id) const {
  return query_faces("collection_id = ?", {collection_id}, kPhotoOrder);
}

std::vector<FaceRecord> SqliteFaceStore::faces_of_photo(const std::string& collection_id, const std::string& photo_id) const {
  return query_faces("collection_id = ? AND photo_id = ?", {collection_id, photo_id}, kPhotoOrder);
}

void SqliteFaceStore::insert_faces(const std::string& collection_id, const std::vector<FaceRecord>& faces) {
  auto guard = db_->lock();
  db_->transaction([&] {
    for (const auto& f : faces) {
      db_->prepare(std::string("INSERT INTO faces (collection_id, ") + kFaceColumns +
                   ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
          .bind(1, collection_id)
          .bind(2, f.face_id)
          .bind(3, f.person_id)
          .bind(4, f.photo_id)
          .bind(5, static_cast<int64_t>(f.face_index))
          .bind(6, static_cast<double>(f.box.x))
          .bind(7, static_cast<double>(f.box.y))
          .bind(8, static_cast<double>(f.box.width))
          .bind(9, static_cast<double>(f.box.height))
          .bind(10, static_cast<double>(f.confidence))
          .bind_blob(11, f.descriptor.data(), sizeof(Descriptor))
          .bind(12, f.external_image_id)
          .bind(13, f.thumb_key)
          .bind(14, static_cast<int64_t>(f.exemplar))
          .bind(15, f.user_id)
          .run();
    }
  });
}

std::vector<FaceRecord> SqliteFaceStore::faces_by_id(const std::string& collection_id,
                                                     const std::vector<std::string>& face_ids) const {
  std::vector<FaceRecord> out;
  for (const auto& id : face_ids) {
    auto found = query_faces("collection_id = ? AND face_id = ?", {collection_id, id}, "");
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::vector<FaceRecord> SqliteFaceStore::faces_page(const std::string& collection_id, const std::string& after_face_id,
                                                    size_t limit) const {
  return query_faces("collection_id = ? AND face_id > ?", {collection_id, after_face_id},
                     "ORDER BY face_id LIMIT " + std::to_string(limit));
}

void SqliteFaceStore::delete_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) {
  db_->transaction([&] {
    for (const auto& id : face_ids)
      db_->prepare("DELETE FROM faces WHERE collection_id = ? AND face_id = ?").bind(1, collection_id).bind(2, id).run();
  });
}

bool SqliteFaceStore::create_user(const std::string& collection_id, const std::string& user_id) {
  auto guard = db_->lock();
  db_->prepare("INSERT OR IGNORE INTO users (collection_id, user_id, created_at) VALUES (?, ?, ?)")
      .bind(1, collection_id)
      .bind(2, user_id)
      .bind(3, utc_now_iso8601())
      .run();
  return db_->changes() == 1;
}

bool SqliteFaceStore::user_exists(const std::string& collection_id, const std::string& user_id) const {
  auto guard = db_->lock();
  auto s = db_->prepare("SELECT 1 FROM users WHERE collection_id = ? AND user_id = ?");
  s.bind(1, collection_id).bind(2, user_id);
  return s.step();
}

bool SqliteFaceStore::delete_user(const std::string& collection_id, const std::string& user_id) {
  bool deleted = false;
  db_->transaction([&] {
    db_->prepare("UPDATE faces SET user_id = '' WHERE collection_id = ? AND user_id = ?")
        .bind(1, collection_id)
        .bind(2, user_id)
        .run();
    db_->prepare("DELETE FROM users WHERE collection_id = ? AND user_id = ?").bind(1, collection_id).bind(2, user_id).run();
    deleted = db_->changes() == 1;
  });
  return deleted;
}

std::vector<std::string> SqliteFaceStore::users_page(const std::string& collection_id, const std::string& after_user_id,
                                                     size_t limit) const {
  auto guard = db_->lock();
  auto s = db_->prepare("SELECT user_id FROM users WHERE collection_id = ? AND user_id > ? ORDER BY user_id LIMIT ?");
  s.bind(1, collection_id).bind(2, after_user_id).bind(3, static_cast<int64_t>(limit));
  std::vector<std::string> ids;
  while (s.step()) ids.push_back(s.text(0));
  return ids;
}

void SqliteFaceStore::set_faces_user(const std::string& collection_id, const std::vector<std::string>& face_ids,
                                     const std::string& user_id) {
  db_->transaction([&] {
    for (const auto& id : face_ids)
      db_->prepare("UPDATE faces SET user_id = ? WHERE collection_id = ? AND face_id = ?")
          .bind(1, user_id)
          .bind(2, collection_id)
          .bind(3, id)
          .run();
  });
}

namespace {

// Persons as their faces grouped (one pass over the person index), joined with what users said
// about them. `%FILTER%` and `%ORDER%` complete it; the cover thumbnail is looked up only for the
// rows of the page.
constexpr const char* kPeopleQuery =
    "SELECT x.person_id, x.name, x.hidden, x.faces, x.photos, (SELECT thumb_key FROM faces WHERE rowid = x.first)"
    " FROM (SELECT g.person_id, coalesce(p.name, '') AS name, coalesce(p.hidden, 0) AS hidden, g.faces, g.photos,"
    "  g.first FROM (SELECT person_id, count(*) AS faces, count(DISTINCT photo_id) AS photos, min(rowid) AS first"
    "   FROM faces WHERE collection_id = ?1 %PERSON% GROUP BY person_id) g"
    "  LEFT JOIN persons p ON p.collection_id = ?1 AND p.person_id = g.person_id"
    "  %FILTER% %ORDER%) x";

std::string people_query(const std::string& person, const std::string& filter, const std::string& order) {
  std::string sql = kPeopleQuery;
  for (const auto& [slot, text] : {std::pair{"%PERSON%", person}, {"%FILTER%", filter}, {"%ORDER%", order}})
    sql.replace(sql.find(slot), std::string(slot).size(), text);
  return sql;
}

PersonSummary read_person(const Statement& s) {
  return {s.text(0), s.text(1), s.integer(2) != 0, s.integer(3), s.integer(4), s.text(5)};
}

}  // namespace

std::vector<PersonSummary> SqliteFaceStore::people(const std::string& collection_id, PeopleOrder order,
                                                   bool include_hidden, size_t offset, size_t limit) const {
  auto guard = db_->lock();
  const std::string order_by = order == PeopleOrder::Name
                                   ? "coalesce(p.name, '') = '', coalesce(p.name, '') COLLATE NOCASE, "
                                   : "g.faces DESC, ";
  auto s = db_->prepare(people_query("", include_hidden ? "" : "WHERE coalesce(p.hidden, 0) = 0",
                                     "ORDER BY " + order_by + "g.person_id LIMIT ?2 OFFSET ?3"));
  s.bind(1, collection_id).bind(2, static_cast<int64_t>(limit)).bind(3, static_cast<int64_t>(offset));
  std::vector<PersonSummary> out;
  while (s.step()) out.push_back(read_person(s));
  return out;
}

int64_t SqliteFaceStore::people_count(const std::string& collection_id, bool include_hidden) const {
  auto guard = db_->lock();
  auto s = db_->prepare(std::string("SELECT count(*) FROM (SELECT person_id FROM faces WHERE collection_id = ?1"
                                    " GROUP BY person_id) g LEFT JOIN persons p"
                                    " ON p.collection_id = ?1 AND p.person_id = g.person_id") +
                        (include_hidden ? "" : " WHERE coalesce(p.hidden, 0) = 0"));
  s.bind(1, collection_id);
  s.step();
  return s.integer(0);
}

std::optional<PersonSummary> SqliteFaceStore::person(const std::string& collection_id,
                                                     const std::string& person_id) const {
  auto guard = db_->lock();
  auto s = db_->prepare(people_query("AND person_id = ?2", "", ""));
  s.bind(1, collection_id).bind(2, person_id);
  if (!s.step()) return std::nullopt;
  return read_person(s);
}

std::vector<FaceRecord> SqliteFaceStore::faces_of_person(const std::string& collection_id,
                                                         const std::string& person_id) const {
  return query_faces("collection_id = ? AND person_id = ?", {collection_id, person_id}, "ORDER BY rowid");
}

void SqliteFaceStore::set_person_name(const std::string& collection_id, const std::string& person_id,
                                      const std::string& name) {
  auto guard = db_->lock();
  db_->prepare("INSERT INTO persons (collection_id, person_id, name) VALUES (?, ?, ?)"
               " ON CONFLICT (collection_id, person_id) DO UPDATE SET name = excluded.name")
      .bind(1, collection_id)
      .bind(2, person_id)
      .bind(3, name)
      .run();
}

void SqliteFaceStore::set_person_hidden(const std::string& collection_id, const std::string& person_id, bool hidden) {
  auto guard = db_->lock();
  db_->prepare("INSERT INTO persons (collection_id, person_id, hidden) VALUES (?, ?, ?)"
               " ON CONFLICT (collection_id, person_id) DO UPDATE SET hidden = excluded.hidden")
      .bind(1, collection_id)
      .bind(2, person_id)
      .bind(3, static_cast<int64_t>(hidden))
      .run();
}

void SqliteFaceStore::forget_faceless_persons(const std::string& collection_id) {
  db_->prepare("DELETE FROM persons WHERE collection_id = ?1 AND person_id NOT IN"
               " (SELECT person_id FROM faces WHERE collection_id = ?1)")
      .bind(1, collection_id)
      .run();
}

void SqliteFaceStore::move_faces(const std::string& collection_id, const std::vector<FaceRecord>& moved,
                                 const std::function<void()>& also) {
  db_->transaction([&] {
    for (const auto& f : moved)
      db_->prepare("UPDATE faces SET person_id = ?, thumb_key = ? WHERE collection_id = ? AND face_id = ?")
          .bind(1, f.person_id)
          .bind(2, f.thumb_key)
          .bind(3, collection_id)
          .bind(4, f.face_id)
          .run();
    also();
    forget_faceless_persons(collection_id);
  });
}

void SqliteFaceStore::delete_faces_and(const std::string& collection_id, const std::vector<std::string>& face_ids,
                                       const std::function<void()>& also) {
  db_->transaction([&] {
    delete_faces(collection_id, face_ids);
    also();
    forget_faceless_persons(collection_id);
  });
}

}  // namespace beetroot
