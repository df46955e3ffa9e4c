#pragma once
#include <filesystem>

#include "storage/object_store.h"

namespace beetroot {

// Objects as files under <root>/<bucket>/<key>; writes go to a temporary file, are synced, then renamed.
class LocalObjectStore : public ObjectStore {
 public:
  explicit LocalObjectStore(std::filesystem::path root);
  void put(const std::string& bucket, const std::string& key, std::string_view bytes) override;
  std::optional<std::string> get(const std::string& bucket, const std::string& key) const override;
  bool exists(const std::string& bucket, const std::string& key) const override;
  void remove(const std::string& bucket, const std::string& key) override;
  std::vector<std::string> list(const std::string& bucket, const std::string& prefix) const override;

 private:
  std::filesystem::path path_of(const std::string& bucket, const std::string& key) const;
  std::filesystem::path root_;
};

}  // namespace beetroot
