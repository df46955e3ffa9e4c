#pragma once
// Formats beyond JPEG, PNG and WebP, each read by the library Debian ships for it. A probe reads
// the header only (the size, to refuse a bomb before decoding); a decode gives 8-bit RGB, upright,
// at 1/reduction of the size.
#include <opencv2/core.hpp>
#include <optional>
#include <string_view>

#include "inference/image.h"

namespace beetroot {

bool looks_like_heif(std::string_view bytes);
ImageInfo probe_heif(std::string_view bytes);  // "heic" or "avif"; the size as displayed
cv::Mat decode_heif(std::string_view bytes, int reduction);
// The primary image's EXIF block as a JPEG's APP1 holds it ("Exif\0\0", then the TIFF header),
// "" when it has none.
std::string heif_exif(std::string_view bytes);

bool looks_like_tiff(std::string_view bytes);
ImageInfo probe_tiff(std::string_view bytes);
cv::Mat decode_tiff(std::string_view bytes, int reduction);
// The EXIF DateTimeOriginal of a TIFF-based file (TIFF, DNG, most camera raws), else its DateTime,
// as written ("YYYY:MM:DD HH:MM:SS"); "" when it has neither.
std::string tiff_date(std::string_view bytes);

bool looks_like_gif(std::string_view bytes);
ImageInfo probe_gif(std::string_view bytes);
cv::Mat decode_gif(std::string_view bytes, int reduction);  // the first frame

bool looks_like_jxl(std::string_view bytes);
ImageInfo probe_jxl(std::string_view bytes);
cv::Mat decode_jxl(std::string_view bytes, int reduction);

// Camera raw files LibRaw knows (DNG, CR2, CR3, NEF, ARW, RAF, ORF, RW2...): nothing when it does
// not take the file. "dng", else "raw".
std::optional<ImageInfo> probe_camera_raw(std::string_view bytes);
// The embedded preview when its long side reaches `work_long_side`, else the raw data developed.
cv::Mat decode_camera_raw(std::string_view bytes, int reduction, int work_long_side);

}  // namespace beetroot
