#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace beetroot {

// Buckets of objects addressed by key, as an S3-compatible store has them.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Atomic: a reader sees the old object or the new one, never a part.
  virtual void put(const std::string& bucket, const std::string& key, std::string_view bytes) = 0;
  // The same from a file, which a store may stream rather than hold in memory.
  virtual void put_file(const std::string& bucket, const std::string& key, const std::filesystem::path& file);
  virtual std::optional<std::string> get(const std::string& bucket, const std::string& key) const = 0;
  virtual bool exists(const std::string& bucket, const std::string& key) const = 0;
  virtual void remove(const std::string& bucket, const std::string& key) = 0;
  virtual std::vector<std::string> list(const std::string& bucket, const std::string& prefix) const = 0;
};

// S3's rules for bucket names (3-63 lower-case letters, digits, '.', '-').
void validate_bucket(const std::string& bucket);
// Keys: 1-1024 bytes of UTF-8, no NUL or control characters, no absolute path, no '.' or '..' segment.
void validate_key(const std::string& key);

// How an S3 store is reached, from the settings (S3_REGION or AWS_REGION, S3_ADDRESSING, AWS_*).
struct S3Access {
  std::string region = "us-east-1";
  std::string addressing;  // "path", "virtual", or "": path for a server of one's own, virtual for AWS
  std::string access_key, secret_key, session_token;
};

// "file:///path" or a plain path: the local folder backend. "s3://" (AWS), "s3+http://host:port" or
// "s3+https://host:port": an S3-compatible server, reached with `s3`.
std::unique_ptr<ObjectStore> open_object_store(const std::string& url, const S3Access& s3 = {});

}  // namespace beetroot
