// TIFF through libtiff: any sample layout it can turn into RGBA, the first page, read in bands so
// a large scan is reduced as it arrives instead of held whole.
#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "base/error.h"
#include "inference/formats/decoders.h"
#include "inference/formats/pixels.h"

namespace beetroot {
namespace {

struct MemoryFile {
  std::string_view bytes;
  toff_t at = 0;
  char error[200] = "";
};

tmsize_t read_proc(thandle_t h, void* out, tmsize_t n) {
  auto* f = static_cast<MemoryFile*>(h);
  const toff_t left = f->at < f->bytes.size() ? f->bytes.size() - f->at : 0;
  const auto count = static_cast<tmsize_t>(std::min<toff_t>(left, static_cast<toff_t>(n)));
  std::memcpy(out, f->bytes.data() + f->at, static_cast<size_t>(count));
  f->at += static_cast<toff_t>(count);
  return count;
}
tmsize_t write_proc(thandle_t, void*, tmsize_t) { return 0; }
toff_t seek_proc(thandle_t h, toff_t offset, int whence) {
  auto* f = static_cast<MemoryFile*>(h);
  const toff_t base = whence == SEEK_CUR ? f->at : whence == SEEK_END ? f->bytes.size() : 0;
  f->at = base + offset;
  return f->at;
}
int close_proc(thandle_t) { return 0; }
toff_t size_proc(thandle_t h) { return static_cast<MemoryFile*>(h)->bytes.size(); }

int on_error(TIFF*, void* user, const char* module, const char* format, va_list args) {
  auto* f = static_cast<MemoryFile*>(user);
  if (!f->error[0]) {
    const int n = std::snprintf(f->error, sizeof f->error, "%s: ", module ? module : "libtiff");
    std::vsnprintf(f->error + n, sizeof f->error - static_cast<size_t>(n), format, args);
  }
  return 1;  // handled: nothing printed
}
int on_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

using Tiff = std::unique_ptr<TIFF, decltype(&TIFFClose)>;

Tiff open(MemoryFile& file) {
  std::unique_ptr<TIFFOpenOptions, decltype(&TIFFOpenOptionsFree)> options(TIFFOpenOptionsAlloc(), TIFFOpenOptionsFree);
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), on_error, &file);
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), on_warning, &file);
  TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), tmsize_t{512} << 20);
  Tiff tiff(TIFFClientOpenExt("photo", "rm", &file, read_proc, write_proc, seek_proc, close_proc, size_proc, nullptr,
                              nullptr, options.get()),
            TIFFClose);
  if (!tiff) throw Error(ErrorKind::InvalidImageFormat, std::string("cannot decode tiff: ") + (file.error[0] ? file.error : "not a TIFF"));
  return tiff;
}

[[noreturn]] void failed(const MemoryFile& file, const char* what) {
  throw Error(ErrorKind::InvalidImageFormat, std::string("cannot decode tiff: ") + (file.error[0] ? file.error : what));
}

}  // namespace

bool looks_like_tiff(std::string_view bytes) {
  return bytes.size() >= 8 && (bytes.substr(0, 4) == std::string_view("II*\0", 4) || bytes.substr(0, 4) == std::string_view("MM\0*", 4) ||
                               bytes.substr(0, 4) == std::string_view("II+\0", 4) || bytes.substr(0, 4) == std::string_view("MM\0+", 4));
}

ImageInfo probe_tiff(std::string_view bytes) {
  MemoryFile file{bytes};
  const Tiff tiff = open(file);
  uint32_t width = 0, height = 0;
  TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &height);
  if (width > (1u << 30) || height > (1u << 30)) throw Error(ErrorKind::ImageTooLarge, "TIFF header declares an absurd size");
  return {"tiff", static_cast<int>(width), static_cast<int>(height)};
}

std::string tiff_date(std::string_view bytes) {
  MemoryFile file{bytes};
  const Tiff tiff = open(file);
  const char* written = nullptr;
  std::string date;
  if (TIFFGetField(tiff.get(), TIFFTAG_DATETIME, &written) && written) date = written;
  toff_t exif = 0;
  if (TIFFGetField(tiff.get(), TIFFTAG_EXIFIFD, &exif) && TIFFReadEXIFDirectory(tiff.get(), exif)) {
    const char* original = nullptr;
    if (TIFFGetField(tiff.get(), EXIFTAG_DATETIMEORIGINAL, &original) && original) date = original;
  }
  return date;
}

cv::Mat decode_tiff(std::string_view bytes, int reduction) {
  MemoryFile file{bytes};
  const Tiff tiff = open(file);
  char message[1024] = "";
  if (!TIFFRGBAImageOK(tiff.get(), message)) failed(file, message);
  TIFFRGBAImage image;
  if (!TIFFRGBAImageBegin(&image, tiff.get(), 0, message)) failed(file, message);
  const std::unique_ptr<TIFFRGBAImage, decltype(&TIFFRGBAImageEnd)> end(&image, TIFFRGBAImageEnd);
  // Rows as stored (asking for the file's own orientation makes libtiff flip nothing); the
  // orientation is applied after, rotations included, which libtiff's own handling leaves out.
  const int orientation = image.orientation;
  image.req_orientation = image.orientation;
  const auto width = static_cast<int>(image.width), height = static_cast<int>(image.height);
  const int band = 64 * reduction;
  std::vector<uint32_t> raster(static_cast<size_t>(width) * static_cast<size_t>(band));
  cv::Mat rgb((height + reduction - 1) / reduction, (width + reduction - 1) / reduction, CV_8UC3);
  cv::Mat rows(band, width, CV_8UC3);
  for (int top = 0; top < height; top += band) {
    const int count = std::min(band, height - top);
    image.row_offset = top;
    if (!TIFFRGBAImageGet(&image, raster.data(), static_cast<uint32_t>(width), static_cast<uint32_t>(count))) failed(file, "corrupt data");
    for (int y = 0; y < count; ++y) {
      auto* out = rows.ptr<unsigned char>(y);
      const uint32_t* in = raster.data() + static_cast<size_t>(y) * static_cast<size_t>(width);
      for (int x = 0; x < width; ++x) {
        out[x * 3] = static_cast<unsigned char>(TIFFGetR(in[x]));
        out[x * 3 + 1] = static_cast<unsigned char>(TIFFGetG(in[x]));
        out[x * 3 + 2] = static_cast<unsigned char>(TIFFGetB(in[x]));
      }
    }
    reduced(rows.rowRange(0, count), reduction).copyTo(rgb.rowRange(top / reduction, top / reduction + (count + reduction - 1) / reduction));
  }
  return oriented(rgb, orientation);
}

}  // namespace beetroot
