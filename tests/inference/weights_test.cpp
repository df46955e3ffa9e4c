// The TF.js weights loader and the model checks: broken files are named, never half-loaded.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>

#include "base/error.h"
#include "app/settings.h"
#include "inference/model_files.h"
#include "inference/weights.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

struct ModelCopy {
  fs::path dir = fs::temp_directory_path() / ("beetroot-models-" + std::to_string(getpid()));
  ModelCopy() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(default_model_dir()))
      if (e.is_regular_file()) fs::copy_file(e.path(), dir / e.path().filename());
  }
  ~ModelCopy() { fs::remove_all(dir); }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::ModelMissing);
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(Weights, LoadsDequantisedTensorsWithTheirShapes) {
  const auto w = WeightMap::load(default_model_dir() / "face_recognition_model-weights_manifest.json");
  const Tensor& fc = w.get("fc", {256, 128});
  EXPECT_EQ(fc.size(), 256u * 128u);
  const auto [lo, hi] = std::minmax_element(fc.values.begin(), fc.values.end());
  EXPECT_LT(*lo, 0.f);
  EXPECT_GT(*hi, 0.f);
  EXPECT_THROW(w.get("fc", {128, 256}), Error);
  EXPECT_THROW(w.get("no/such/tensor"), Error);
  // The SSD's int32 shape constants are skipped but counted: its float anchors still line up.
  const auto ssd = WeightMap::load(default_model_dir() / "ssd_mobilenetv1_model-weights_manifest.json");
  EXPECT_EQ(ssd.get("Output/extra_dim", {1, 5118, 4}).size(), 5118u * 4u);
}

TEST(Weights, TruncatedOrPaddedWeightsFileIsRefused) {
  ModelCopy copy;
  const auto bin = copy.dir / "face_landmark_68_model.bin";
  const auto manifest = copy.dir / "face_landmark_68_model-weights_manifest.json";
  const auto size = fs::file_size(bin);
  fs::resize_file(bin, size - 100);
  EXPECT_NE(error_of([&] { WeightMap::load(manifest); }).find("truncated"), std::string::npos);
  fs::resize_file(bin, size + 8);
  EXPECT_NE(error_of([&] { WeightMap::load(manifest); }).find("bytes"), std::string::npos);
  std::ofstream(manifest) << "[{\"paths\": [\"face_landmark_68_model.bin\"], \"weights\": [{\"name\": 1}]}]";
  EXPECT_NE(error_of([&] { WeightMap::load(manifest); }).find("manifest"), std::string::npos);
  // Found by fuzzing: a file name too long for the file system made the check itself throw.
  std::ofstream(manifest) << "[{\"paths\": [\"" << std::string(5000, 'w') << "\"], \"weights\": []}]";
  EXPECT_NE(error_of([&] { WeightMap::load(manifest); }).find("missing"), std::string::npos);
  // Found by fuzzing: a dimension that no int holds (a fraction, 1e20, -1e13) was converted anyway.
  for (const std::string dimension : {"2.5", "1e20", "-9940658000000", "99999999996", "-1"}) {
    std::ofstream(manifest) << "[{\"paths\": [\"face_landmark_68_model.bin\"], \"weights\": [{\"name\": \"a\", "
                               "\"shape\": [2, " << dimension << "], \"dtype\": \"float32\"}]}]";
    EXPECT_NE(error_of([&] { WeightMap::load(manifest); }).find("dimension"), std::string::npos) << dimension;
  }
}

TEST(Weights, CorruptedModelFileIsNamedWithTheFix) {
  ModelCopy copy;
  EXPECT_NO_THROW(verify_model_files(copy.dir));
  std::fstream f(copy.dir / "face_recognition_model.bin", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(1000);
  f.put('\x42');
  f.close();
  const std::string message = error_of([&] { verify_model_files(copy.dir); });
  EXPECT_NE(message.find("face_recognition_model.bin"), std::string::npos);
  EXPECT_NE(message.find("sha256"), std::string::npos);
  EXPECT_NE(message.find("fetch-models.sh"), std::string::npos);
}

}  // namespace
}  // namespace beetroot
