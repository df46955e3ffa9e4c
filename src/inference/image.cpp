#include "inference/image.h"

#include <webp/decode.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/error.h"
#include "inference/formats/decoders.h"
#include "inference/formats/pixels.h"
#include "inference/reduced_decoding.h"

namespace beetroot {
namespace {

unsigned be16(const unsigned char* p) { return (p[0] << 8) | p[1]; }
unsigned be32(const unsigned char* p) { return (be16(p) << 16) | be16(p + 2); }
unsigned le16(const unsigned char* p) { return p[0] | (p[1] << 8); }
int32_t le32(const unsigned char* p) { return static_cast<int32_t>(le16(p) | (le16(p + 2) << 16)); }

bool starts_with(std::string_view bytes, std::string_view magic, size_t at = 0) {
  return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
}

// Walks JPEG markers up to the first start-of-frame, which holds the size.
ImageInfo probe_jpeg(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 2;
  while (i + 4 <= bytes.size()) {
    if (p[i] != 0xFF) throw Error(ErrorKind::InvalidImageFormat, "corrupt JPEG: bad marker");
    const unsigned marker = p[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) {
      i += 2;
      continue;
    }
    const unsigned length = be16(p + i + 2);
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (i + 9 > bytes.size()) break;
      return {"jpeg", static_cast<int>(be16(p + i + 7)), static_cast<int>(be16(p + i + 5))};
    }
    if (marker == 0xD9 || marker == 0xDA || length < 2) break;
    i += 2 + length;
  }
  throw Error(ErrorKind::InvalidImageFormat, "truncated or corrupt JPEG: no frame header");
}

int decode_reduction(const ImageInfo& info, const DecodeOptions& options) {
  if (options.work_long_side <= 0) return 1;
  const int long_side = std::max(info.width, info.height);
  int reduction = 1;
  while (reduction < 8 && long_side / (reduction * 2) >= options.work_long_side) reduction *= 2;
  return reduction;
}

cv::Mat decode_other(std::string_view bytes, const std::string& format, int reduction, int work_long_side) {
  if (format == "gif") return decode_gif(bytes, reduction);
  if (format == "jxl") return decode_jxl(bytes, reduction);
  if (format == "heic" || format == "avif") return decode_heif(bytes, reduction);
  if (format == "tiff") return decode_tiff(bytes, reduction);
  return decode_camera_raw(bytes, reduction, work_long_side);  // "dng", "raw"
}

int imread_flags(int reduction) {
  switch (reduction) {
    case 2: return cv::IMREAD_REDUCED_COLOR_2;
    case 4: return cv::IMREAD_REDUCED_COLOR_4;
    case 8: return cv::IMREAD_REDUCED_COLOR_8;
    default: return cv::IMREAD_COLOR;
  }
}

// Windows bitmaps: the size sits in the info header, 16-bit in the oldest (12-byte) kind; a
// negative height means rows stored top down.
ImageInfo probe_bmp(std::string_view bytes) {
  if (bytes.size() < 26) throw Error(ErrorKind::InvalidImageFormat, "truncated BMP: no info header");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (le32(p + 14) == 12) return {"bmp", static_cast<int>(le16(p + 18)), static_cast<int>(le16(p + 20))};
  const int64_t width = le32(p + 18), height = le32(p + 22);
  if (width > (1 << 30) || std::abs(height) > (1 << 30)) throw Error(ErrorKind::ImageTooLarge, "BMP header declares an absurd size");
  return {"bmp", static_cast<int>(width), static_cast<int>(std::abs(height))};
}

// Files people mistake for photos, named in the refusal.
std::string unsupported_kind(std::string_view bytes) {
  if (bytes.empty()) return "empty file";
  if (starts_with(bytes, "%PDF")) return "a PDF document";
  if (starts_with(bytes, "8BPS")) return "a Photoshop document";
  if (starts_with(bytes, std::string_view("\0\0\0\x0CjP  ", 8))) return "JPEG 2000";
  if (starts_with(bytes, std::string_view("\0\0\1\0", 4))) return "a Windows icon";
  if (starts_with(bytes, "ftyp", 4)) return "a video or an ISO media file that is not HEIF (brand " + std::string(bytes.substr(8, 4)) + ")";
  if (starts_with(bytes, "<?xml") || starts_with(bytes, "<svg")) return "SVG, a drawing";
  return "unknown";
}

constexpr const char* kFormatsRead = "JPEG, PNG, WebP, HEIC, AVIF, TIFF, GIF, BMP, JPEG XL or camera raw";

}  // namespace

ImageInfo probe_image(std::string_view bytes) {
  ImageInfo info;
  // FF D8 FF, as OpenCV's JPEG decoder wants it: it is the one cv::imdecode picks then.
  if (starts_with(bytes, "\xFF\xD8\xFF")) {
    info = probe_jpeg(bytes);
  } else if (starts_with(bytes, "\x89PNG\r\n\x1A\n")) {
    if (bytes.size() < 24 || !starts_with(bytes, "IHDR", 12))
      throw Error(ErrorKind::InvalidImageFormat, "truncated or corrupt PNG: no IHDR header");
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const unsigned w = be32(p + 16), h = be32(p + 20);
    if (w > (1u << 30) || h > (1u << 30)) throw Error(ErrorKind::ImageTooLarge, "PNG header declares an absurd size");
    info = {"png", static_cast<int>(w), static_cast<int>(h)};
  } else if (starts_with(bytes, "RIFF") && starts_with(bytes, "WEBP", 8)) {
    int w = 0, h = 0;
    if (!WebPGetInfo(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &w, &h))
      throw Error(ErrorKind::InvalidImageFormat, "truncated or corrupt WebP header");
    info = {"webp", w, h};
  } else if (looks_like_gif(bytes)) {
    info = probe_gif(bytes);
  } else if (starts_with(bytes, "BM")) {
    info = probe_bmp(bytes);
  } else if (looks_like_jxl(bytes)) {
    info = probe_jxl(bytes);
  } else if (looks_like_heif(bytes)) {
    info = probe_heif(bytes);
  } else if (auto raw = probe_camera_raw(bytes)) {  // before TIFF: most raw kinds are TIFF inside
    info = *raw;
  } else if (looks_like_tiff(bytes)) {
    info = probe_tiff(bytes);
  } else {
    const std::string kind = unsupported_kind(bytes);
    throw Error(ErrorKind::InvalidImageFormat,
                kind == "empty file" ? kind : "unsupported image format: " + kind + " (expected " + kFormatsRead + ")");
  }
  if (info.width <= 0 || info.height <= 0) throw Error(ErrorKind::InvalidImageFormat, "image declares zero width or height");
  return info;
}

std::string media_type(const std::string& format) {
  if (format == "dng") return "image/x-adobe-dng";
  if (format == "raw") return "application/octet-stream";
  return "image/" + format;
}

DecodedImage decode_image(std::string_view bytes, const DecodeOptions& options) {
  DecodedImage out;
  out.info = probe_image(bytes);
  const uint64_t pixels = static_cast<uint64_t>(out.info.width) * static_cast<uint64_t>(out.info.height);
  if (pixels > options.max_pixels)
    throw Error(ErrorKind::ImageTooLarge, "image is " + std::to_string(out.info.width) + "x" +
                                              std::to_string(out.info.height) + " (" + std::to_string(pixels / 1000000) +
                                              " megapixels), above the limit of " +
                                              std::to_string(options.max_pixels / 1000000) + " megapixels");
  if (out.info.format == "jpeg" && bytes.rfind("\xFF\xD9") == std::string_view::npos)
    throw Error(ErrorKind::InvalidImageFormat, "truncated JPEG: no end-of-image marker");
  out.reduction = decode_reduction(out.info, options);
  // PNG and WebP go to their own libraries, never to cv::imdecode: it picks a decoder by its own
  // sniffing, and a file that fails the WebP one but has "DICM" at byte 128 reached GDCM, which
  // aborts the process on it (bench/results/2026-12-06-fuzzing.md).
  if (out.info.format == "png") {
    out.rgb = decode_png_reduced(bytes, out.reduction);
    return out;
  }
  if (out.info.format == "webp") {
    out.rgb = decode_webp_reduced(bytes, out.info.width, out.info.height, out.reduction);
    return out;
  }
  if (out.info.format != "jpeg" && out.info.format != "bmp") {
    out.rgb = decode_other(bytes, out.info.format, out.reduction, options.work_long_side);
    return out;
  }
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
  cv::Mat bgr;
  try {
    // Applies EXIF orientation. OpenCV's BMP decoder is the first it tries, so a file that starts
    // "BM" reaches no other.
    bgr = cv::imdecode(buffer, out.info.format == "bmp" ? cv::IMREAD_COLOR : imread_flags(out.reduction));
  } catch (const cv::Exception& e) {
    throw Error(ErrorKind::InvalidImageFormat, std::string("cannot decode ") + out.info.format + ": " + e.what());
  }
  if (bgr.empty()) throw Error(ErrorKind::InvalidImageFormat, "cannot decode " + out.info.format + ": corrupt or truncated data");
  cv::cvtColor(bgr, out.rgb, cv::COLOR_BGR2RGB);
  if (out.info.format == "bmp") out.rgb = reduced(out.rgb, out.reduction);
  return out;
}

std::string encode_jpeg(const cv::Mat& rgb, int quality) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality});
  return {jpeg.begin(), jpeg.end()};
}

bool browsers_show(const std::string& format) {
  return format == "jpeg" || format == "png" || format == "webp" || format == "gif" || format == "bmp" || format == "avif";
}

std::string read_file_bytes(const std::string& path, uint64_t max_bytes) {
  // Not a FIFO, which would hang the read, nor /dev/zero, which never ends.
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error) throw Error(ErrorKind::InvalidParameter, "cannot open " + path + ": " + error.message());
  if (!std::filesystem::is_regular_file(status)) throw Error(ErrorKind::InvalidParameter, path + " is not a regular file");
  const uint64_t size = std::filesystem::file_size(path, error);
  if (error) throw Error(ErrorKind::InvalidParameter, "cannot read " + path + ": " + error.message());
  if (size > max_bytes)
    throw Error(ErrorKind::ImageTooLarge, path + " is " + std::to_string(size >> 20) + " MiB, above the limit of " +
                                              std::to_string(max_bytes >> 20) + " MiB for a photo file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::InvalidParameter, "cannot open " + path);
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

}  // namespace beetroot
