// When a photo was taken, read from its EXIF by libexif; nothing where a photo does not say.
#include <gtest/gtest.h>
#include <tiffio.h>

#include "ingest/date_taken.h"
#include "inference/image.h"
#include "test_support.h"

namespace beetroot {
namespace {

TEST(DateTaken, ReadsTheCamerasDateAndNothingElse) {
  const auto shared = test::shared_data();
  if (shared.empty()) GTEST_SKIP() << "../shared/data not present";
  const auto samples = shared / "faces/vladmandic-human/samples/in";
  EXPECT_EQ(date_taken(read_file_bytes((samples / "person-lauren.jpg").string())), "2016-03-05T11:59:00");
  // DateTimeOriginal, not the later DateTime an editor wrote (2017:01:26 11:01:04).
  EXPECT_EQ(date_taken(read_file_bytes((samples / "group-7.jpg").string())), "2017-01-25T21:30:11");
  EXPECT_FALSE(date_taken(read_file_bytes((shared / "lfw/lfw-deepfunneled/AJ_Cook/AJ_Cook_0001.jpg").string())));
}

// A phone's HEIC and a scanner's TIFF carry the same EXIF as the JPEG they were made from.
TEST(DateTaken, ReadsHeicAndTiffToo) {
  const auto shared = test::shared_data();
  if (shared.empty()) GTEST_SKIP() << "../shared/data not present";
  const auto jpeg = shared / "faces/vladmandic-human/samples/in/group-7.jpg";
  char dir[] = "/tmp/beetroot-date-XXXXXX";
  const std::filesystem::path scratch = mkdtemp(dir);
  const auto heic = scratch / "group-7.heic", tiff = scratch / "scan.tiff";
  ASSERT_EQ(test::run_command("heif-enc -q 50 -p preset=ultrafast " + jpeg.string() + " -o " + heic.string() + " >/dev/null 2>&1; echo $?").out, "0\n");
  EXPECT_EQ(date_taken(read_file_bytes(heic.string())), "2017-01-25T21:30:11");
  // ImageMagick drops the EXIF on the way to TIFF; libtiff writes the date a scanner would.
  TIFF* out = TIFFOpen(tiff.c_str(), "w");
  ASSERT_NE(out, nullptr);
  TIFFSetField(out, TIFFTAG_IMAGEWIDTH, 8);
  TIFFSetField(out, TIFFTAG_IMAGELENGTH, 1);
  TIFFSetField(out, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(out, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(out, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField(out, TIFFTAG_DATETIME, "2003:11:30 18:04:59");
  unsigned char row[8] = {};
  TIFFWriteScanline(out, row, 0, 0);
  TIFFClose(out);
  EXPECT_EQ(date_taken(read_file_bytes(tiff.string())), "2003-11-30T18:04:59");
  std::filesystem::remove_all(scratch);
}

TEST(DateTaken, NoDateInWhatIsNoPhotoOrSaysNoDate) {
  EXPECT_FALSE(date_taken(""));
  EXPECT_FALSE(date_taken("\x89PNG\r\n\x1A\n"));
  // A JPEG start, then an EXIF block whose DateTime is the blank "0000:00:00 00:00:00" cameras write.
  std::string tiff("II*\0\x08\0\0\0", 8);
  tiff += std::string("\x01\0", 2) + std::string("\x32\x01\x02\0\x14\0\0\0\x1a\0\0\0", 12) + std::string(4, '\0');
  tiff += "0000:00:00 00:00:00";
  tiff.push_back('\0');
  const std::string app1 = "Exif" + std::string(2, '\0') + tiff;
  const size_t length = app1.size() + 2;
  std::string jpeg = "\xFF\xD8\xFF\xE1";
  jpeg.push_back(static_cast<char>(length >> 8));
  jpeg.push_back(static_cast<char>(length & 0xFF));
  jpeg += app1 + "\xFF\xD9";
  EXPECT_FALSE(date_taken(jpeg));
  std::string dated = jpeg;
  dated.replace(dated.find("0000:00:00 00:00:00"), 19, "2019:07:14 09:30:05");
  EXPECT_EQ(date_taken(dated), "2019-07-14T09:30:05") << "the same block with a date is read: the test can fail";
}

}  // namespace
}  // namespace beetroot
