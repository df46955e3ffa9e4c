// Face engine speed: each net per pass, 1 and 2 threads, against face-api itself (tfjs + wasm,
// run in Node in the same run) and against this machine's GEMM throughput measured now.
// Usage: engine_bench [REPEATS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "inference/face_engine.h"
#include "inference/image.h"
#include "inference/landmark_net.h"
#include "inference/layers.h"
#include "inference/model_files.h"
#include "inference/recognition_net.h"
#include "inference/ssd_detector.h"
#include "inference/thread_pool.h"
#include "inference/weights.h"

using namespace beetroot;
namespace fs = std::filesystem;

namespace {

// Work per pass, multiply-adds counted as 2 FLOPs (see ../shared/MODELS.md).
constexpr double kSsdGflop = 6.3, kRecognitionGflop = 0.54, kLandmarkGflop = 0.1;

double median_ms(int repeats, const std::function<void()>& f) {
  f();
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

// Achievable fp32 throughput on this machine now: a large XNNPACK GEMM (256x1024 by 1024x1024).
double gemm_gflops(ThreadPool& pool) {
  const int n = 1024, batch = 256;
  std::vector<float> w(static_cast<size_t>(n) * n, 0.01f), in(static_cast<size_t>(batch) * n, 1.f), out(in.size());
  FullyConnected fc(n, n, w, {});
  const double ms = median_ms(10, [&] { fc.run(in.data(), out.data(), pool, batch); });
  return 2.0 * batch * n * n / (ms * 1e6);
}

nlohmann::json faceapi_times(int repeats, int threads, const std::vector<std::string>& photos) {
  std::string command = "node " + std::string(BEETROOT_SOURCE_DIR) + "/tools/faceapi-reference/bench.js " +
                        default_model_dir().string() + " " + std::to_string(repeats) + " " + std::to_string(threads);
  for (const auto& p : photos) command += " " + p;
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
  if (pclose(pipe) != 0 || out.empty()) return nullptr;
  return nlohmann::json::parse(out);
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 20;
  const fs::path models = default_model_dir();
  verify_model_files(models);
  SsdDetector ssd(WeightMap::load(models / "ssd_mobilenetv1_model-weights_manifest.json"));
  LandmarkNet landmarks(WeightMap::load(models / "face_landmark_68_model-weights_manifest.json"));
  RecognitionNet recognition(WeightMap::load(models / "face_recognition_model-weights_manifest.json"));
  cv::RNG rng(1);
  auto random_input = [&](int side) {
    std::vector<float> v(static_cast<size_t>(side) * side * 3);
    for (float& x : v) x = rng.uniform(-1.f, 1.f);
    return v;
  };
  const auto ssd_in = random_input(512), lm_in = random_input(112), rec_in = random_input(150);

  // Whole photos: the six demo photos, decoded once, also handed to face-api as raw pixels.
  std::vector<cv::Mat> photos;
  std::vector<std::string> raw_files;
  for (int i = 1; i <= 6; ++i) {
    DecodeOptions full;
    full.work_long_side = 0;
    photos.push_back(decode_image(read_file_bytes((models / "demo" / ("sample" + std::to_string(i) + ".jpg")).string()), full).rgb);
    const auto raw = fs::temp_directory_path() / ("beetroot-bench-" + std::to_string(i) + ".rgb");
    std::ofstream(raw, std::ios::binary).write(reinterpret_cast<const char*>(photos.back().data), photos.back().total() * 3);
    raw_files.push_back(raw.string() + ":" + std::to_string(photos.back().cols) + ":" + std::to_string(photos.back().rows));
  }

  std::printf("%-28s %8s %8s %10s %10s %9s\n", "per pass", "threads", "ms", "GFLOP/s", "% of GEMM", "vs face-api");
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    const double peak = gemm_gflops(pool);
    const nlohmann::json ref = faceapi_times(std::max(3, repeats / 4), threads, {});
    struct Row {
      const char* name;
      double gflop;
      std::function<void()> run;
      const char* faceapi_key;
    };
    std::vector<float> boxes, scores;
    const Row rows[] = {
        {"SSD detector 512x512", kSsdGflop, [&] { ssd.forward(ssd_in.data(), pool, boxes, scores); }, "ssd_ms"},
        {"landmarks 112x112", kLandmarkGflop, [&] { landmarks.run(lm_in.data(), pool); }, "landmarks_ms"},
        {"recognition 150x150", kRecognitionGflop, [&] { recognition.run(rec_in.data(), pool); }, "recognition_ms"},
    };
    std::printf("GEMM reference (%d thread%s): %.1f GFLOP/s\n", threads, threads > 1 ? "s" : "", peak);
    for (const auto& r : rows) {
      const double ms = median_ms(repeats, r.run);
      const double gflops = r.gflop / (ms / 1e3);
      const double faceapi = ref.is_null() ? 0 : ref[r.faceapi_key].get<double>();
      std::printf("%-28s %8d %8.2f %10.1f %9.0f%% %8.1fx\n", r.name, threads, ms, gflops, 100 * gflops / peak,
                  faceapi > 0 ? faceapi / ms : 0.0);
    }
  }

  std::printf("\nwhole photo (detect + landmarks + descriptors), faceapi mode single pass vs face-api, 2 threads:\n");
  EngineOptions o;
  o.alignment = Alignment::FaceApi;
  o.use_single_pass();
  o.mirror_average = false;
  FaceEngine engine(o);
  EngineOptions multi;
  FaceEngine engine_multi(multi);
  const nlohmann::json ref = faceapi_times(3, 2, raw_files);
  double ours_total = 0, multi_total = 0, theirs_total = 0;
  for (size_t i = 0; i < photos.size(); ++i) {
    auto extract = [&](FaceEngine& e) {
      return [&] {
        for (const auto& f : e.detect(photos[i])) e.describe(photos[i], f);
      };
    };
    const double ours = median_ms(std::max(3, repeats / 4), extract(engine));
    const double ours_multi = median_ms(std::max(3, repeats / 4), extract(engine_multi));
    const double theirs = ref.is_null() ? 0 : ref["photo_ms"][i].get<double>();
    ours_total += ours;
    multi_total += ours_multi;
    theirs_total += theirs;
    std::printf("sample%zu %4dx%-4d  beetroot %7.1f ms  (default multi-pass %7.1f ms)  face-api %7.1f ms  %5.1fx\n",
                i + 1, photos[i].cols, photos[i].rows, ours, ours_multi, theirs, theirs > 0 ? theirs / ours : 0.0);
  }
  std::printf("all six: beetroot %.1f ms, face-api %.1f ms: %.1fx faster (default multi-pass: %.1fx)\n", ours_total,
              theirs_total, theirs_total / ours_total, theirs_total / multi_total);
  for (const auto& f : raw_files) fs::remove(f.substr(0, f.find(':')));
  return 0;
}
