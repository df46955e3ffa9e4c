// The formats phones and cameras write, each made by Debian's own tools (or library, where no tool
// writes the file), against the faces of the JPEG it was made from.
#include <gtest/gtest.h>
#include <libheif/heif.h>
#include <tiffio.h>

#include <cmath>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/error.h"
#include "inference/formats/pixels.h"
#include "inference/image.h"
#include "test_support.h"

namespace beetroot {
namespace {

struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    char name[] = "/tmp/beetroot-formats-XXXXXX";
    path = mkdtemp(name);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};


// A Debian tool that writes the file (installed by scripts/test.sh).
void make(const std::string& command) {
  const auto r = test::run_command(command + " >/dev/null 2>&1; echo $?");
  ASSERT_EQ(r.out, "0\n") << command << " failed: are libheif-examples, libjxl-tools and imagemagick installed?";
}

// The photo's pixels as stored, before any orientation.
cv::Mat stored_rgb(const std::string& jpeg_path) {
  cv::Mat bgr = cv::imread(jpeg_path, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION), rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

// HEIC as a phone writes it: the pixels as the sensor saw them, turned by irot/imir boxes.
void write_heic(const cv::Mat& rgb, int orientation, const std::string& path) {
  heif_context* context = heif_context_alloc();
  heif_encoder* encoder = nullptr;
  ASSERT_EQ(heif_context_get_encoder_for_format(context, heif_compression_HEVC, &encoder).code, heif_error_Ok);
  heif_encoder_set_lossy_quality(encoder, 90);
  heif_encoder_set_parameter(encoder, "preset", "ultrafast");  // 6x as fast as the default; the file is the same kind
  heif_image* image = nullptr;
  heif_image_create(rgb.cols, rgb.rows, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &image);
  heif_image_add_plane(image, heif_channel_interleaved, rgb.cols, rgb.rows, 8);
  int stride = 0;
  uint8_t* plane = heif_image_get_plane(image, heif_channel_interleaved, &stride);
  for (int y = 0; y < rgb.rows; ++y) std::memcpy(plane + static_cast<size_t>(y) * stride, rgb.ptr(y), rgb.cols * 3u);
  heif_encoding_options* options = heif_encoding_options_alloc();
  options->image_orientation = static_cast<heif_orientation>(orientation);
  ASSERT_EQ(heif_context_encode_image(context, image, encoder, options, nullptr).code, heif_error_Ok);
  ASSERT_EQ(heif_context_write_to_file(context, path.c_str()).code, heif_error_Ok);
  heif_encoding_options_free(options);
  heif_image_release(image);
  heif_encoder_release(encoder);
  heif_context_free(context);
}

// The camera's JPEG preview as a DNG's first directory holds it (one strip, a whole JPEG).
void write_preview(TIFF* tiff, const cv::Mat& rgb) {
  TIFFSetField(tiff, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE);
  TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, rgb.cols);
  TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, rgb.rows);
  TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
  TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
  TIFFSetField(tiff, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  TIFFSetField(tiff, TIFFTAG_JPEGTABLESMODE, 0);  // the tables inside the strip: a JPEG of its own
  TIFFSetField(tiff, TIFFTAG_JPEGQUALITY, 90);
  TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, rgb.rows);
  for (int y = 0; y < rgb.rows; ++y) ASSERT_EQ(TIFFWriteScanline(tiff, const_cast<uchar*>(rgb.ptr(y)), static_cast<uint32_t>(y), 0), 1);
}

// A linear DNG, as converters write from any camera's raw: sRGB pixels made linear in 16 bits,
// with the colour matrix that takes them back; with a preview, that goes first and the raw data
// in a sub-directory, as cameras lay them out. No Debian tool writes DNG; libtiff knows its tags.
void write_dng(const cv::Mat& rgb, int orientation, const std::string& path, const cv::Mat& preview = {}) {
  TIFF* tiff = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(tiff, nullptr);
  if (!preview.empty()) {
    uint64_t raw_directory = 0;  // filled in by libtiff: the next directory written is the sub-directory
    TIFFSetField(tiff, TIFFTAG_SUBIFD, 1, &raw_directory);
    TIFFSetField(tiff, TIFFTAG_ORIENTATION, orientation);
    TIFFSetField(tiff, TIFFTAG_MAKE, "Beetroot");
    TIFFSetField(tiff, TIFFTAG_MODEL, "Test Camera");
    static const uint8_t kVersion[4] = {1, 4, 0, 0};
    TIFFSetField(tiff, TIFFTAG_DNGVERSION, kVersion);
    TIFFSetField(tiff, TIFFTAG_UNIQUECAMERAMODEL, "Beetroot Test Camera");
    write_preview(tiff, preview);
    ASSERT_EQ(TIFFWriteDirectory(tiff), 1);
  }
  static const uint8_t kVersion[4] = {1, 4, 0, 0}, kBackward[4] = {1, 1, 0, 0};
  // XYZ to linear sRGB (D65): what a DNG's ColorMatrix1 means for a camera that sees sRGB.
  static const float kXyzToCamera[9] = {3.2406f, -1.5372f, -0.4986f, -0.9689f, 1.8758f, 0.0415f, 0.0557f, -0.2040f, 1.0570f};
  static const float kNeutral[3] = {1, 1, 1};
  static const uint32_t kWhite[1] = {65535};
  TIFFSetField(tiff, TIFFTAG_SUBFILETYPE, 0);
  TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, rgb.cols);
  TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, rgb.rows);
  TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 16);
  TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, 34892);  // LinearRaw, which tiff.h does not name
  TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField(tiff, TIFFTAG_ORIENTATION, orientation);
  TIFFSetField(tiff, TIFFTAG_MAKE, "Beetroot");
  TIFFSetField(tiff, TIFFTAG_MODEL, "Test Camera");
  TIFFSetField(tiff, TIFFTAG_DNGVERSION, kVersion);
  TIFFSetField(tiff, TIFFTAG_DNGBACKWARDVERSION, kBackward);
  TIFFSetField(tiff, TIFFTAG_UNIQUECAMERAMODEL, "Beetroot Test Camera");
  TIFFSetField(tiff, TIFFTAG_COLORMATRIX1, 9, kXyzToCamera);
  TIFFSetField(tiff, TIFFTAG_CALIBRATIONILLUMINANT1, 21);
  TIFFSetField(tiff, TIFFTAG_ASSHOTNEUTRAL, 3, kNeutral);
  TIFFSetField(tiff, TIFFTAG_WHITELEVEL, 1, kWhite);
  std::vector<uint16_t> row(static_cast<size_t>(rgb.cols) * 3);
  for (int y = 0; y < rgb.rows; ++y) {
    const uint8_t* in = rgb.ptr(y);
    for (size_t i = 0; i < row.size(); ++i) {
      const double v = in[i] / 255.0;
      row[i] = static_cast<uint16_t>(std::lround(65535 * (v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4))));
    }
    ASSERT_EQ(TIFFWriteScanline(tiff, row.data(), static_cast<uint32_t>(y), 0), 1);
  }
  TIFFClose(tiff);
}

void expect_same_faces(const DetectedImage& got, const DetectedImage& expected, const std::string& what) {
  ASSERT_EQ(got.image.rgb.size(), expected.image.rgb.size()) << what;
  ASSERT_EQ(got.faces.size(), expected.faces.size()) << what;
  for (size_t i = 0; i < expected.faces.size(); ++i) {
    const auto a = got.faces[i].box, b = expected.faces[i].box;
    EXPECT_NEAR(a.x, b.x, 0.05 * b.width) << what;
    EXPECT_NEAR(a.y, b.y, 0.05 * b.height) << what;
    EXPECT_NEAR(a.width, b.width, 0.08 * b.width) << what;
  }
}

DetectedImage detect_file(const std::string& path) { return test::engine().detect(read_file_bytes(path)); }

TEST(PhotoFormats, EachFormatFindsTheFacesOfItsJpegTwin) {
  const ScratchDir dir;
  const std::string jpeg = test::demo_photos()[1].string();
  const DetectedImage expected = detect_file(jpeg);
  ASSERT_GT(expected.faces.size(), 1u);
  cv::Mat bgr;
  cv::cvtColor(expected.image.rgb, bgr, cv::COLOR_RGB2BGR);
  cv::imwrite(dir / "photo.png", bgr);
  make("heif-enc -q 90 -p preset=ultrafast " + dir / "photo.png" + " -o " + dir / "photo.heic");
  make("heif-enc -A -q 90 -p speed=9 " + dir / "photo.png" + " -o " + dir / "photo.avif");
  make("cjxl -d 1 " + dir / "photo.png" + " " + dir / "photo.jxl");
  make("convert " + dir / "photo.png" + " -compress lzw " + dir / "photo.tiff");
  make("convert " + dir / "photo.png" + " " + dir / "photo.gif");
  make("convert " + dir / "photo.png" + " " + dir / "photo.bmp");
  make("convert " + dir / "photo.png" + " BMP3:" + dir / "photo3.bmp");
  write_dng(expected.image.rgb, 1, dir / "photo.dng");
  const std::vector<std::pair<std::string, std::string>> made = {
      {"photo.heic", "heic"}, {"photo.avif", "avif"}, {"photo.jxl", "jxl"}, {"photo.tiff", "tiff"},
      {"photo.gif", "gif"},   {"photo.bmp", "bmp"},   {"photo3.bmp", "bmp"}, {"photo.dng", "dng"}};
  for (const auto& [file, format] : made) {
    const DetectedImage got = detect_file(dir / file);
    EXPECT_EQ(got.image.info.format, format) << file;
    expect_same_faces(got, expected, file);
  }
}

// The photos of ../shared/data stored turned, with the EXIF orientation that sets them upright,
// carried into each format by its own means.
TEST(PhotoFormats, EveryFormatThatCarriesAnOrientationIsTurnedUpright) {
  const auto shared = test::shared_data();
  if (shared.empty()) GTEST_SKIP() << "../shared/data not present";
  const ScratchDir dir;
  const auto rotated = shared / "faces/derived-exif-rotated";
  const DetectedImage upright = detect_file((shared / "faces/face_recognition/examples/biden.jpg").string());
  ASSERT_EQ(upright.faces.size(), 1u);
  // Under the sanitizers a mirror, a transpose and a turn: the same code turns them all.
  for (int orientation = 2; orientation <= 8; orientation += test::sanitized() ? 3 : 1) {
    const std::string jpeg = (rotated / ("biden_orientation_" + std::to_string(orientation) + ".jpg")).string();
    const std::string name = "o" + std::to_string(orientation);
    make("convert " + jpeg + " " + dir / (name + ".tiff"));
    make("cjxl " + jpeg + " " + dir / (name + ".jxl"));
    write_heic(stored_rgb(jpeg), orientation, dir / (name + ".heic"));
    write_dng(stored_rgb(jpeg), orientation, dir / (name + ".dng"));
    for (const std::string ext : {".tiff", ".jxl", ".heic", ".dng"}) expect_same_faces(detect_file(dir / (name + ext)), upright, name + ext);
  }
}

// A raw's embedded preview stands for it when it is large enough (no development); a small one
// does not. Preview and raw data show different pictures, so the faces found tell which was read.
TEST(PhotoFormats, CameraRawUsesItsEmbeddedPreviewOnlyWhenLargeEnough) {
  const ScratchDir dir;
  const DetectedImage expected = detect_file(test::demo_photos()[1].string());
  const cv::Mat& photo = expected.image.rgb;
  ASSERT_GE(std::max(photo.cols, photo.rows), DecodeOptions{}.work_long_side);
  const cv::Mat blank(photo.size(), CV_8UC3, cv::Scalar(128, 128, 128)), small_blank(240, 320, CV_8UC3, cv::Scalar(128, 128, 128));
  write_dng(blank, 1, dir / "large-preview.dng", photo);
  write_dng(photo, 1, dir / "small-preview.dng", small_blank);
  const DetectedImage from_preview = detect_file(dir / "large-preview.dng");
  EXPECT_EQ(from_preview.image.info.format, "dng");
  expect_same_faces(from_preview, expected, "the large preview, over blank raw data");
  expect_same_faces(detect_file(dir / "small-preview.dng"), expected, "the raw data, under a small blank preview");
}

TEST(PhotoFormats, AnAnimatedGifShowsItsFirstFrame) {
  const ScratchDir dir;
  cv::Mat bgr;
  cv::cvtColor(test::engine().detect(read_file_bytes(test::demo_photos()[1].string())).image.rgb, bgr, cv::COLOR_RGB2BGR);
  cv::imwrite(dir / "photo.png", bgr);
  cv::imwrite(dir / "blank.png", cv::Mat(bgr.size(), CV_8UC3, cv::Scalar(90, 120, 150)));
  make("convert " + dir / "photo.png" + " " + dir / "blank.png" + " " + dir / "faces-first.gif");
  make("convert " + dir / "blank.png" + " " + dir / "photo.png" + " " + dir / "blank-first.gif");
  make("convert " + dir / "photo.png" + " -interlace GIF " + dir / "interlaced.gif");
  EXPECT_GT(detect_file(dir / "faces-first.gif").faces.size(), 1u);
  EXPECT_EQ(detect_file(dir / "blank-first.gif").faces.size(), 0u);
  EXPECT_EQ(detect_file(dir / "interlaced.gif").faces.size(), detect_file(dir / "faces-first.gif").faces.size());
}

std::string decode_error_message(const std::string& bytes) {
  try {
    decode_image(bytes);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidImageFormat) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "decoding succeeded";
  return "";
}

TEST(PhotoFormats, BrokenAndRefusedFilesSayWhatTheyAre) {
  const ScratchDir dir;
  cv::imwrite(dir / "small.png", cv::Mat(64, 96, CV_8UC3, cv::Scalar(10, 200, 30)));
  make("heif-enc -q 50 -p preset=ultrafast " + dir / "small.png" + " -o " + dir / "small.heic");
  make("cjxl " + dir / "small.png" + " " + dir / "small.jxl");
  make("convert " + dir / "small.png" + " " + dir / "small.tiff");
  make("convert " + dir / "small.png" + " " + dir / "small.gif");
  for (const std::string format : {"heic", "jxl", "tiff", "gif"}) {
    const std::string bytes = read_file_bytes(dir / ("small." + format));
    EXPECT_EQ(decode_image(bytes).rgb.size(), cv::Size(96, 64)) << format;
    EXPECT_NE(decode_error_message(bytes.substr(0, bytes.size() * 2 / 3)).find(format), std::string::npos) << format;
  }
  EXPECT_NE(decode_error_message("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj").find("PDF"), std::string::npos);
  EXPECT_NE(decode_error_message(std::string("\0\0\0\x18" "ftypmp42\0\0\0\0mp42isom", 24)).find("mp42"), std::string::npos);
  EXPECT_NE(decode_error_message("8BPS\0\1\0\0\0\0\0\0").find("Photoshop"), std::string::npos);
}

TEST(PhotoFormats, BombsAreRefusedFromTheirHeader) {
  std::string gif = "GIF89a";
  gif += std::string("\x60\xEA\x60\xEA\xF7\0\0", 7);  // 60000 x 60000
  gif += std::string(800, '\0');
  std::string bmp = "BM" + std::string(12, '\0');
  bmp += std::string("\x28\0\0\0\x60\xEA\0\0\x60\xEA\0\0\1\0\x18\0", 16) + std::string(100, '\0');
  for (const auto& bytes : {gif, bmp}) {
    try {
      decode_image(bytes);
      ADD_FAILURE() << "decoded";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::ImageTooLarge) << e.what();
    }
  }
}

TEST(PhotoFormats, OrientationTurnsAsExifSays) {
  // A 2x3 image with distinct pixels, turned each of the eight ways and turned back by hand.
  cv::Mat m(2, 3, CV_8UC3);
  for (int i = 0; i < 6; ++i) m.at<cv::Vec3b>(i / 3, i % 3) = cv::Vec3b(i, 0, 0);
  auto at = [](const cv::Mat& x, int r, int c) { return x.at<cv::Vec3b>(r, c)[0]; };
  EXPECT_EQ(at(oriented(m, 1), 0, 0), 0);
  EXPECT_EQ(at(oriented(m, 2), 0, 0), 2);  // mirrored
  EXPECT_EQ(at(oriented(m, 3), 0, 0), 5);  // half a turn
  EXPECT_EQ(at(oriented(m, 4), 0, 0), 3);  // upside down
  const int first_of[9] = {0, 0, 2, 5, 3, 0, 3, 5, 2};  // top-left pixel after each of 5-8
  for (int o = 5; o <= 8; ++o) {
    const cv::Mat t = oriented(m, o);
    EXPECT_EQ(t.size(), cv::Size(2, 3)) << o;
    EXPECT_EQ(at(t, 0, 0), first_of[o]) << o;
  }
}

}  // namespace
}  // namespace beetroot
