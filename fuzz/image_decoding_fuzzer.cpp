// Any bytes as a photo file: JPEG (EXIF included), PNG, WebP, at full size and reduced.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "inference/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (int work_long_side : {0, 16}) {
    beetroot::DecodeOptions options;
    options.max_pixels = 4'000'000;  // the fuzzer's memory, not the product's limit
    options.work_long_side = work_long_side;
    try {
      beetroot::probe_image(bytes);
      beetroot::decode_image(bytes, options);
    } catch (const beetroot::Error&) {
    }
  }
  return 0;
}
