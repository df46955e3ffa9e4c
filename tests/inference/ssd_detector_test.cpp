// The detector on inputs of any size: its anchors derived from TF's grid generator, and a face
// found at the same pixel size wherever the input is larger.
#include <gtest/gtest.h>

#include "inference/compute.h"
#include "inference/face_engine.h"
#include "inference/image.h"
#include "inference/sampling.h"
#include "inference/ssd_detector.h"
#include "inference/weights.h"
#include "test_support.h"

namespace beetroot {
namespace {

SsdDetector& detector() {
  static SsdDetector ssd(WeightMap::load(default_model_dir() / "ssd_mobilenetv1_model-weights_manifest.json"));
  return ssd;
}

// face-api's 512 input of a demo photo, then the same pixels in the corner of a larger input:
// every face comes out at the same place with the same score.
TEST(SsdDetector, FindsTheSameFacesInALargerInput) {
  const cv::Mat rgb = test::demo_rgb(1);
  const int side = std::max(rgb.cols, rgb.rows);
  const auto small = sample_canvas({rgb, side, side, {0, 0}, {0, 0, 0}}, 512, kSsdNormalization);
  const int width = 1024, height = 768;
  std::vector<float> large(static_cast<size_t>(width) * height * 3, -1.f);
  for (int y = 0; y < 512; ++y) std::copy_n(&small[y * 512 * 3], 512 * 3, &large[static_cast<size_t>(y) * width * 3]);
  Cores cores;
  Cores::Lease lease = cores.acquire();
  const auto expected = detector().detect(lease, small.data(), 512, 512, 0.5f);
  const auto found = detector().detect(lease, large.data(), height, width, 0.5f);
  ASSERT_EQ(found.size(), expected.size());
  ASSERT_GE(found.size(), 3u);
  for (size_t i = 0; i < found.size(); ++i) {
    EXPECT_NEAR(found[i].score, expected[i].score, 1e-4);
    EXPECT_NEAR(found[i].top * height, expected[i].top * 512, 0.05);
    EXPECT_NEAR(found[i].left * width, expected[i].left * 512, 0.05);
    EXPECT_NEAR(found[i].bottom * height, expected[i].bottom * 512, 0.05);
    EXPECT_NEAR(found[i].right * width, expected[i].right * 512, 0.05);
  }
}

}  // namespace
}  // namespace beetroot

namespace beetroot {
namespace {

float overlap(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  return inter / (a.area() + b.area() - inter);
}

// The finer pass in integers finds the faces the f32 one does, at the same places.
TEST(SsdDetector, QuantisedFinerPassFindsTheFacesOfTheFloatOne) {
  if (!has_integer_kernels()) GTEST_SKIP() << "no integer kernels here: the finer pass runs in f32";
  if (test::repeats_the_native_kernels()) GTEST_SKIP() << "this CPU ran its AVX2 kernels in the normal run";
  EngineOptions integer, floating;
  integer.model_dir = floating.model_dir = default_model_dir();
  floating.quantised_fine_pass = false;
  FaceEngine quantised(integer), reference(floating);
  for (const auto& photo : test::demo_photos()) {
    const cv::Mat rgb = decode_image(read_file_bytes(photo.string())).rgb;
    const auto expected = reference.detect(rgb), found = quantised.detect(rgb);
    ASSERT_EQ(found.size(), expected.size()) << photo;
    for (const auto& e : expected) {
      float best = 0;
      for (const auto& f : found) best = std::max(best, overlap(e.box, f.box));
      EXPECT_GT(best, 0.8f) << photo;
    }
  }
}

}  // namespace
}  // namespace beetroot
