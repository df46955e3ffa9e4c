// Photos as people take them, and files that are not photos at all.
#include <gtest/gtest.h>
// clang-format off
#include <cstdio>
// clang-format on

#include <jpeglib.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "inference/error.h"
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
  EXPECT_EQ(decode_error("GIF89a not supported here"), ErrorKind::InvalidImageFormat);
  EXPECT_EQ(decode_error(jpeg.substr(0, jpeg.size() / 2)), ErrorKind::InvalidImageFormat);
  EXPECT_EQ(decode_error(jpeg.substr(0, 40)), ErrorKind::InvalidImageFormat);
  const std::string png = encode(cv::Mat(64, 64, CV_8UC3, cv::Scalar(1, 2, 3)), ".png");
  EXPECT_EQ(decode_error(png.substr(0, png.size() - 30)), ErrorKind::InvalidImageFormat);
  EXPECT_EQ(decode_error(png.substr(0, 20)), ErrorKind::InvalidImageFormat);
  std::string garbage(5000, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7919 % 251);
  EXPECT_EQ(decode_error("\xFF\xD8" + garbage), ErrorKind::InvalidImageFormat);
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
