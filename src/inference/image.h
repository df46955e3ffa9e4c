#pragma once
#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>

namespace beetroot {

struct ImageInfo {
  // "jpeg", "png", "webp", "heic", "avif", "tiff", "gif", "bmp", "jxl", "dng" or "raw" (other camera raw)
  std::string format;
  int width = 0, height = 0;
};

// Reads only the header: sizes are known before any pixel is decoded.
ImageInfo probe_image(std::string_view bytes);
// The media type an HTTP reply names the format by ("image/heic"...).
std::string media_type(const std::string& format);

struct DecodeOptions {
  uint64_t max_pixels = 100'000'000;  // refused above this, before decoding
  // Decoded at 1/2, 1/4 or 1/8 while the long side stays at least this long (0: full size): JPEGs
  // at that DCT scale, PNG, WebP and TIFF reduced while they decode, the others right after; a
  // camera raw's embedded preview is taken instead of developing it when it is this long.
  int work_long_side = 1600;
};

struct DecodedImage {
  cv::Mat rgb;          // 8-bit RGB, upright (EXIF orientation applied)
  ImageInfo info;       // as stored in the file
  int reduction = 1;    // decoded at 1/reduction of the stored size
};

DecodedImage decode_image(std::string_view bytes, const DecodeOptions& options = {});
// 8-bit RGB as a baseline JPEG.
std::string encode_jpeg(const cv::Mat& rgb, int quality);
// Whether a web browser shows this format in an <img> (JPEG, PNG, WebP, GIF, BMP, AVIF); the others
// (HEIC, TIFF, JPEG XL, camera raw) are shown as a JPEG made from them.
bool browsers_show(const std::string& format);

// A regular file of at most `max_bytes`; anything else gets an error naming what it is.
std::string read_file_bytes(const std::string& path, uint64_t max_bytes = uint64_t{256} << 20);

}  // namespace beetroot
