#pragma once
#include <memory>

#include "collection/face_store.h"
#include "storage/sqlite/database.h"

namespace beetroot {

class SqliteFaceStore : public FaceStore {
 public:
  explicit SqliteFaceStore(std::shared_ptr<Database> db);
  bool create_collection(const std::string& id) override;
  std::optional<CollectionInfo> describe_collection(const std::string& id) const override;
  std::vector<std::string> list_collections() const override;
  bool delete_collection(const std::string& id) override;
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
  std::vector<PersonSummary> people(const std::string& collection_id, PeopleOrder order, bool include_hidden,
                                    size_t offset, size_t limit) const override;
  int64_t people_count(const std::string& collection_id, bool include_hidden) const override;
  std::optional<PersonSummary> person(const std::string& collection_id, const std::string& person_id) const override;
  std::vector<FaceRecord> faces_of_person(const std::string& collection_id, const std::string& person_id) const override;
  void set_person_name(const std::string& collection_id, const std::string& person_id, const std::string& name) override;
  void set_person_hidden(const std::string& collection_id, const std::string& person_id, bool hidden) override;
  void move_faces(const std::string& collection_id, const std::vector<FaceRecord>& moved,
                  const std::function<void()>& also) override;
  void delete_faces_and(const std::string& collection_id, const std::vector<std::string>& face_ids,
                        const std::function<void()>& also) override;

 private:
  void forget_faceless_persons(const std::string& collection_id);
  std::vector<FaceRecord> query_faces(const std::string& where, const std::vector<std::string>& args,
                                      const std::string& order_and_limit) const;
  std::shared_ptr<Database> db_;
};

}  // namespace beetroot
