// Any body POSTed to /events/s3.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "ingest/s3_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    beetroot::parse_s3_event(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const beetroot::Error&) {
  }
  return 0;
}
