// The detector's anchors, derived from TF's multiple-grid generator for any input size.
#include <gtest/gtest.h>

#include <cmath>

#include "inference/ssd_detector.h"
#include "inference/weights.h"
#include "app/settings.h"

namespace beetroot {
namespace {

// The anchors the shipped model was trained with, to compare the generated ones against.
const std::vector<float>& trained_anchors() {
  static const SsdDetector ssd(WeightMap::load(default_model_dir() / "ssd_mobilenetv1_model-weights_manifest.json"));
  return ssd.trained_anchors();
}

TEST(SsdAnchors, GeneratedTableIsTheShippedOneAt512) {
  const auto generated = ssd_anchors(512, 512);
  const auto& shipped = trained_anchors();
  ASSERT_EQ(generated.size(), shipped.size());
  double worst = 0;
  for (size_t i = 0; i < shipped.size(); ++i) worst = std::max(worst, std::abs(double(generated[i]) - shipped[i]));
  EXPECT_LT(worst, 1e-4) << "TF computed the shipped table in float";
}

TEST(SsdAnchors, KeepTheirPixelSizesOnLargerInputs) {
  const auto at512 = ssd_anchors(512, 512), wide = ssd_anchors(768, 1024);
  // The finest grid's first anchor: 0.1 of 512 pixels square, in its first cell, at both sizes.
  EXPECT_NEAR((at512[2] - at512[0]) * 512, 51.2, 1e-3);
  EXPECT_NEAR((wide[2] - wide[0]) * 768, 51.2, 1e-3);
  EXPECT_NEAR((wide[3] - wide[1]) * 1024, 51.2, 1e-3);
  EXPECT_EQ(wide.size(), (64 * 48 * 3 + (32 * 24 + 16 * 12 + 8 * 6 + 4 * 3 + 2 * 2) * 6) * 4u);
}

}  // namespace
}  // namespace beetroot
