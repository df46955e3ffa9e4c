#pragma once
#include <string>
#include <vector>

namespace beetroot {

struct S3ObjectRef {
  std::string bucket, key;
};

// The S3 "ObjectCreated" notification: Records[].s3.bucket.name and the URL-encoded
// Records[].s3.object.key ('+' for space). Records of other event kinds are ignored.
std::vector<S3ObjectRef> parse_s3_event(const std::string& json_text);
std::string url_decode_s3_key(const std::string& encoded);

}  // namespace beetroot
