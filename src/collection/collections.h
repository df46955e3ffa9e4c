#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collection/face_collection.h"

namespace beetroot {

// Every collection of one FaceStore, each opened once and shared, so that the ingestion pipeline
// and the API search and index the same in-memory index.
class Collections {
 public:
  // `snapshot_dir`: where each collection's index snapshot lives (none if empty).
  Collections(FaceStore& store, GroupingRule rule, std::filesystem::path snapshot_dir = {},
              VectorIndexOptions index_options = {});

  std::shared_ptr<FaceCollection> create(const std::string& id);  // Error AlreadyExists
  std::shared_ptr<FaceCollection> get(const std::string& id);     // Error NotFound
  std::shared_ptr<FaceCollection> open(const std::string& id);    // created if missing
  void remove(const std::string& id);                              // Error NotFound
  std::vector<std::string> ids() const;
  std::optional<CollectionInfo> describe(const std::string& id) const;
  FaceStore& store() { return store_; }
  // Saves every open collection's index that changed since its last snapshot, so that the next
  // start loads instead of rebuilding it.
  void save_snapshots();

 private:
  std::shared_ptr<FaceCollection> load_locked(const std::string& id);

  FaceStore& store_;
  GroupingRule rule_;
  std::filesystem::path snapshot_dir_;
  VectorIndexOptions index_options_;
  std::mutex mutex_;
  std::mutex save_mutex_;
  std::map<std::string, std::shared_ptr<FaceCollection>> open_;
};

}  // namespace beetroot
