// GIF through giflib: the first frame, on the logical screen, read record by record so an animation
// of a thousand frames costs no more than one.
#include <gif_lib.h>

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
  size_t at = 0;
};

int read_bytes(GifFileType* gif, GifByteType* out, int n) {
  auto* f = static_cast<MemoryFile*>(gif->UserData);
  const size_t count = std::min(static_cast<size_t>(std::max(n, 0)), f->bytes.size() - f->at);
  std::memcpy(out, f->bytes.data() + f->at, count);
  f->at += count;
  return static_cast<int>(count);
}

void close_gif(GifFileType* gif) {
  int error = 0;
  DGifCloseFile(gif, &error);
}

[[noreturn]] void failed(int error) {
  const char* text = GifErrorString(error);
  throw Error(ErrorKind::InvalidImageFormat, std::string("cannot decode gif: ") + (text ? text : "corrupt data"));
}

unsigned le16(std::string_view bytes, size_t at) {
  return static_cast<unsigned char>(bytes[at]) | (static_cast<unsigned char>(bytes[at + 1]) << 8);
}

}  // namespace

bool looks_like_gif(std::string_view bytes) {
  return bytes.size() >= 6 && (bytes.substr(0, 6) == "GIF87a" || bytes.substr(0, 6) == "GIF89a");
}

ImageInfo probe_gif(std::string_view bytes) {
  if (bytes.size() < 13) throw Error(ErrorKind::InvalidImageFormat, "truncated GIF: no screen descriptor");
  return {"gif", static_cast<int>(le16(bytes, 6)), static_cast<int>(le16(bytes, 8))};
}

cv::Mat decode_gif(std::string_view bytes, int reduction) {
  MemoryFile file{bytes};
  int error = 0;
  const std::unique_ptr<GifFileType, decltype(&close_gif)> gif(DGifOpen(&file, read_bytes, &error), close_gif);
  if (!gif) failed(error);
  for (;;) {
    GifRecordType type;
    if (DGifGetRecordType(gif.get(), &type) == GIF_ERROR) failed(gif->Error);
    if (type == TERMINATE_RECORD_TYPE) throw Error(ErrorKind::InvalidImageFormat, "cannot decode gif: it holds no image");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* block = nullptr;
      if (DGifGetExtension(gif.get(), &code, &block) == GIF_ERROR) failed(gif->Error);
      while (block)
        if (DGifGetExtensionNext(gif.get(), &block) == GIF_ERROR) failed(gif->Error);
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif.get()) == GIF_ERROR) failed(gif->Error);
    const GifImageDesc& frame = gif->Image;
    const ColorMapObject* colours = frame.ColorMap ? frame.ColorMap : gif->SColorMap;
    if (!colours || colours->ColorCount <= 0) throw Error(ErrorKind::InvalidImageFormat, "cannot decode gif: no colour table");
    if (frame.Width <= 0 || frame.Height <= 0) throw Error(ErrorKind::InvalidImageFormat, "cannot decode gif: empty frame");
    const int width = gif->SWidth, height = gif->SHeight;  // the size the probe checked
    if (width <= 0 || height <= 0) throw Error(ErrorKind::InvalidImageFormat, "cannot decode gif: empty screen");
    const GifColorType background = colours->Colors[std::min(gif->SBackGroundColor, colours->ColorCount - 1)];
    cv::Mat rgb(height, width, CV_8UC3, cv::Scalar(background.Red, background.Green, background.Blue));
    std::vector<GifPixelType> line(static_cast<size_t>(frame.Width));
    // Interlaced frames send every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
    static constexpr int kStart[] = {0, 4, 2, 1}, kStep[] = {8, 8, 4, 2};
    const int passes = frame.Interlace ? 4 : 1;
    for (int pass = 0; pass < passes; ++pass) {
      const int start = frame.Interlace ? kStart[pass] : 0, step = frame.Interlace ? kStep[pass] : 1;
      for (int row = start; row < frame.Height; row += step) {
        if (DGifGetLine(gif.get(), line.data(), frame.Width) == GIF_ERROR) failed(gif->Error);
        const int y = frame.Top + row;
        if (y < 0 || y >= height) continue;
        auto* out = rgb.ptr<unsigned char>(y);
        for (int column = 0; column < frame.Width; ++column) {
          const int x = frame.Left + column;
          if (x < 0 || x >= width) continue;
          const GifColorType& c = colours->Colors[std::min<int>(line[static_cast<size_t>(column)], colours->ColorCount - 1)];
          out[x * 3] = c.Red, out[x * 3 + 1] = c.Green, out[x * 3 + 2] = c.Blue;
        }
      }
    }
    return reduced(rgb, reduction);
  }
}

}  // namespace beetroot
