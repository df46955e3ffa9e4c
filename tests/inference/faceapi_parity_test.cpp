// Golden test: face-api itself (tfjs + wasm, run in Node) and the C++ engine in faceapi mode,
// fed identical pixels, must agree to the tolerances of issue 2.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "inference/image.h"
#include "test_support.h"

namespace beetroot {
namespace {

nlohmann::json run_faceapi(const cv::Mat& rgb) {
  const auto raw = std::filesystem::temp_directory_path() / ("beetroot-parity-" + std::to_string(getpid()) + ".rgb");
  std::ofstream(raw, std::ios::binary).write(reinterpret_cast<const char*>(rgb.data), rgb.total() * 3);
  const auto script = test::source_dir() / "tools/faceapi-reference/detect.js";
  const auto result = test::run_command("node " + script.string() + " " + default_model_dir().string() + " " +
                                        raw.string() + " " + std::to_string(rgb.cols) + " " + std::to_string(rgb.rows));
  std::filesystem::remove(raw);
  EXPECT_EQ(result.status, 0) << "face-api reference failed; run `npm ci` in tools/faceapi-reference";
  return nlohmann::json::parse(result.out);
}

class FaceApiParity : public testing::TestWithParam<int> {
  void SetUp() override {
    if (test::repeats_the_native_kernels()) GTEST_SKIP() << "this CPU ran its AVX2 kernels in the normal run";
  }
};

TEST_P(FaceApiParity, DemoPhotoMatchesFaceApi) {
  const auto path = test::demo_photos()[GetParam()];
  DecodeOptions full;
  full.work_long_side = 0;
  const cv::Mat rgb = decode_image(read_file_bytes(path), full).rgb;
  const nlohmann::json reference = run_faceapi(rgb);
  ASSERT_EQ(reference["backend"], "wasm");
  FaceEngine& engine = test::engine(Alignment::FaceApi, /*multi_pass=*/false);
  const auto faces = engine.detect(rgb);
  ASSERT_EQ(faces.size(), reference["faces"].size()) << path;
  ASSERT_GT(faces.size(), 0u);
  double worst_box = 0, worst_score = 0, worst_landmark = 0, worst_descriptor = 0;
  for (size_t i = 0; i < faces.size(); ++i) {
    const auto& ref = reference["faces"][i];
    worst_score = std::max(worst_score, std::abs(faces[i].score - ref["score"].get<double>()));
    const double box[4] = {faces[i].box.x, faces[i].box.y, faces[i].box.width, faces[i].box.height};
    // Boxes compared as fractions of the image, like the scores.
    for (int k = 0; k < 4; ++k)
      worst_box = std::max(worst_box, std::abs(box[k] - ref["box"][k].get<double>()) / std::max(rgb.cols, rgb.rows));
    for (int p = 0; p < 68; ++p) {
      worst_landmark = std::max(worst_landmark, std::abs(faces[i].landmarks[p].x - ref["landmarks"][p][0].get<double>()));
      worst_landmark = std::max(worst_landmark, std::abs(faces[i].landmarks[p].y - ref["landmarks"][p][1].get<double>()));
    }
    const Descriptor d = engine.describe(rgb, faces[i]);
    double sum = 0;
    for (int k = 0; k < 128; ++k) sum += std::pow(d[k] - ref["descriptor"][k].get<double>(), 2);
    worst_descriptor = std::max(worst_descriptor, std::sqrt(sum));
  }
  EXPECT_LT(worst_score, 1e-4);
  EXPECT_LT(worst_box, 1e-4);
  EXPECT_LT(worst_landmark, 1e-3);
  EXPECT_LT(worst_descriptor, 1e-5);
  std::cout << path.filename() << ": faces=" << faces.size() << " max |score|=" << worst_score
            << " max |box|=" << worst_box << " max |landmark px|=" << worst_landmark
            << " max descriptor L2=" << worst_descriptor << "\n";
}

INSTANTIATE_TEST_SUITE_P(SixDemoPhotos, FaceApiParity, testing::Range(0, 6));

}  // namespace
}  // namespace beetroot
