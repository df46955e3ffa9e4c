#include "storage/local/local_object_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "base/error.h"
#include "base/files.h"

namespace beetroot {
namespace {

// Temporary files carry this marker so that listings never show a half-written object.
constexpr std::string_view kTempMarker = ".beetroot-tmp-";

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) throw Error(ErrorKind::Internal, "cannot write " + path.string());
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

LocalObjectStore::LocalObjectStore(std::filesystem::path root) : root_(std::move(root)) {
  std::filesystem::create_directories(root_);
}

std::filesystem::path LocalObjectStore::path_of(const std::string& bucket, const std::string& key) const {
  validate_bucket(bucket);
  validate_key(key);
  // S3 takes any segment within 1024 bytes; a folder keeps each as a file name, of 255 at most.
  for (size_t start = 0, end; start < key.size(); start = end + 1) {
    end = std::min(key.find('/', start), key.size());
    if (end - start > 255)
      throw Error(ErrorKind::InvalidParameter, "invalid object key: a segment of " + std::to_string(end - start) +
                                                   " bytes, above the 255 the embedded store (a folder) can keep");
  }
  return root_ / bucket / key;
}

void LocalObjectStore::put(const std::string& bucket, const std::string& key, std::string_view bytes) {
  static std::atomic<unsigned> counter{0};
  const auto path = path_of(bucket, key);
  std::filesystem::create_directories(path.parent_path());
  auto temp = path;
  temp += std::string(kTempMarker) + std::to_string(getpid()) + "-" + std::to_string(counter++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(ErrorKind::Internal, "cannot create " + temp.string());
  try {
    write_all(fd, bytes, temp);
    if (::fsync(fd) != 0) throw Error(ErrorKind::Internal, "cannot sync " + temp.string());
  } catch (...) {
    ::close(fd);
    std::filesystem::remove(temp);
    throw;
  }
  ::close(fd);
  std::filesystem::rename(temp, path);
}

std::optional<std::string> LocalObjectStore::get(const std::string& bucket, const std::string& key) const {
  // A folder is no object, as in S3 (reading one would throw "Is a directory").
  const auto path = path_of(bucket, key);
  return read_whole_file(path);
}

bool LocalObjectStore::exists(const std::string& bucket, const std::string& key) const {
  return std::filesystem::is_regular_file(path_of(bucket, key));
}

void LocalObjectStore::remove(const std::string& bucket, const std::string& key) {
  std::filesystem::remove(path_of(bucket, key));
}

std::vector<std::string> LocalObjectStore::list(const std::string& bucket, const std::string& prefix) const {
  validate_bucket(bucket);
  std::vector<std::string> keys;
  const auto dir = root_ / bucket;
  if (!std::filesystem::exists(dir)) return keys;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string key = std::filesystem::relative(entry.path(), dir).generic_string();
    if (key.find(kTempMarker) != std::string::npos) continue;
    if (key.compare(0, prefix.size(), prefix) == 0) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace beetroot
