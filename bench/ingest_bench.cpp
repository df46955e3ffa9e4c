// Ingestion throughput on real group photos (../shared/data/faces, kind=group) as they are and
// upscaled to 12 megapixels, with 1 and 2 workers, and where the time goes.
// Usage: ingest_bench [SHARED_DATA_DIR]
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "inference/image.h"
#include "ingest/pipeline.h"
#include "ingest/stores.h"

using namespace beetroot;
namespace fs = std::filesystem;

namespace {

struct Photo {
  std::string key, bytes;
};

std::vector<Photo> group_photos(const fs::path& faces_dir) {
  std::ifstream manifest(faces_dir / "manifest.csv");
  std::vector<Photo> out;
  std::string line;
  std::getline(manifest, line);
  while (std::getline(manifest, line)) {
    const std::string path = line.substr(0, line.find(','));
    if (line.find(",group,") == std::string::npos) continue;
    out.push_back({"photos-raw/" + path, read_file_bytes((faces_dir / path).string())});
  }
  return out;
}

std::vector<Photo> upscaled(const std::vector<Photo>& photos, double megapixels) {
  std::vector<Photo> out;
  for (const auto& p : photos) {
    const cv::Mat bgr = cv::imdecode(std::vector<uchar>(p.bytes.begin(), p.bytes.end()), cv::IMREAD_COLOR);
    if (bgr.empty()) continue;
    const double scale = std::sqrt(megapixels * 1e6 / bgr.total());
    cv::Mat big;
    cv::resize(bgr, big, cv::Size(), scale, scale, cv::INTER_CUBIC);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", big, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
    out.push_back({p.key + ".12mp.jpg", std::string(jpeg.begin(), jpeg.end())});
  }
  return out;
}

void run(const char* label, const std::vector<Photo>& photos, int workers, FaceEngine& engine) {
  const fs::path data = fs::temp_directory_path() / ("beetroot-ingest-bench-" + std::to_string(getpid()));
  fs::remove_all(data);
  IngestConfig config = IngestConfig::in_folder(data);
  Stores storage = Stores::open(config);
  Pipeline pipeline(engine, storage);
  std::atomic<size_t> next{0}, faces{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < photos.size();) faces += pipeline.ingest_bytes(photos[i].key, photos[i].bytes).faces.size();
    });
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& t = pipeline.stage_times();
  const double total_us = t.read_us + t.decode_us + t.detect_us + t.describe_us + t.assign_us + t.encode_us + t.store_us;
  auto share = [&](int64_t us) { return 100.0 * us / total_us; };
  std::printf("%-22s workers=%d  %3zu photos %4zu faces  %6.2f photos/s  %6.1f faces/s | decode %4.1f%% detect %4.1f%% "
              "describe %4.1f%% assign %4.1f%% encode %4.1f%% store %4.1f%%\n",
              label, workers, photos.size(), faces.load(), photos.size() / s, faces / s, share(t.decode_us),
              share(t.detect_us), share(t.describe_us), share(t.assign_us), share(t.encode_us),
              share(t.store_us + t.read_us));
  fs::remove_all(data);
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path(BEETROOT_SOURCE_DIR).parent_path() / "shared/data";
  const auto originals = group_photos(shared / "faces");
  if (originals.empty()) {
    std::fprintf(stderr, "no group photos under %s\n", (shared / "faces").c_str());
    return 1;
  }
  const auto big = upscaled(originals, 12);
  spdlog::set_level(spdlog::level::warn);  // the per-face log lines would drown the table
  for (int min_face : {40, 0}) {
    EngineOptions options;
    options.min_face_pixels = min_face;
    FaceEngine engine(options);
    std::printf("detection: whole photo + large-face canvas%s\n", min_face ? " + tiles for 40 px faces (default)" : " (no tiles)");
    for (int workers : {1, 2}) {
      run("group photos", originals, workers, engine);
      run("same at 12 megapixels", big, workers, engine);
    }
  }
  return 0;
}
