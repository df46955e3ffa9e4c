#pragma once
#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>

namespace beetroot {

struct ImageInfo {
  std::string format;  // "jpeg", "png", "webp"
  int width = 0, height = 0;
};

// Reads only the header: sizes are known before any pixel is decoded.
ImageInfo probe_image(std::string_view bytes);

struct DecodeOptions {
  uint64_t max_pixels = 100'000'000;  // refused above this, before decoding
  // Decoded at 1/2, 1/4 or 1/8 while the long side stays at least this long (0: full size): JPEGs
  // at that DCT scale, PNG and WebP reduced while they decode.
  int work_long_side = 1600;
};

struct DecodedImage {
  cv::Mat rgb;          // 8-bit RGB, upright (EXIF orientation applied)
  ImageInfo info;       // as stored in the file
  int reduction = 1;    // decoded at 1/reduction of the stored size
};

DecodedImage decode_image(std::string_view bytes, const DecodeOptions& options = {});
// A regular file of at most `max_bytes`; anything else gets an error naming what it is.
std::string read_file_bytes(const std::string& path, uint64_t max_bytes = uint64_t{256} << 20);

}  // namespace beetroot
