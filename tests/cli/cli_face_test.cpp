// `beetroot detect` and `beetroot embed` through the real binary.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.h"

namespace beetroot {
namespace {

using test::kBinary;

std::vector<nlohmann::json> every_line_json(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(CliFace, DetectPrintsFaceDetailsAndFailsOnlyForBadFiles) {
  const auto bad = std::filesystem::temp_directory_path() / "beetroot-not-an-image.jpg";
  std::ofstream(bad) << "this is not a photo";
  const auto photo = test::demo_photos()[2].string();
  const auto r = test::run_command(kBinary + " detect " + photo + " " + bad.string() + " " + photo + " 2>/dev/null");
  EXPECT_EQ(r.status, 1) << "a bad file must make the exit status non-zero";
  const auto lines = every_line_json(r.out);
  ASSERT_EQ(lines.size(), 2u) << "the good files around the bad one are still processed";
  const auto& face = lines[0]["FaceDetails"][0];
  for (const char* key : {"Width", "Height", "Left", "Top"}) {
    EXPECT_GE(face["BoundingBox"][key].get<double>(), 0.0);
    EXPECT_LE(face["BoundingBox"][key].get<double>(), 1.0);
  }
  EXPECT_GT(face["Confidence"].get<double>(), 50.0);
  EXPECT_EQ(face["Landmarks"].size(), 5u);
  EXPECT_TRUE(face["Pose"].contains("Yaw"));
  EXPECT_TRUE(face["Quality"].contains("Sharpness"));
  const auto err = test::run_command(kBinary + " detect " + bad.string() + " 2>&1");
  EXPECT_NE(err.out.find("beetroot-not-an-image.jpg"), std::string::npos) << err.out;
  EXPECT_NE(err.out.find("unsupported image format"), std::string::npos) << err.out;
  std::filesystem::remove(bad);
}

TEST(CliFace, EmbedPrintsOneDescriptorPerFace) {
  const auto r = test::run_command(kBinary + " embed " + test::demo_photos()[0].string());
  ASSERT_EQ(r.status, 0);
  const auto lines = every_line_json(r.out);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_GE(lines[0]["Faces"].size(), 3u);
  for (const auto& f : lines[0]["Faces"]) EXPECT_EQ(f["Descriptor"].size(), 128u);
}

}  // namespace
}  // namespace beetroot
