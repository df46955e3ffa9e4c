#pragma once
#include <memory>

#include "collection/face_store.h"
#include "storage/sql/sql_database.h"

namespace beetroot {

// Collections, faces and users in SQLite or PostgreSQL (persons as users named them: SqlPersonTable).
class SqlFaceStore : public FaceStore {
 public:
  explicit SqlFaceStore(std::shared_ptr<SqlDatabase> db);
  bool create_collection(const std::string& id) override;
  std::optional<CollectionInfo> describe_collection(const std::string& id) const override;
  std::vector<std::string> list_collections() const override;
  bool delete_collection(const std::string& id) override;
  void write(const std::string& collection_id, const std::function<void(int64_t revision)>& body) override;
  int64_t revision(const std::string& collection_id) const override;
  CollectionDelta changes_since(const std::string& collection_id, int64_t revision) const override;
  std::vector<FaceRecord> faces(const std::string& collection_id) const override;
  std::vector<FaceRecord> faces_of_photo(const std::string& collection_id, const std::string& photo_id) const override;
  void insert_faces(const std::string& collection_id, const std::vector<FaceRecord>& faces) override;
  std::vector<FaceRecord> faces_by_id(const std::string& collection_id,
                                      const std::vector<std::string>& face_ids) const override;
  std::vector<FaceRecord> faces_page(const std::string& collection_id, const std::string& after_face_id,
                                     size_t limit) const override;
  void delete_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) override;
  bool create_user(const std::string& collection_id, const std::string& user_id) override;
  bool user_exists(const std::string& collection_id, const std::string& user_id) const override;
  bool delete_user(const std::string& collection_id, const std::string& user_id) override;
  std::vector<std::string> users_page(const std::string& collection_id, const std::string& after_user_id,
                                      size_t limit) const override;
  void set_faces_user(const std::string& collection_id, const std::vector<std::string>& face_ids,
                      const std::string& user_id) override;
  std::vector<FaceRecord> faces_of_person(const std::string& collection_id, const std::string& person_id) const override;
  void move_faces(const std::string& collection_id, const std::vector<FaceRecord>& moved,
                  const std::function<void()>& also) override;
  void delete_faces_and(const std::string& collection_id, const std::vector<std::string>& face_ids,
                        const std::function<void()>& also) override;
  void confirm_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) override;
  void rule_pairs(const std::string& collection_id, const std::vector<FacePairRuling>& rulings) override;
  std::vector<FacePairRuling> apart_pairs(const std::string& collection_id) const override;
  std::vector<std::string> confirmed_faces(const std::string& collection_id) const override;
  void reject_faces(const std::string& collection_id, const std::vector<std::string>& face_ids) override;
  std::set<std::string> rejected_among(const std::string& collection_id,
                                       const std::vector<std::string>& face_ids) const override;

 private:
  void forget_faceless_persons(const std::string& collection_id);
  std::vector<FaceRecord> query_faces(const std::string& where, const std::vector<SqlValue>& args,
                                      const std::string& order_and_limit) const;
  // Rulings of the collection ($1) that pass `where`, in the order they were made.
  std::vector<FacePairRuling> query_rulings(const std::string& where, const std::vector<SqlValue>& args) const;
  const char* insertion_order() const;  // face_insertion_order() of this database

  std::shared_ptr<SqlDatabase> db_;
  // The write this connection is inside, if any: its collection and revision.
  std::string writing_collection_;
  int64_t writing_revision_ = 0;
};

}  // namespace beetroot
