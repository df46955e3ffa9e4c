#pragma once
#include <map>
#include <memory>
#include <mutex>

#include "storage/library_table.h"
#include "storage/object_store.h"

namespace beetroot {

// The object store as ingestion sees it: a registered library is a bucket whose objects are the
// files under its folder, read where they lie; every other bucket is the store underneath.
// beetroot never writes or deletes a library's files: a put there is refused, a remove does nothing.
class LibraryFolders : public ObjectStore {
 public:
  LibraryFolders(std::unique_ptr<ObjectStore> store, const LibraryTable& libraries);
  void put(const std::string& bucket, const std::string& key, std::string_view bytes) override;
  void put_file(const std::string& bucket, const std::string& key, const std::filesystem::path& file) override;
  std::optional<std::string> get(const std::string& bucket, const std::string& key) const override;
  bool exists(const std::string& bucket, const std::string& key) const override;
  void remove(const std::string& bucket, const std::string& key) override;
  std::vector<std::string> list(const std::string& bucket, const std::string& prefix) const override;

 private:
  // The folder of the library named `bucket`, if it is one (registrations are read again when a
  // bucket is not known, so a library added by another process is found).
  std::optional<std::filesystem::path> root_of(const std::string& bucket) const;
  std::filesystem::path file_of(const std::filesystem::path& root, const std::string& key) const;

  std::unique_ptr<ObjectStore> store_;
  const LibraryTable& libraries_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::filesystem::path> roots_;
};

}  // namespace beetroot
