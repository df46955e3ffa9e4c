// Photos as people take them, and files that are not photos at all.
#include <gtest/gtest.h>
// clang-format off
#include <cstdio>
// clang-format on

#include <jpeglib.h>
#include <png.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/error.h"
#include "inference/image.h"
#include "test_support.h"

namespace beetroot {
namespace {

std::string demo_bytes(int index) { return read_file_bytes(test::demo_photos()[index].string()); }

std::string encode(const cv::Mat& image, const std::string& ext, std::vector<int> params = {}) {
  std::vector<uchar> out;
  cv::imencode(ext, image, out, params);
  return {out.begin(), out.end()};
}

ErrorKind decode_error(const std::string& bytes, DecodeOptions options = {}) {
  try {
    decode_image(bytes, options);
  } catch (const Error& e) {
    EXPECT_FALSE(std::string(e.what()).empty());
    return e.kind();
  }
  ADD_FAILURE() << "decoding succeeded";
  return ErrorKind::Internal;
}

TEST(ImageDecoding, BadFilesGetTheirOwnError) {
  const std::string jpeg = demo_bytes(0);
  EXPECT_EQ(decode_error(""), ErrorKind::InvalidImageFormat);
  EXPECT_EQ(decode_error("%PDF-1.4 not a photo"), ErrorKind::InvalidImageFormat);
  EXPECT_EQ(decode_error("GIF89a\x10\0\x10"), ErrorKind::InvalidImageFormat);
  EXPECT_EQ(decode_error(jpeg.substr(0, jpeg.size() / 2)), ErrorKind::InvalidImageFormat);
  EXPECT_EQ(decode_error(jpeg.substr(0, 40)), ErrorKind::InvalidImageFormat);
  const std::string png = encode(cv::Mat(64, 64, CV_8UC3, cv::Scalar(1, 2, 3)), ".png");
  EXPECT_EQ(decode_error(png.substr(0, png.size() - 30)), ErrorKind::InvalidImageFormat);
  EXPECT_EQ(decode_error(png.substr(0, 20)), ErrorKind::InvalidImageFormat);
  std::string garbage(5000, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7919 % 251);
  EXPECT_EQ(decode_error("\xFF\xD8" + garbage), ErrorKind::InvalidImageFormat);
}

// Found by a one-hour fuzzing run: a WebP header that libwebp accepts and OpenCV's WebP sniffing
// does not, with "DICM" at byte 128, reached Debian's GDCM through cv::imdecode, and GDCM aborted
// the process. The same DICOM trap behind a JPEG marker that OpenCV's JPEG decoder would refuse.
TEST(ImageDecoding, NoFileReachesADecoderOfAFormatItDoesNotClaim) {
  std::ifstream in(test::source_dir() / "fuzz/corpus/image_decoding/webp-header-then-dicom.bin", std::ios::binary);
  const std::string found((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(found.size(), 128u);
  ASSERT_EQ(found.substr(128, 4), "DICM");
  EXPECT_EQ(decode_error(found), ErrorKind::InvalidImageFormat);
  std::string jpeg_then_dicom = "\xFF\xD8\x00" + std::string(125, '\0') + "DICM" + std::string(200, '\xFF');
  EXPECT_EQ(decode_error(jpeg_then_dicom), ErrorKind::InvalidImageFormat);
}

TEST(ImageDecoding, DecompressionBombIsRefusedBeforeDecoding) {
  // A 30000x30000 PNG header: 900 megapixels declared in a few bytes.
  std::string png = encode(cv::Mat(8, 8, CV_8UC3, cv::Scalar(0)), ".png");
  const unsigned char size[8] = {0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30};
  png.replace(16, 8, reinterpret_cast<const char*>(size), 8);
  EXPECT_EQ(decode_error(png), ErrorKind::ImageTooLarge);
  DecodeOptions tight;
  tight.max_pixels = 1000;
  EXPECT_EQ(decode_error(demo_bytes(0), tight), ErrorKind::ImageTooLarge);
}

TEST(ImageDecoding, LargeJpegIsDecodedReduced) {
  const cv::Mat rgb = decode_image(demo_bytes(0)).rgb;
  cv::Mat big;
  cv::resize(rgb, big, cv::Size(4000, 3000));
  DecodeOptions options;
  options.work_long_side = 1600;
  const DecodedImage d = decode_image(encode(big, ".jpg"), options);
  EXPECT_EQ(d.reduction, 2);
  EXPECT_EQ(d.rgb.cols, 2000);
  EXPECT_EQ(d.info.width, 4000);
}

// An Adam7-interlaced PNG, which OpenCV does not write.
std::string interlaced_png(const cv::Mat& rgb) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::string out;
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(data), n);
      },
      nullptr);
  png_set_IHDR(png, info, rgb.cols, rgb.rows, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_bytep> rows(rgb.rows);
  for (int y = 0; y < rgb.rows; ++y) rows[y] = const_cast<png_bytep>(rgb.ptr<unsigned char>(y));
  png_set_rows(png, info, rows.data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

double mean_difference(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  const cv::Scalar m = cv::mean(diff);
  return (m[0] + m[1] + m[2]) / 3;
}

// PNG and WebP, like JPEG, come out of the decoder at the size the detector needs, with the faces
// of the full-size photo.
TEST(ImageDecoding, LargePngAndWebpAreDecodedReduced) {
  const cv::Mat rgb = decode_image(demo_bytes(1)).rgb;
  cv::Mat big, bgr, expected;
  cv::resize(rgb, big, cv::Size(4001, 3001), 0, 0, cv::INTER_CUBIC);
  cv::cvtColor(big, bgr, cv::COLOR_RGB2BGR);
  cv::resize(big, expected, cv::Size(2001, 1501), 0, 0, cv::INTER_AREA);
  FaceEngine& engine = test::engine();
  const size_t faces = engine.detect(expected).size();
  ASSERT_GT(faces, 0u);
  DecodeOptions options;
  options.work_long_side = 1600;
  const std::vector<std::tuple<std::string, std::string, double>> files = {
      {"png", encode(bgr, ".png"), 1.0},
      {"interlaced png", interlaced_png(big), 1.0},
      {"webp", encode(bgr, ".webp", {cv::IMWRITE_WEBP_QUALITY, 95}), 4.0}};
  for (const auto& [kind, bytes, tolerance] : files) {
    const DecodedImage d = decode_image(bytes, options);
    EXPECT_EQ(d.reduction, 2) << kind;
    EXPECT_EQ(d.info.width, 4001) << kind;
    ASSERT_EQ(d.rgb.size(), expected.size()) << kind;
    EXPECT_LT(mean_difference(d.rgb, expected), tolerance) << kind;
    EXPECT_EQ(engine.detect(bytes).faces.size(), faces) << kind;
  }
}

// A 10000x10000 blank PNG is 97 KB on disk: it is decoded at a quarter of its size, never whole.
TEST(ImageDecoding, HugeBlankPngIsDecodedAtAQuarter) {
  const std::string png = encode(cv::Mat(10000, 10000, CV_8UC1, cv::Scalar(0)), ".png");
  ASSERT_LT(png.size(), 1'000'000u);
  const DetectedImage d = test::engine().detect(png);
  EXPECT_EQ(d.image.reduction, 4);
  EXPECT_EQ(d.image.rgb.cols, 2500);
  EXPECT_TRUE(d.faces.empty());
  EXPECT_EQ(decode_error(png.substr(0, png.size() / 2)), ErrorKind::InvalidImageFormat);
}

// Every kind of photo file finds the same faces as the JPEG it was made from.
TEST(ImageDecoding, EveryFormatFindsTheSameFaces) {
  const cv::Mat rgb = decode_image(demo_bytes(1)).rgb;
  cv::Mat bgr, gray, bgra, wide;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
  bgr.convertTo(wide, CV_16UC3, 257.0);
  FaceEngine& engine = test::engine();
  const size_t expected = engine.detect(rgb).size();
  ASSERT_GT(expected, 0u);
  const std::vector<std::pair<std::string, std::string>> files = {
      {"png", encode(bgr, ".png")},           {"webp", encode(bgr, ".webp", {cv::IMWRITE_WEBP_QUALITY, 95})},
      {"gray jpeg", encode(gray, ".jpg")},    {"alpha png", encode(bgra, ".png")},
      {"16-bit png", encode(wide, ".png")},
  };
  for (const auto& [kind, bytes] : files) {
    const DetectedImage d = engine.detect(bytes);
    EXPECT_EQ(d.faces.size(), expected) << kind;
    EXPECT_EQ(d.image.rgb.size(), rgb.size()) << kind;
  }
}

// Photoshop saves print photos as CMYK JPEGs; libjpeg writes one for the test.
std::string cmyk_jpeg(const cv::Mat& rgb) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = rgb.cols;
  cinfo.image_height = rgb.rows;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<unsigned char> row(rgb.cols * 4);
  while (cinfo.next_scanline < cinfo.image_height) {
    const auto* px = rgb.ptr<cv::Vec3b>(cinfo.next_scanline);
    for (int x = 0; x < rgb.cols; ++x) {
      const int k = 255 - std::max({px[x][0], px[x][1], px[x][2]});
      // Adobe's inverted CMYK, which is what libjpeg hands back to readers.
      for (int c = 0; c < 3; ++c) row[x * 4 + c] = static_cast<unsigned char>(k == 255 ? 0 : 255 - (255 - px[x][c] - k) * 255 / (255 - k));
      row[x * 4 + 3] = static_cast<unsigned char>(255 - k);
    }
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(buffer), size);
  free(buffer);
  return out;
}

TEST(ImageDecoding, CmykJpegFindsTheSameFaces) {
  const cv::Mat rgb = decode_image(demo_bytes(1)).rgb;
  FaceEngine& engine = test::engine();
  const DetectedImage d = engine.detect(cmyk_jpeg(rgb));
  EXPECT_EQ(d.faces.size(), engine.detect(rgb).size());
  EXPECT_LT(cv::norm(d.image.rgb, rgb, cv::NORM_L1) / rgb.total() / 3, 12.0) << "colours came back wrong";
}

TEST(ImageDecoding, ExifRotatedPhotosGiveTheUprightFaces) {
  const auto shared = test::shared_data();
  if (shared.empty()) GTEST_SKIP() << "../shared/data not present";
  std::ifstream manifest(shared / "faces/derived-exif-rotated/manifest.csv");
  std::string line;
  std::getline(manifest, line);  // header: file,source,...
  FaceEngine& engine = test::engine();
  int compared = 0;
  while (std::getline(manifest, line)) {
    const auto comma1 = line.find(','), comma2 = line.find(',', comma1 + 1);
    const std::string file = line.substr(0, comma1), source = line.substr(comma1 + 1, comma2 - comma1 - 1);
    const DetectedImage rotated = engine.detect(read_file_bytes((shared / "faces/derived-exif-rotated" / file).string()));
    const DetectedImage upright = engine.detect(read_file_bytes((shared / "faces" / source).string()));
    ASSERT_EQ(rotated.image.rgb.size(), upright.image.rgb.size()) << file;
    ASSERT_EQ(rotated.faces.size(), upright.faces.size()) << file;
    for (size_t i = 0; i < upright.faces.size(); ++i) {
      const auto a = rotated.faces[i].box, b = upright.faces[i].box;
      EXPECT_NEAR(a.x, b.x, 0.05 * b.width) << file;
      EXPECT_NEAR(a.y, b.y, 0.05 * b.height) << file;
    }
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

}  // namespace
}  // namespace beetroot
