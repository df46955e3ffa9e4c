#include "collection/collections.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "base/error.h"

namespace beetroot {

Collections::Collections(FaceStore& store, GroupingRule rule, std::filesystem::path snapshot_dir,
                         VectorIndexOptions index_options)
    : store_(store), rule_(rule), snapshot_dir_(std::move(snapshot_dir)), index_options_(index_options) {}

std::shared_ptr<FaceCollection> Collections::load_locked(const std::string& id) {
  auto& slot = open_[id];
  if (!slot) slot = std::make_shared<FaceCollection>(store_, id, rule_, index_options_, snapshot_dir_);
  return slot;
}

void Collections::save_snapshots() {
  if (snapshot_dir_.empty()) return;
  // One save at a time: a save at stop may meet a periodic one, and both would write one folder.
  std::lock_guard saving(save_mutex_);
  std::vector<std::pair<std::string, std::shared_ptr<FaceCollection>>> open;
  {
    // Not held while saving: at 10M faces a save takes seconds, and requests go on meanwhile.
    std::lock_guard lock(mutex_);
    open.assign(open_.begin(), open_.end());
  }
  for (const auto& [id, collection] : open) {
    if (!collection->changed_since_snapshot()) continue;
    try {
      const auto start = std::chrono::steady_clock::now();
      collection->save_snapshot();
      spdlog::info("Collection: {}: index snapshot of {} faces saved in {:.1f} s", id, collection->indexed_faces(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    } catch (const std::exception& e) {
      spdlog::warn("Collection: {}: cannot save the index snapshot: {}", id, e.what());
    }
  }
}

std::shared_ptr<FaceCollection> Collections::create(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (!store_.create_collection(id)) throw Error(ErrorKind::AlreadyExists, "collection '" + id + "' already exists");
  open_.erase(id);
  return load_locked(id);
}

std::shared_ptr<FaceCollection> Collections::get(const std::string& id) {
  std::lock_guard lock(mutex_);
  // An open collection exists: remove() closes it first. This keeps a count(*) off every request.
  if (auto found = open_.find(id); found != open_.end()) return found->second;
  if (!store_.describe_collection(id)) {
    open_.erase(id);
    throw Error(ErrorKind::NotFound, "collection '" + id + "' does not exist");
  }
  return load_locked(id);
}

std::shared_ptr<FaceCollection> Collections::open(const std::string& id) {
  std::lock_guard lock(mutex_);
  return load_locked(id);
}

void Collections::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  open_.erase(id);
  if (!store_.delete_collection(id)) throw Error(ErrorKind::NotFound, "collection '" + id + "' does not exist");
}

std::vector<std::string> Collections::ids() const { return store_.list_collections(); }

std::optional<CollectionInfo> Collections::describe(const std::string& id) const {
  return store_.describe_collection(id);
}

}  // namespace beetroot
