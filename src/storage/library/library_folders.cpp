#include "storage/library/library_folders.h"

#include <spdlog/spdlog.h>

#include "base/error.h"
#include "inference/image.h"

namespace beetroot {
LibraryFolders::LibraryFolders(std::unique_ptr<ObjectStore> store, const LibraryTable& libraries)
    : store_(std::move(store)), libraries_(libraries) {}

std::optional<std::filesystem::path> LibraryFolders::root_of(const std::string& bucket) const {
  std::lock_guard lock(mutex_);
  if (auto known = roots_.find(bucket); known != roots_.end()) return known->second;
  const auto library = libraries_.get(bucket);
  if (!library) return std::nullopt;
  return roots_[bucket] = library->root;
}

std::filesystem::path LibraryFolders::file_of(const std::filesystem::path& root, const std::string& key) const {
  validate_key(key);  // relative, no '.' or '..' segment: it stays under the root
  return root / key;
}

void LibraryFolders::put(const std::string& bucket, const std::string& key, std::string_view bytes) {
  if (root_of(bucket))
    throw Error(ErrorKind::InvalidParameter, "'" + bucket + "' is a library: beetroot reads its folder and never writes to it");
  store_->put(bucket, key, bytes);
}

void LibraryFolders::put_file(const std::string& bucket, const std::string& key, const std::filesystem::path& file) {
  if (root_of(bucket))
    throw Error(ErrorKind::InvalidParameter, "'" + bucket + "' is a library: beetroot reads its folder and never writes to it");
  store_->put_file(bucket, key, file);
}

std::optional<std::string> LibraryFolders::get(const std::string& bucket, const std::string& key) const {
  const auto root = root_of(bucket);
  if (!root) return store_->get(bucket, key);
  const auto path = file_of(*root, key);
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) return std::nullopt;
  return read_file_bytes(path.string());  // a regular file, within the size limit for a photo
}

bool LibraryFolders::exists(const std::string& bucket, const std::string& key) const {
  const auto root = root_of(bucket);
  if (!root) return store_->exists(bucket, key);
  std::error_code error;
  return std::filesystem::is_regular_file(file_of(*root, key), error);
}

void LibraryFolders::remove(const std::string& bucket, const std::string& key) {
  if (root_of(bucket)) {
    spdlog::debug("Photos: kept library file {}/{} (beetroot never deletes a library's files)", bucket, key);
    return;
  }
  store_->remove(bucket, key);
}

std::vector<std::string> LibraryFolders::list(const std::string& bucket, const std::string& prefix) const {
  const auto root = root_of(bucket);
  if (!root) return store_->list(bucket, prefix);
  std::vector<std::string> keys;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(*root, error); !error && it != std::filesystem::recursive_directory_iterator();
       it.increment(error))
    if (it->is_regular_file()) {
      const std::string key = std::filesystem::relative(it->path(), *root).generic_string();
      if (key.starts_with(prefix)) keys.push_back(key);
    }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace beetroot
