#include "inference/reduced_decoding.h"

#include <png.h>
#include <webp/decode.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "base/error.h"

namespace beetroot {
namespace {

// libpng reports errors by longjmp: the functions that call it hold nothing with a destructor
// made after their setjmp, and the caller owns every buffer.
struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const unsigned char* data;
  size_t size, at = 0;
  char error[160] = "";

  PngReader(std::string_view bytes) : data(reinterpret_cast<const unsigned char*>(bytes.data())), size(bytes.size()) {}
  ~PngReader() { png_destroy_read_struct(&png, &info, nullptr); }
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* reader = static_cast<PngReader*>(png_get_error_ptr(png));
  std::snprintf(reader->error, sizeof reader->error, "%s", message);
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

void on_png_read(png_structp png, png_bytep out, size_t count) {
  auto* reader = static_cast<PngReader*>(png_get_io_ptr(png));
  if (reader->size - reader->at < count) png_error(png, "truncated data");
  std::memcpy(out, reader->data + reader->at, count);
  reader->at += count;
}

// To 8-bit RGB rows, as OpenCV's colour decode gives: palettes expanded, 16 bits and alpha dropped.
bool read_header(PngReader& r, png_uint_32& width, png_uint_32& height, bool& interlaced) {
  if (setjmp(png_jmpbuf(r.png))) return false;
  png_set_read_fn(r.png, &r, on_png_read);
  png_read_info(r.png, r.info);
  int depth = 0, colour = 0, interlace = 0;
  png_get_IHDR(r.png, r.info, &width, &height, &depth, &colour, &interlace, nullptr, nullptr);
  png_set_expand(r.png);
  png_set_strip_16(r.png);
  png_set_strip_alpha(r.png);
  png_set_gray_to_rgb(r.png);
  interlaced = interlace != PNG_INTERLACE_NONE;
  if (interlaced) png_set_interlace_handling(r.png);
  png_read_update_info(r.png, r.info);
  return png_get_rowbytes(r.png, r.info) == static_cast<size_t>(width) * 3;
}

// Rows one at a time, each added to the sums of the output row its block falls in.
bool read_reduced_rows(PngReader& r, png_uint_32 width, png_uint_32 height, int reduction, unsigned char* row,
                       uint32_t* sums, cv::Mat& out) {
  if (setjmp(png_jmpbuf(r.png))) return false;
  const int out_width = out.cols;
  for (png_uint_32 y = 0; y < height; ++y) {
    png_read_row(r.png, row, nullptr);
    for (png_uint_32 x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) sums[(x / reduction) * 3 + c] += row[x * 3 + c];
    const bool block_done = (y + 1) % reduction == 0 || y + 1 == height;
    if (!block_done) continue;
    const int rows = static_cast<int>(y % reduction) + 1;
    unsigned char* target = out.ptr<unsigned char>(static_cast<int>(y / reduction));
    for (int x = 0; x < out_width; ++x) {
      const int columns = std::min<int>(reduction, static_cast<int>(width) - x * reduction);
      const uint32_t count = static_cast<uint32_t>(rows * columns);
      for (int c = 0; c < 3; ++c) target[x * 3 + c] = static_cast<unsigned char>((sums[x * 3 + c] + count / 2) / count);
    }
    std::memset(sums, 0, sizeof(uint32_t) * out_width * 3);
  }
  return true;
}

bool read_whole(PngReader& r, png_bytepp rows) {
  if (setjmp(png_jmpbuf(r.png))) return false;
  png_read_image(r.png, rows);
  return true;
}

[[noreturn]] void png_failed(const PngReader& r) {
  throw Error(ErrorKind::InvalidImageFormat,
              std::string("cannot decode png: ") + (r.error[0] ? r.error : "unsupported pixel layout"));
}

}  // namespace

cv::Mat decode_png_reduced(std::string_view bytes, int reduction) {
  PngReader r(bytes);
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_png_error, on_png_warning);
  if (r.png) r.info = png_create_info_struct(r.png);
  if (!r.png || !r.info) throw Error(ErrorKind::Internal, "libpng cannot start");
  png_uint_32 width = 0, height = 0;
  bool interlaced = false;
  if (!read_header(r, width, height, interlaced)) png_failed(r);
  const int out_width = static_cast<int>((width + reduction - 1) / reduction);
  const int out_height = static_cast<int>((height + reduction - 1) / reduction);
  cv::Mat out(out_height, out_width, CV_8UC3);
  if (interlaced) {
    cv::Mat whole(static_cast<int>(height), static_cast<int>(width), CV_8UC3);
    std::vector<png_bytep> rows(height);
    for (png_uint_32 y = 0; y < height; ++y) rows[y] = whole.ptr<unsigned char>(static_cast<int>(y));
    if (!read_whole(r, rows.data())) png_failed(r);
    cv::resize(whole, out, out.size(), 0, 0, cv::INTER_AREA);
    return out;
  }
  std::vector<unsigned char> row(static_cast<size_t>(width) * 3);
  std::vector<uint32_t> sums(static_cast<size_t>(out_width) * 3, 0);
  if (!read_reduced_rows(r, width, height, reduction, row.data(), sums.data(), out)) png_failed(r);
  return out;
}

cv::Mat decode_webp_reduced(std::string_view bytes, int width, int height, int reduction) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) throw Error(ErrorKind::Internal, "libwebp version mismatch");
  cv::Mat out((height + reduction - 1) / reduction, (width + reduction - 1) / reduction, CV_8UC3);
  config.options.use_scaling = reduction > 1;
  config.options.scaled_width = out.cols;
  config.options.scaled_height = out.rows;
  config.output.colorspace = MODE_RGB;
  config.output.is_external_memory = 1;
  config.output.u.RGBA.rgba = out.data;
  config.output.u.RGBA.stride = static_cast<int>(out.step);
  config.output.u.RGBA.size = out.step * out.rows;
  const VP8StatusCode status = WebPDecode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &config);
  WebPFreeDecBuffer(&config.output);
  if (status != VP8_STATUS_OK)
    throw Error(ErrorKind::InvalidImageFormat, "cannot decode webp: corrupt or truncated data (libwebp status " +
                                                   std::to_string(static_cast<int>(status)) + ")");
  return out;
}

}  // namespace beetroot
