#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace beetroot {

// When a photo was taken, from its EXIF (DateTimeOriginal, else DateTimeDigitized, else
// DateTime) by libexif, in a JPEG, a HEIC or a TIFF-based file (TIFF, DNG, most camera raws), as
// "YYYY-MM-DDTHH:MM:SS" in the camera's local time; nothing for a photo without EXIF or with a
// date that is no date ("0000:00:00 00:00:00", blanks, garbage).
std::optional<std::string> date_taken(std::string_view photo);

}  // namespace beetroot
