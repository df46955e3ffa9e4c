// Face engine speed: each net per pass on 1 and 2 threads as a share of this machine's FMA peak
// (bench/fma_peak.h), measured in the same run, and against face-api itself (tfjs + wasm, run in
// Node in the same run), per net and on whole photos.
// Usage: engine_bench [REPEATS]     (DNNL_MAX_CPU_ISA=AVX2 measures the AVX2 kernels)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "app/settings.h"
#include "fma_peak.h"
#include "inference/face_engine.h"
#include "inference/feature_map.h"
#include "inference/image.h"
#include "inference/landmark_net.h"
#include "inference/model_files.h"
#include "inference/recognition_net.h"
#include "inference/ssd_detector.h"
#include "inference/weights.h"

using namespace beetroot;
namespace fs = std::filesystem;

namespace {

// Work per pass, multiply-adds counted as 2 FLOPs (layer by layer from the nets' shapes).
constexpr double kSsdGflop = 6.286, kRecognitionGflop = 0.5417, kLandmarkGflop = 0.1031;

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

const char* onednn_isa() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx2: return "AVX2";
    case dnnl::cpu_isa::avx2_vnni: return "AVX2 (VNNI)";
    case dnnl::cpu_isa::avx512_core: return "AVX-512";
    case dnnl::cpu_isa::avx512_core_vnni: return "AVX-512 (VNNI)";
    case dnnl::cpu_isa::avx512_core_bf16: return "AVX-512 (BF16)";
    case dnnl::cpu_isa::avx512_core_amx: return "AVX-512 (AMX)";
    default: return "other";
  }
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
  auto random_input = [&](size_t floats) {
    std::vector<float> v(floats);
    for (float& x : v) x = rng.uniform(-1.f, 1.f);
    return v;
  };
  constexpr int kBatch = 8;
  const auto ssd_in = random_input(512 * 512 * 3);
  const auto lm_in = random_input(kBatch * LandmarkNet::kInputFloats);
  const auto rec_in = random_input(kBatch * RecognitionNet::kInputFloats);

  const int block = native_channel_block();
  std::printf("oneDNN kernels: %s; activations in %s\n", onednn_isa(),
              block == 0 ? "NHWC" : block == 16 ? "nChw16c" : "nChw8c");
  std::printf("%-32s %7s %8s %9s %9s %11s\n", "per pass (per face in batches)", "threads", "ms", "GFLOP/s",
              "% of peak", "vs face-api");
  for (int threads : {1, 2}) {
    const bench::FmaPeak peak = bench::fma_peak(threads);
    Cores cores(threads);
    const nlohmann::json ref = faceapi_times(std::max(3, repeats / 4), threads, {});
    struct Row {
      std::string name;
      double gflop;
      int faces;
      std::function<void(Cores::Lease&)> run;
      const char* faceapi_key;
    };
    std::vector<float> boxes, scores;
    const Row rows[] = {
        {"SSD detector 512x512", kSsdGflop, 1,
         [&](Cores::Lease& l) { ssd.forward(l, ssd_in.data(), 512, 512, boxes, scores); }, "ssd_ms"},
        {"landmarks 112x112", kLandmarkGflop, 1, [&](Cores::Lease& l) { landmarks.run(l, lm_in.data(), 1); },
         "landmarks_ms"},
        {"landmarks, batch of 8", kLandmarkGflop, kBatch, [&](Cores::Lease& l) { landmarks.run(l, lm_in.data(), kBatch); },
         "landmarks_ms"},
        {"recognition 150x150", kRecognitionGflop, 1, [&](Cores::Lease& l) { recognition.run(l, rec_in.data(), 1); },
         "recognition_ms"},
        // One face as beetroot describes it: the chip and its mirror image in one batch.
        {"recognition, chip and mirror", kRecognitionGflop, 2,
         [&](Cores::Lease& l) { recognition.run(l, rec_in.data(), 2); }, "recognition_ms"},
        {"recognition, batch of 8", kRecognitionGflop, kBatch,
         [&](Cores::Lease& l) { recognition.run(l, rec_in.data(), kBatch); }, "recognition_ms"},
    };
    std::printf("FMA peak, %s, %d thread%s: %.1f GFLOP/s\n", peak.isa.c_str(), threads, threads > 1 ? "s" : "",
                peak.gflops);
    for (const auto& r : rows) {
      Cores::Lease lease = cores.acquire();
      const double ms = median_ms(repeats, [&] { r.run(lease); }) / r.faces;
      const double gflops = r.gflop / (ms / 1e3);
      const double faceapi = ref.is_null() ? 0 : ref[r.faceapi_key].get<double>();
      std::printf("%-32s %7d %8.2f %9.1f %8.0f%% %10.1fx\n", r.name.c_str(), threads, ms, gflops,
                  100 * gflops / peak.gflops, faceapi > 0 ? faceapi / ms : 0.0);
    }
  }

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
  std::printf("\nwhole photo (detect + landmarks + descriptors), 2 threads: face-api's single pass, and beetroot's\n"
              "default passes (the whole photo at the scale a 40-px face needs, and the large-face canvas):\n");
  EngineOptions o;
  o.model_dir = models;
  o.alignment = Alignment::FaceApi;
  o.use_single_pass();
  o.mirror_average = false;
  FaceEngine engine(o);
  FaceEngine engine_default{EngineOptions{.model_dir = models}};
  const nlohmann::json ref = faceapi_times(3, 2, raw_files);
  double ours_total = 0, default_total = 0, theirs_total = 0;
  for (size_t i = 0; i < photos.size(); ++i) {
    auto extract = [&](FaceEngine& e) {
      return [&] { e.describe(photos[i], e.detect(photos[i])); };
    };
    const double ours = median_ms(std::max(3, repeats / 4), extract(engine));
    const double ours_default = median_ms(std::max(3, repeats / 4), extract(engine_default));
    const double theirs = ref.is_null() ? 0 : ref["photo_ms"][i].get<double>();
    ours_total += ours;
    default_total += ours_default;
    theirs_total += theirs;
    std::printf("sample%zu %4dx%-4d  single pass %7.1f ms  default %7.1f ms  face-api %7.1f ms  %5.1fx\n", i + 1,
                photos[i].cols, photos[i].rows, ours, ours_default, theirs, theirs > 0 ? theirs / ours : 0.0);
  }
  std::printf("all six: single pass %.1f ms, default %.1f ms, face-api %.1f ms: %.1fx faster (default: %.1fx)\n",
              ours_total, default_total, theirs_total, theirs_total / ours_total, theirs_total / default_total);
  for (const auto& f : raw_files) fs::remove(f.substr(0, f.find(':')));
  return 0;
}
