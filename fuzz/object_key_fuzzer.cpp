// Any object key, URL-encoded as S3 events carry them, then checked as every store checks it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "ingest/s3_event.h"
#include "storage/object_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  try {
    beetroot::validate_key(raw);
  } catch (const beetroot::Error&) {
  }
  try {
    beetroot::validate_key(beetroot::url_decode_s3_key(raw));
  } catch (const beetroot::Error&) {
  }
  return 0;
}
