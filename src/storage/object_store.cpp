#include "storage/object_store.h"

#include <algorithm>
#include <cstdint>

#include "base/error.h"
#include "base/files.h"
#include "storage/local/local_object_store.h"
#include "storage/s3/s3_object_store.h"

namespace beetroot {

void validate_bucket(const std::string& bucket) {
  const bool ok_length = bucket.size() >= 3 && bucket.size() <= 63;
  const bool ok_chars = std::all_of(bucket.begin(), bucket.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
  if (!ok_length || !ok_chars || bucket.front() == '.' || bucket.front() == '-' || bucket.find("..") != std::string::npos)
    throw Error(ErrorKind::InvalidParameter, "invalid bucket name '" + bucket + "' (3-63 characters: a-z, 0-9, '.', '-')");
}

namespace {

// S3 keys are UTF-8; a key that is not could not be listed as JSON.
bool valid_utf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    uint32_t point = length == 1 ? c : c & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next >> 6) != 0x2) return false;
      point = (point << 6) | (next & 0x3F);
    }
    const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (point < smallest[length] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

}  // namespace

void validate_key(const std::string& key) {
  auto refuse = [&](const std::string& why) {
    throw Error(ErrorKind::InvalidParameter, "invalid object key: " + why);
  };
  if (key.empty()) refuse("empty");
  if (key.size() > 1024) refuse("longer than 1024 bytes");
  if (key.front() == '/') refuse("absolute path '" + key + "'");
  for (unsigned char c : key)
    if (c < 0x20 || c == 0x7F) refuse("contains a NUL or control character");
  if (!valid_utf8(key)) refuse("not valid UTF-8");
  size_t start = 0;
  while (start <= key.size()) {
    const size_t end = std::min(key.find('/', start), key.size());
    const std::string segment = key.substr(start, end - start);
    if (segment == "..") refuse("'..' segment in '" + key + "'");
    if (segment == "." || (segment.empty() && end < key.size())) refuse("empty or '.' segment in '" + key + "'");
    start = end + 1;
  }
  if (key.back() == '/') refuse("ends with '/'");
}

void ObjectStore::put_file(const std::string& bucket, const std::string& key, const std::filesystem::path& file) {
  auto bytes = read_whole_file(file);
  if (!bytes) throw Error(ErrorKind::InvalidParameter, "cannot read " + file.string());
  put(bucket, key, std::move(*bytes));
}

std::unique_ptr<ObjectStore> open_object_store(const std::string& url, const S3Access& s3) {
  const std::string scheme = "file://";
  if (url.rfind(scheme, 0) == 0) return std::make_unique<LocalObjectStore>(url.substr(scheme.size()));
  if (url.rfind("s3", 0) == 0 && url.find("://") != std::string::npos)
    return std::make_unique<S3ObjectStore>(S3Options::from_url(url, s3));
  if (url.find("://") != std::string::npos)
    throw Error(ErrorKind::InvalidParameter,
                "unsupported object store URL '" + url + "' (expected file:///path, s3://, s3+http://host:port)");
  return std::make_unique<LocalObjectStore>(url);
}

}  // namespace beetroot
