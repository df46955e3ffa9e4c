#pragma once
#include <memory>
#include <mutex>

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

 private:
  std::vector<FaceRecord> query_faces(const std::string& where, const std::vector<std::string>& args) const;
  std::shared_ptr<Database> db_;
  mutable std::mutex mutex_;
};

}  // namespace beetroot
