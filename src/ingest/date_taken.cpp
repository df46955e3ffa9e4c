#include "ingest/date_taken.h"

#include <libexif/exif-data.h>

#include <cctype>
#include <memory>

#include "base/error.h"
#include "inference/formats/decoders.h"

namespace beetroot {
namespace {

// "YYYY:MM:DD HH:MM:SS" with a plausible date, as ISO 8601.
std::optional<std::string> iso_date(const std::string& exif) {
  if (exif.size() < 19) return std::nullopt;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u, 11u, 12u, 14u, 15u, 17u, 18u})
    if (!std::isdigit(static_cast<unsigned char>(exif[i]))) return std::nullopt;
  if (exif[4] != ':' || exif[7] != ':' || exif[10] != ' ' || exif[13] != ':' || exif[16] != ':') return std::nullopt;
  const int year = std::stoi(exif.substr(0, 4)), month = std::stoi(exif.substr(5, 2)), day = std::stoi(exif.substr(8, 2));
  if (year < 1826 || month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;  // 1826: the first photograph
  return exif.substr(0, 4) + "-" + exif.substr(5, 2) + "-" + exif.substr(8, 2) + "T" + exif.substr(11, 8);
}

// Where libexif can read the EXIF: a JPEG as it is (APP1), a HEIC's Exif item. Empty for the rest.
std::string_view exif_source(std::string_view photo, std::string& storage) {
  if (photo.size() >= 4 && static_cast<unsigned char>(photo[0]) == 0xFF && static_cast<unsigned char>(photo[1]) == 0xD8)
    return photo;
  if (looks_like_heif(photo)) return storage = heif_exif(photo);
  return {};
}

}  // namespace

std::optional<std::string> date_taken(std::string_view photo) {
  std::string storage;
  std::string_view exif;
  try {
    // TIFF-based files keep the EXIF in their own directories, often past where libexif looks.
    if (looks_like_tiff(photo)) return iso_date(tiff_date(photo));
    exif = exif_source(photo, storage);
  } catch (const Error&) {
    return std::nullopt;  // a file too broken to date is refused by decoding, with its reason
  }
  if (exif.empty()) return std::nullopt;
  std::unique_ptr<ExifData, decltype(&exif_data_unref)> data(
      exif_data_new_from_data(reinterpret_cast<const unsigned char*>(exif.data()), static_cast<unsigned>(exif.size())),
      exif_data_unref);
  if (!data) return std::nullopt;
  for (const ExifTag tag : {EXIF_TAG_DATE_TIME_ORIGINAL, EXIF_TAG_DATE_TIME_DIGITIZED, EXIF_TAG_DATE_TIME}) {
    ExifEntry* entry = exif_data_get_entry(data.get(), tag);
    if (!entry || entry->format != EXIF_FORMAT_ASCII || !entry->data) continue;
    const std::string text(reinterpret_cast<const char*>(entry->data), entry->size);
    if (auto date = iso_date(text)) return date;
  }
  return std::nullopt;
}

}  // namespace beetroot
