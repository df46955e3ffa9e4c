// Camera raw files through LibRaw: the JPEG preview the camera embedded when it is large enough
// for detection (no development needed), else the sensor data developed at half size or full.
#include <libraw/libraw.h>

#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/error.h"
#include "inference/formats/decoders.h"
#include "inference/formats/pixels.h"

namespace beetroot {
namespace {

std::unique_ptr<LibRaw> open_raw(std::string_view bytes) {
  auto raw = std::make_unique<LibRaw>(LIBRAW_OPTIONS_NONE);
  if (raw->open_buffer(const_cast<char*>(bytes.data()), bytes.size()) != LIBRAW_SUCCESS) return nullptr;
  return raw;
}

std::string format_of(const LibRaw& raw) { return raw.imgdata.idata.dng_version ? "dng" : "raw"; }

// LibRaw's flip (dcraw's bits: 4 swaps the axes, 2 flips rows, 1 flips columns) as the EXIF
// orientation it was read from.
int exif_orientation(int flip) {
  static constexpr int kOrientation[8] = {1, 2, 4, 3, 5, 8, 6, 7};
  return flip >= 0 && flip < 8 ? kOrientation[flip] : 1;
}

cv::Mat embedded_preview(LibRaw& raw, int work_long_side) {
  if (raw.unpack_thumb() != LIBRAW_SUCCESS) return {};
  const auto& thumb = raw.imgdata.thumbnail;
  if (thumb.tformat != LIBRAW_THUMBNAIL_JPEG || !thumb.thumb || std::max(thumb.twidth, thumb.theight) < work_long_side) return {};
  const cv::Mat buffer(1, static_cast<int>(thumb.tlength), CV_8UC1, thumb.thumb);
  cv::Mat bgr;
  try {
    bgr = cv::imdecode(buffer, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);  // the raw's own flip rules
  } catch (const cv::Exception&) {
    return {};
  }
  if (bgr.empty()) return {};
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  int reduction = 1;
  while (reduction < 8 && std::max(rgb.cols, rgb.rows) / (reduction * 2) >= work_long_side) reduction *= 2;
  return oriented(reduced(rgb, reduction), exif_orientation(raw.imgdata.sizes.flip));
}

cv::Mat developed(LibRaw& raw, int reduction) {
  const std::string format = format_of(raw);
  raw.imgdata.params.half_size = reduction >= 2;
  raw.imgdata.params.use_camera_wb = 1;
  raw.imgdata.params.output_bps = 8;
  if (raw.unpack() != LIBRAW_SUCCESS || raw.dcraw_process() != LIBRAW_SUCCESS)
    throw Error(ErrorKind::InvalidImageFormat, "cannot decode " + format + ": corrupt or unsupported sensor data");
  int status = 0;
  const std::unique_ptr<libraw_processed_image_t, decltype(&LibRaw::dcraw_clear_mem)> image(raw.dcraw_make_mem_image(&status),
                                                                                            LibRaw::dcraw_clear_mem);
  if (!image || image->type != LIBRAW_IMAGE_BITMAP || image->colors != 3 || image->bits != 8)
    throw Error(ErrorKind::InvalidImageFormat, "cannot decode " + format + ": no RGB image developed");
  // Already turned upright by LibRaw.
  const cv::Mat view(image->height, image->width, CV_8UC3, image->data);
  return reduced(view, reduction >= 2 ? reduction / 2 : 1).clone();
}

}  // namespace

std::optional<ImageInfo> probe_camera_raw(std::string_view bytes) {
  const auto raw = open_raw(bytes);
  if (!raw) return std::nullopt;
  const auto& sizes = raw->imgdata.sizes;
  const bool turned = sizes.flip & 4;
  return ImageInfo{format_of(*raw), turned ? sizes.height : sizes.width, turned ? sizes.width : sizes.height};
}

cv::Mat decode_camera_raw(std::string_view bytes, int reduction, int work_long_side) {
  const auto raw = open_raw(bytes);
  if (!raw) throw Error(ErrorKind::InvalidImageFormat, "cannot decode camera raw: LibRaw does not take this file");
  if (work_long_side > 0) {
    cv::Mat preview = embedded_preview(*raw, work_long_side);
    if (!preview.empty()) return preview;
  }
  return developed(*raw, reduction);
}

}  // namespace beetroot
