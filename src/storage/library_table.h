#pragma once
// Photo libraries indexed where they lie: folders registered by name, and what the last scan saw
// of each file in them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace beetroot {

struct Library {
  std::string name;  // the bucket its photos are filed under (S3's bucket rules)
  std::string root;  // absolute path of the folder
  std::string added_at;
};

// One file of a library as the last scan found it; `size` and `mtime_ns` tell an unchanged file
// without reading it, `content_hash` (sha256) recognises it after a move.
struct LibraryFile {
  std::string path;  // relative to the root: the photo's key
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string content_hash;
  std::string photo_id;
};

class LibraryTable {
 public:
  virtual ~LibraryTable() = default;
  virtual void add(const Library& library) = 0;  // Error AlreadyExists when the name is taken
  virtual std::optional<Library> get(const std::string& name) const = 0;
  virtual std::vector<Library> list() const = 0;
  // The library and its file records (not its photos: the caller deletes those first).
  virtual bool remove(const std::string& name) = 0;
  virtual std::vector<LibraryFile> files(const std::string& library) const = 0;
  virtual void put_file(const std::string& library, const LibraryFile& file) = 0;  // insert or replace
  virtual void remove_file(const std::string& library, const std::string& path) = 0;
};

}  // namespace beetroot
