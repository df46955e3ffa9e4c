#include "storage/sql/sql_face_store.h"

#include <cstring>

#include "base/error.h"
#include "storage/photo_table.h"
#include "storage/sql/face_schema.h"

namespace beetroot {
namespace {

constexpr const char* kFaceColumns =
    "face_id, person_id, photo_id, face_index, box_left, box_top, box_width, box_height, confidence, descriptor,"
    " external_image_id, thumb_key, exemplar, user_id, confirmed";

constexpr const char* kPhotoOrder = "ORDER BY photo_id, face_index";

FaceRecord read_face(const SqlRow& r) {
  FaceRecord f;
  f.face_id = r.text(0);
  f.person_id = r.text(1);
  f.photo_id = r.text(2);
  f.face_index = static_cast<int>(r.integer(3));
  f.box = {static_cast<float>(r.real(4)), static_cast<float>(r.real(5)), static_cast<float>(r.real(6)),
           static_cast<float>(r.real(7))};
  f.confidence = static_cast<float>(r.real(8));
  const std::string& blob = r.text(9);
  if (blob.size() != sizeof(Descriptor)) throw Error(ErrorKind::Internal, "face " + f.face_id + " has a corrupt descriptor");
  std::memcpy(f.descriptor.data(), blob.data(), blob.size());
  f.external_image_id = r.text(10);
  f.thumb_key = r.text(11);
  f.exemplar = r.integer(12) != 0;
  f.user_id = r.text(13);
  f.confirmed = r.integer(14) != 0;
  return f;
}

}  // namespace

SqlFaceStore::SqlFaceStore(std::shared_ptr<SqlDatabase> db) : db_(std::move(db)) {
  db_->migrate("faces", face_schema_steps(db_->dialect()));
}

const char* SqlFaceStore::insertion_order() const { return face_insertion_order(db_->dialect()); }

std::vector<FaceRecord> SqlFaceStore::faces_of_person(const std::string& collection_id,
                                                      const std::string& person_id) const {
  return query_faces("collection_id = $1 AND person_id = $2", {collection_id, person_id},
                     std::string("ORDER BY ") + insertion_order());
}

bool SqlFaceStore::create_collection(const std::string& id) {
  return db_->query("INSERT INTO collections (collection_id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    {id, utc_now_iso8601()})
             .affected == 1;
}

std::optional<CollectionInfo> SqlFaceStore::describe_collection(const std::string& id) const {
  const auto rows =
      db_->query("SELECT c.collection_id, c.created_at,"
                 " (SELECT count(*) FROM faces f WHERE f.collection_id = c.collection_id),"
                 " (SELECT count(*) FROM users u WHERE u.collection_id = c.collection_id)"
                 " FROM collections c WHERE c.collection_id = $1",
                 {id})
          .rows;
  if (rows.empty()) return std::nullopt;
  const SqlRow& r = rows.front();
  return CollectionInfo{r.text(0), r.text(1), r.integer(2), r.integer(3)};
}

std::vector<std::string> SqlFaceStore::list_collections() const {
  std::vector<std::string> ids;
  for (const auto& r : db_->query("SELECT collection_id FROM collections ORDER BY collection_id").rows)
    ids.push_back(r.text(0));
  return ids;
}

bool SqlFaceStore::delete_collection(const std::string& id) {
  return db_->query("DELETE FROM collections WHERE collection_id = $1", {id}).affected == 1;
}

void SqlFaceStore::write(const std::string& collection_id, const std::function<void(int64_t revision)>& body) {
  auto guard = db_->lock();
  if (writing_collection_ == collection_id) return body(writing_revision_);
  if (!writing_collection_.empty())
    throw Error(ErrorKind::Internal, "a write to collection '" + collection_id + "' inside one to '" +
                                         writing_collection_ + "'");
  db_->transaction([&] {
    // The row lock this takes is the collection's write lock, held until commit.
    const auto rows = db_->query("UPDATE collections SET revision = revision + 1 WHERE collection_id = $1"
                                 " RETURNING revision",
                                 {collection_id})
                          .rows;
    if (rows.empty()) throw Error(ErrorKind::NotFound, "collection '" + collection_id + "' does not exist");
    writing_collection_ = collection_id;
    writing_revision_ = rows.front().integer(0);
    try {
      body(writing_revision_);
    } catch (...) {
      writing_collection_.clear();
      throw;
    }
    writing_collection_.clear();
  });
}

int64_t SqlFaceStore::revision(const std::string& collection_id) const {
  const auto rows = db_->query("SELECT revision FROM collections WHERE collection_id = $1", {collection_id}).rows;
  return rows.empty() ? 0 : rows.front().integer(0);
}

CollectionDelta SqlFaceStore::changes_since(const std::string& collection_id, int64_t revision) const {
  // The revision first: whatever lands after it is read again next time, and applying a face's
  // current record twice is harmless. Deletions last, so that a face deleted meanwhile goes.
  CollectionDelta delta;
  delta.revision = this->revision(collection_id);
  delta.upserted = query_faces("collection_id = $1 AND revision > $2", {collection_id, revision}, "ORDER BY revision");
  for (const auto& r : db_->query("SELECT face_id FROM face_deletions WHERE collection_id = $1 AND revision > $2",
                                  {collection_id, revision})
                           .rows)
    delta.deleted.push_back(r.text(0));
  delta.rulings = query_rulings("revision > $2", {collection_id, revision});
  return delta;
}

std::vector<FaceRecord> SqlFaceStore::query_faces(const std::string& where, const std::vector<SqlValue>& args,
                                                  const std::string& order_and_limit) const {
  const auto rows =
      db_->query(std::string("SELECT ") + kFaceColumns + " FROM faces WHERE " + where + " " + order_and_limit, args).rows;
  std::vector<FaceRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(read_face(r));
  return out;
}

std::vector<FaceRecord> SqlFaceStore::faces(const std::string& collection_id) const {
  return query_faces("collection_id = $1", {collection_id}, kPhotoOrder);
}

std::vector<FaceRecord> SqlFaceStore::faces_of_photo(const std::string& collection_id, const std::string& photo_id) const {
  return query_faces("collection_id = $1 AND photo_id = $2", {collection_id, photo_id}, kPhotoOrder);
}

void SqlFaceStore::insert_faces(const std::string& collection_id, const std::vector<FaceRecord>& faces) {
  write(collection_id, [&](int64_t revision) {
    for (const auto& f : faces) {
      const std::string_view descriptor(reinterpret_cast<const char*>(f.descriptor.data()), sizeof(Descriptor));
      db_->query(std::string("INSERT INTO faces (collection_id, revision, ") + kFaceColumns +
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                 {collection_id, revision, f.face_id, f.person_id, f.photo_id, static_cast<int64_t>(f.face_index),
                  static_cast<double>(f.box.x), static_cast<double>(f.box.y), static_cast<double>(f.box.width),
                  static_cast<double>(f.box.height), static_cast<double>(f.confidence), SqlBlob{descriptor},
                  f.external_image_id, f.thumb_key, static_cast<int64_t>(f.exemplar), f.user_id,
                  static_cast<int64_t>(f.confirmed)});
      // A face deleted earlier and filed again (its photo re-ingested) is no longer deleted.
      db_->query("DELETE FROM face_deletions WHERE collection_id = $1 AND face_id = $2", {collection_id, f.face_id});
    }
  });
}

std::vector<FaceRecord> SqlFaceStore::faces_by_id(const std::string& collection_id,
                                                  const std::vector<std::string>& face_ids) const {
  std::vector<FaceRecord> out;
  for (const auto& id : face_ids) {
    auto found = query_faces("collection_id = $1 AND face_id = $2", {collection_id, id}, "");
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::vector<FaceRecord> SqlFaceStore::faces_page(const std::string& collection_id, const std::string& after_face_id,
                                                 size_t limit) const {
  return query_faces("collection_id = $1 AND face_id > $2", {collection_id, after_face_id},
                     "ORDER BY face_id LIMIT " + std::to_string(limit));
}

void SqlFaceStore::delete_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) {
  write(collection_id, [&](int64_t revision) {
    for (const auto& id : face_ids) {
      if (db_->query("DELETE FROM faces WHERE collection_id = $1 AND face_id = $2", {collection_id, id}).affected == 0)
        continue;
      db_->query("INSERT INTO face_deletions (collection_id, face_id, revision) VALUES ($1, $2, $3)"
                 " ON CONFLICT (collection_id, face_id) DO UPDATE SET revision = excluded.revision",
                 {collection_id, id, revision});
    }
  });
}

bool SqlFaceStore::create_user(const std::string& collection_id, const std::string& user_id) {
  return db_->query("INSERT INTO users (collection_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    {collection_id, user_id, utc_now_iso8601()})
             .affected == 1;
}

bool SqlFaceStore::user_exists(const std::string& collection_id, const std::string& user_id) const {
  return !db_->query("SELECT 1 FROM users WHERE collection_id = $1 AND user_id = $2", {collection_id, user_id})
              .rows.empty();
}

bool SqlFaceStore::delete_user(const std::string& collection_id, const std::string& user_id) {
  bool deleted = false;
  write(collection_id, [&](int64_t revision) {
    db_->query("UPDATE faces SET user_id = '', revision = $3 WHERE collection_id = $1 AND user_id = $2",
               {collection_id, user_id, revision});
    deleted = db_->query("DELETE FROM users WHERE collection_id = $1 AND user_id = $2", {collection_id, user_id})
                  .affected == 1;
  });
  return deleted;
}

std::vector<std::string> SqlFaceStore::users_page(const std::string& collection_id, const std::string& after_user_id,
                                                  size_t limit) const {
  std::vector<std::string> ids;
  for (const auto& r : db_->query("SELECT user_id FROM users WHERE collection_id = $1 AND user_id > $2"
                                  " ORDER BY user_id LIMIT $3",
                                  {collection_id, after_user_id, static_cast<int64_t>(limit)})
                           .rows)
    ids.push_back(r.text(0));
  return ids;
}

void SqlFaceStore::set_faces_user(const std::string& collection_id, const std::vector<std::string>& face_ids,
                                  const std::string& user_id) {
  write(collection_id, [&](int64_t revision) {
    for (const auto& id : face_ids)
      db_->query("UPDATE faces SET user_id = $1, revision = $2 WHERE collection_id = $3 AND face_id = $4",
                 {user_id, revision, collection_id, id});
  });
}

void SqlFaceStore::forget_faceless_persons(const std::string& collection_id) {
  db_->query("DELETE FROM persons WHERE collection_id = $1 AND person_id NOT IN"
             " (SELECT person_id FROM faces WHERE collection_id = $1)",
             {collection_id});
}

void SqlFaceStore::move_faces(const std::string& collection_id, const std::vector<FaceRecord>& moved,
                              const std::function<void()>& also) {
  write(collection_id, [&](int64_t revision) {
    for (const auto& f : moved)
      db_->query("UPDATE faces SET person_id = $1, thumb_key = $2, photo_id = $3, revision = $4"
                 " WHERE collection_id = $5 AND face_id = $6",
                 {f.person_id, f.thumb_key, f.photo_id, revision, collection_id, f.face_id});
    also();
    forget_faceless_persons(collection_id);
  });
}

void SqlFaceStore::delete_faces_and(const std::string& collection_id, const std::vector<std::string>& face_ids,
                                    const std::function<void()>& also) {
  write(collection_id, [&](int64_t) {
    delete_faces(collection_id, face_ids);
    also();
    forget_faceless_persons(collection_id);
  });
}

void SqlFaceStore::confirm_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) {
  write(collection_id, [&](int64_t revision) {
    for (const auto& id : face_ids)
      db_->query("UPDATE faces SET confirmed = 1, revision = $1 WHERE collection_id = $2 AND face_id = $3"
                 " AND confirmed = 0",
                 {revision, collection_id, id});
  });
}

void SqlFaceStore::rule_pairs(const std::string& collection_id, const std::vector<FacePairRuling>& rulings) {
  write(collection_id, [&](int64_t revision) {
    for (const auto& r : rulings)
      db_->query("INSERT INTO face_pair_rulings (collection_id, face_a, face_b, apart, revision)"
                 " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (collection_id, face_a, face_b)"
                 " DO UPDATE SET apart = excluded.apart, revision = excluded.revision",
                 {collection_id, r.face_a, r.face_b, static_cast<int64_t>(r.apart), revision});
  });
}

std::vector<FacePairRuling> SqlFaceStore::query_rulings(const std::string& where,
                                                        const std::vector<SqlValue>& args) const {
  std::vector<FacePairRuling> out;
  for (const auto& r : db_->query("SELECT face_a, face_b, apart FROM face_pair_rulings WHERE collection_id = $1 AND " +
                                      where + " ORDER BY revision",
                                  args)
                           .rows)
    out.push_back({r.text(0), r.text(1), r.integer(2) != 0});
  return out;
}

std::vector<FacePairRuling> SqlFaceStore::apart_pairs(const std::string& collection_id) const {
  return query_rulings("apart = 1", {collection_id});
}

std::vector<std::string> SqlFaceStore::confirmed_faces(const std::string& collection_id) const {
  std::vector<std::string> ids;
  for (const auto& r : db_->query("SELECT face_id FROM faces WHERE collection_id = $1 AND confirmed = 1", {collection_id}).rows)
    ids.push_back(r.text(0));
  return ids;
}

void SqlFaceStore::reject_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) {
  for (const auto& id : face_ids)
    db_->query("INSERT INTO rejected_faces (collection_id, face_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
               {collection_id, id});
}

std::set<std::string> SqlFaceStore::rejected_among(const std::string& collection_id,
                                                   const std::vector<std::string>& face_ids) const {
  std::set<std::string> rejected;
  if (face_ids.empty()) return rejected;
  std::vector<SqlValue> args{collection_id};
  std::string in;
  for (const auto& id : face_ids) {
    args.emplace_back(id);
    in += (in.empty() ? "$" : ", $") + std::to_string(args.size());
  }
  for (const auto& r :
       db_->query("SELECT face_id FROM rejected_faces WHERE collection_id = $1 AND face_id IN (" + in + ")", args).rows)
    rejected.insert(r.text(0));
  return rejected;
}

}  // namespace beetroot
