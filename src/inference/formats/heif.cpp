// HEIC (a phone's photos) and AVIF through libheif, with the HEVC and AV1 decoders Debian builds it with.
#include <libheif/heif.h>

#include <cstring>
#include <memory>

#include "base/error.h"
#include "inference/formats/decoders.h"
#include "inference/formats/pixels.h"

namespace beetroot {
namespace {

using Context = std::unique_ptr<heif_context, decltype(&heif_context_free)>;
using Handle = std::unique_ptr<heif_image_handle, decltype(&heif_image_handle_release)>;
using Image = std::unique_ptr<heif_image, decltype(&heif_image_release)>;

std::string format_of(std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const int n = static_cast<int>(std::min<size_t>(bytes.size(), 4096));
  return heif_has_compatible_brand(p, n, "avif") == 1 || heif_has_compatible_brand(p, n, "avis") == 1 ? "avif" : "heic";
}

void check(const heif_error& error, const std::string& format) {
  if (error.code != heif_error_Ok)
    throw Error(ErrorKind::InvalidImageFormat, "cannot decode " + format + ": " + (error.message ? error.message : "libheif error"));
}

struct Primary {
  Context context{heif_context_alloc(), heif_context_free};
  Handle handle{nullptr, heif_image_handle_release};
};

// Parses the boxes only; nothing is decoded until an image is asked for.
Primary open_primary(std::string_view bytes, const std::string& format) {
  Primary p;
  if (!p.context) throw Error(ErrorKind::Internal, "libheif cannot start");
  check(heif_context_read_from_memory_without_copy(p.context.get(), bytes.data(), bytes.size(), nullptr), format);
  heif_image_handle* handle = nullptr;
  check(heif_context_get_primary_image_handle(p.context.get(), &handle), format);
  p.handle.reset(handle);
  return p;
}

}  // namespace

bool looks_like_heif(std::string_view bytes) {
  if (bytes.size() < 12 || bytes.substr(4, 4) != "ftyp") return false;
  const auto r = heif_check_filetype(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(std::min<size_t>(bytes.size(), 4096)));
  return r == heif_filetype_yes_supported || r == heif_filetype_yes_unsupported;
}

ImageInfo probe_heif(std::string_view bytes) {
  const std::string format = format_of(bytes);
  const Primary p = open_primary(bytes, format);
  return {format, heif_image_handle_get_width(p.handle.get()), heif_image_handle_get_height(p.handle.get())};
}

std::string heif_exif(std::string_view bytes) {
  const Primary p = open_primary(bytes, format_of(bytes));
  heif_item_id id = 0;
  if (heif_image_handle_get_list_of_metadata_block_IDs(p.handle.get(), "Exif", &id, 1) < 1) return "";
  std::string block(heif_image_handle_get_metadata_size(p.handle.get(), id), '\0');
  if (block.size() < 4 || heif_image_handle_get_metadata(p.handle.get(), id, block.data()).code != heif_error_Ok) return "";
  // A HEIF Exif item starts with the offset of the TIFF header (past any "Exif\0\0" of its own).
  const auto* b = reinterpret_cast<const unsigned char*>(block.data());
  const size_t offset = 4 + ((size_t{b[0]} << 24) | (size_t{b[1]} << 16) | (size_t{b[2]} << 8) | b[3]);
  if (offset >= block.size()) return "";
  return std::string("Exif\0\0", 6) + block.substr(offset);
}

cv::Mat decode_heif(std::string_view bytes, int reduction) {
  const std::string format = format_of(bytes);
  const Primary p = open_primary(bytes, format);
  // The file's rotations and mirrors (irot, imir) are applied: they, not EXIF, say which way is up.
  std::unique_ptr<heif_decoding_options, decltype(&heif_decoding_options_free)> options(heif_decoding_options_alloc(),
                                                                                         heif_decoding_options_free);
  options->convert_hdr_to_8bit = 1;
  heif_image* decoded = nullptr;
  check(heif_decode_image(p.handle.get(), &decoded, heif_colorspace_RGB, heif_chroma_interleaved_RGB, options.get()), format);
  const Image image(decoded, heif_image_release);
  int stride = 0;
  const uint8_t* data = heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
  const int width = heif_image_get_width(image.get(), heif_channel_interleaved);
  const int height = heif_image_get_height(image.get(), heif_channel_interleaved);
  if (!data || width <= 0 || height <= 0) throw Error(ErrorKind::InvalidImageFormat, "cannot decode " + format + ": no RGB plane");
  const cv::Mat view(height, width, CV_8UC3, const_cast<uint8_t*>(data), static_cast<size_t>(stride));
  return reduction > 1 ? reduced(view, reduction) : view.clone();
}

}  // namespace beetroot
