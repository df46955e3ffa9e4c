// Ingestion of a library-like mix of phone photos (12 megapixels), side by side in one run: `beetroot ingest`
// (the binary, as a user runs it, defaults and all), face-api 1.7.15 in Node on the same photos
// (tfjs-wasm, 2 threads, handed decoded pixels, so its time leaves out JPEG decoding), the work a
// photo costs (every convolution counted) and the floor that work puts under the time at this
// machine's FMA peak, and whether beetroot finds every face face-api finds.
// Usage: ingest_bench [SHARED_DATA_DIR]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fma_peak.h"
#include "inference/face_engine.h"
#include "inference/image.h"
#include "inference/layers.h"
#include "app/settings.h"

using namespace beetroot;
namespace fs = std::filesystem;

namespace {

struct Source {
  const char* kind;
  const char* path;   // under faces/
  float top, bottom;  // the rows kept, as fractions (a face-free strip of a group photo)
};

// Portraits, couples, small groups and two photos without a person's face, as a family library has.
const Source kMix[] = {
    {"portrait", "vladmandic-human/samples/in/person-linda.jpg", 0, 1},
    {"portrait", "vladmandic-human/samples/in/person-celeste.jpg", 0, 1},
    {"portrait", "vladmandic-human/samples/in/person-christina.jpg", 0, 1},
    {"portrait", "vladmandic-human/samples/in/person-lauren.jpg", 0, 1},
    {"portrait", "vladmandic-human/samples/in/person-nicole.jpg", 0, 1},
    {"portrait", "vladmandic-human/samples/in/person-tetiana.jpg", 0, 1},
    {"portrait", "vladmandic-human/samples/in/person-vlado.jpg", 0, 1},
    {"portrait", "openface/images/examples/lennon-1.jpg", 0, 1},
    {"portrait", "openface/images/examples/clapton-1.jpg", 0, 1},
    {"portrait", "face_recognition/examples/obama-1080p.jpg", 0, 1},
    {"couple", "face_recognition/examples/knn_examples/test/kit_with_rose.jpg", 0, 1},
    {"couple", "face_recognition/examples/knn_examples/test/obama_and_biden.jpg", 0, 1},
    {"couple", "face_recognition/examples/two_people.jpg", 0, 1},
    {"couple", "deepface/tests/unit/dataset/couple.jpg", 0, 1},
    {"couple", "openface/images/examples/longoria-cooper.jpg", 0, 1},
    {"group", "facenet-pytorch/data/multiface.jpg", 0, 1},
    {"group", "insightface/python-package/insightface/data/images/t1.jpg", 0, 1},
    {"group", "face-api.js/examples/images/bbt1.jpg", 0, 1},
    {"group", "face-api.js/examples/images/bbt2.jpg", 0, 1},
    {"group", "vladmandic-human/samples/in/group-1.jpg", 0, 1},
    {"group", "vladmandic-human/samples/in/stock-group-1.jpg", 0, 1},
    {"no face", "dlib/examples/faces/dogs.jpg", 0, 1},
    {"no face", "vladmandic-human/samples/in/group-1.jpg", 0.8f, 1},
};

struct Photo {
  std::string kind, file, raw;  // the 12-megapixel JPEG; its pixels for face-api ("path:w:h")
  int width, height;
};

std::vector<Photo> make_mix(const fs::path& faces, const fs::path& dir) {
  fs::create_directories(dir / "photos");
  std::vector<Photo> out;
  int n = 0;
  for (const Source& s : kMix) {
    const cv::Mat bgr = cv::imread((faces / s.path).string(), cv::IMREAD_COLOR);
    if (bgr.empty()) throw std::runtime_error(std::string("cannot read ") + s.path);
    const cv::Rect rows(0, static_cast<int>(bgr.rows * s.top), bgr.cols, static_cast<int>(bgr.rows * (s.bottom - s.top)));
    // As a phone stores them: 4032x3024 (or turned), or 4032x2268 for wide ones; cropped to that
    // shape about the centre.
    const cv::Mat part = bgr(rows);
    const double aspect = static_cast<double>(part.cols) / part.rows;
    const cv::Size size = aspect < 1 ? cv::Size(3024, 4032) : aspect > 1.6 ? cv::Size(4032, 2268) : cv::Size(4032, 3024);
    const double target = static_cast<double>(size.width) / size.height;
    const cv::Size kept = aspect > target ? cv::Size(static_cast<int>(part.rows * target), part.rows)
                                          : cv::Size(part.cols, static_cast<int>(part.cols / target));
    cv::Mat big;
    cv::resize(part(cv::Rect((part.cols - kept.width) / 2, (part.rows - kept.height) / 2, kept.width, kept.height)), big,
               size, 0, 0, cv::INTER_CUBIC);
    char name[32];
    std::snprintf(name, sizeof name, "%02d.jpg", n++);
    const fs::path file = dir / "photos" / name;
    cv::imwrite(file.string(), big, {cv::IMWRITE_JPEG_QUALITY, 90});
    // face-api gets the pixels of the JPEG as stored, as a Node app decoding it would.
    cv::Mat decoded = cv::imread(file.string(), cv::IMREAD_COLOR), rgb;
    cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
    const fs::path raw = dir / (std::string(name) + ".rgb");
    std::ofstream(raw, std::ios::binary).write(reinterpret_cast<const char*>(rgb.data), rgb.total() * 3);
    out.push_back({s.kind, file.string(), raw.string() + ":" + std::to_string(rgb.cols) + ":" + std::to_string(rgb.rows),
                   rgb.cols, rgb.rows});
  }
  return out;
}

std::string run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[65536];
  size_t got;
  while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
  if (pclose(pipe) != 0) throw std::runtime_error("failed: " + command);
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  return inter <= 0 ? 0.f : inter / (a.area() + b.area() - inter);
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path(BEETROOT_SOURCE_DIR).parent_path() / "shared/data";
  const fs::path dir = fs::temp_directory_path() / ("beetroot-ingest-bench-" + std::to_string(getpid()));
  const std::vector<Photo> photos = make_mix(shared / "faces", dir);
  const bench::FmaPeak peak = bench::fma_peak(2);

  // face-api, one photo after another, as its own process.
  std::string command = "node " + std::string(BEETROOT_SOURCE_DIR) + "/tools/faceapi-reference/photos.js " +
                        default_model_dir().string() + " 2";
  for (const auto& p : photos) command += " " + p.raw;
  const nlohmann::json faceapi = nlohmann::json::parse(run(command));
  double faceapi_seconds = 0;
  size_t faceapi_faces = 0;
  for (const auto& p : faceapi["photos"]) {
    faceapi_seconds += p["ms"].get<double>() / 1e3;
    faceapi_faces += p["boxes"].size();
  }

  // beetroot ingest, the binary with its defaults, on a fresh data folder.
  const std::string binary = std::string(BEETROOT_SOURCE_DIR) + "/build/beetroot";
  const auto t0 = std::chrono::steady_clock::now();
  run("BEETROOT_DATA=" + (dir / "data").string() + " " + binary + " ingest " + (dir / "photos").string() +
      " 2>/dev/null");
  const double ingest_seconds = seconds_since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  run("BEETROOT_DATA=" + (dir / "empty-data").string() + " " + binary + " ingest " + photos.front().file + " 2>/dev/null");
  const double one_photo_seconds = seconds_since(t1);
  size_t ingested_faces = 0;
  for (std::istringstream rows(run("BEETROOT_DATA=" + (dir / "data").string() + " " + binary + " photos")); !rows.eof();) {
    std::string line;
    if (std::getline(rows, line) && !line.empty()) ingested_faces += nlohmann::json::parse(line)["faceCount"].get<size_t>();
  }

  // The same detection in process: which of face-api's faces it finds, and the work per photo.
  FaceEngine engine{EngineOptions{.model_dir = default_model_dir()}};
  size_t matched = 0, beetroot_faces = 0;
  const uint64_t flops_before = Conv2d::executed_flops();
  std::printf("| photo | kind | face-api faces | beetroot faces | face-api's found | face-api ms |\n| --- | --- | --- | --- | --- | --- |\n");
  for (size_t i = 0; i < photos.size(); ++i) {
    const DecodedImage image = decode_image(read_file_bytes(photos[i].file), engine.options().decode);
    const auto faces = engine.detect(image.rgb);
    engine.describe(image.rgb, faces);
    const float sx = static_cast<float>(image.rgb.cols) / photos[i].width, sy = static_cast<float>(image.rgb.rows) / photos[i].height;
    size_t found_here = 0;
    for (const auto& b : faceapi["photos"][i]["boxes"]) {
      const cv::Rect2f box(b[0].get<float>() * sx, b[1].get<float>() * sy, b[2].get<float>() * sx, b[3].get<float>() * sy);
      found_here += std::any_of(faces.begin(), faces.end(), [&](const FaceDetail& f) { return iou(f.box, box) >= 0.3f; });
    }
    matched += found_here;
    beetroot_faces += faces.size();
    std::printf("| %s | %s | %zu | %zu | %zu | %.0f |\n", fs::path(photos[i].file).filename().c_str(), photos[i].kind.c_str(),
                faceapi["photos"][i]["boxes"].size(), faces.size(), found_here, faceapi["photos"][i]["ms"].get<double>());
  }
  const double gflop = static_cast<double>(Conv2d::executed_flops() - flops_before) / 1e9;
  const double n = static_cast<double>(photos.size());
  // The photos after the first: the process's start and the models' loading counted once.
  const double steady = (ingest_seconds - one_photo_seconds) / (n - 1);
  std::printf("\n%zu photos of 12 megapixels (4032x3024, 3024x4032, 4032x2268); FMA peak (%s, 2 threads) %.0f GFLOP/s\n", photos.size(), peak.isa.c_str(), peak.gflops);
  std::printf("| | photos/s | faces | vs face-api |\n| --- | --- | --- | --- |\n");
  std::printf("| face-api 1.7.15, tfjs-wasm, 2 threads (pixels decoded for it) | %.2f | %zu | 1.00x |\n", n / faceapi_seconds,
              faceapi_faces);
  std::printf("| `beetroot ingest`, whole command (start and models included) | %.2f | %zu | %.2fx |\n", n / ingest_seconds,
              ingested_faces, faceapi_seconds / ingest_seconds);
  std::printf("| `beetroot ingest`, per photo after the first (%.2f s each) | %.2f | | %.2fx |\n", steady, 1 / steady,
              faceapi_seconds / n / steady);
  std::printf("| the floor: %.1f GFLOP of convolutions a photo at the FMA peak | %.2f | | |\n", gflop / n,
              peak.gflops / (gflop / n));
  std::printf("beetroot finds %zu of face-api's %zu faces, %zu faces in all\n", matched, faceapi_faces, beetroot_faces);
  fs::remove_all(dir);
  return 0;
}
