// What each detection pass buys and costs: recall on dlib's hand-labelled boxes, on LFW's large
// centred faces, and on real faces pasted at 24-96 px into 1920x1080 photos, with time and work per
// photo.
// Usage: detection_bench [SHARED_DATA_DIR] [LFW_IMAGES]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <regex>

#include "eval/lfw.h"
#include "inference/face_engine.h"
#include "inference/image.h"
#include "inference/layers.h"
#include "app/settings.h"
#include "inference/ssd_detector.h"

using namespace beetroot;
namespace fs = std::filesystem;

namespace {

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  return inter <= 0 ? 0.f : inter / (a.area() + b.area() - inter);
}

struct Labelled {
  cv::Mat rgb;
  std::vector<cv::Rect2f> truth;
};

std::vector<Labelled> dlib_set(const fs::path& dir) {
  std::vector<Labelled> out;
  const std::regex image_re(R"(<image file='([^']+)')"), box_re(R"(<box top='(-?\d+)' left='(-?\d+)' width='(\d+)' height='(\d+)')");
  for (const char* xml : {"training.xml", "testing.xml"}) {
    std::ifstream in(dir / xml);
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, image_re))
        out.push_back({decode_image(read_file_bytes((dir / m[1].str()).string())).rgb, {}});
      else if (std::regex_search(line, m, box_re))
        out.back().truth.emplace_back(std::stof(m[2]), std::stof(m[1]), std::stof(m[3]), std::stof(m[4]));
    }
  }
  return out;
}

// Real faces (from the demo photos, with context) pasted at a given width into 1920x1080 photos.
std::vector<Labelled> small_face_set(FaceEngine& finder, const fs::path& demo_dir, int width) {
  std::vector<cv::Mat> crops;
  std::vector<cv::Rect2f> inner;
  for (int i = 1; i <= 6; ++i) {
    const cv::Mat rgb = decode_image(read_file_bytes((demo_dir / ("sample" + std::to_string(i) + ".jpg")).string())).rgb;
    for (const auto& f : finder.detect(rgb)) {
      const cv::Rect face = cv::Rect(f.box) & cv::Rect(0, 0, rgb.cols, rgb.rows);
      const cv::Rect context = cv::Rect(face.x - face.width, face.y - face.height, face.width * 3, face.height * 3) &
                               cv::Rect(0, 0, rgb.cols, rgb.rows);
      crops.push_back(rgb(context));
      inner.emplace_back(face.x - context.x, face.y - context.y, face.width, face.height);
    }
  }
  std::vector<Labelled> out;
  for (size_t i = 0; i < crops.size(); i += 6) {
    Labelled photo{cv::Mat(1080, 1920, CV_8UC3, cv::Scalar(128, 120, 110)), {}};
    for (size_t j = i; j < std::min(i + 6, crops.size()); ++j) {
      const double scale = static_cast<double>(width) / inner[j].width;
      cv::Mat small;
      cv::resize(crops[j], small, cv::Size(), scale, scale, cv::INTER_AREA);
      const int slot = static_cast<int>(j - i);
      const cv::Point at(150 + (slot % 3) * 600, 200 + (slot / 3) * 500);
      const cv::Rect dst = cv::Rect(at, small.size()) & cv::Rect(0, 0, 1920, 1080);
      small(cv::Rect(0, 0, dst.width, dst.height)).copyTo(photo.rgb(dst));
      photo.truth.emplace_back(at.x + inner[j].x * scale, at.y + inner[j].y * scale, inner[j].width * scale,
                               inner[j].height * scale);
    }
    out.push_back(std::move(photo));
  }
  return out;
}

struct Score {
  int found = 0, truth = 0, extra = 0;
  double ms = 0, gflop = 0;
  int photos = 0;
};

Score score(FaceEngine& engine, const std::vector<Labelled>& set, float min_iou) {
  Score s;
  for (const auto& photo : set) {
    const uint64_t flops = Conv2d::executed_flops();
    const auto t0 = std::chrono::steady_clock::now();
    const auto faces = engine.detect(photo.rgb);
    s.ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    s.gflop += static_cast<double>(Conv2d::executed_flops() - flops) / 1e9;
    ++s.photos;
    std::vector<bool> used(faces.size(), false);
    for (const auto& t : photo.truth) {
      ++s.truth;
      for (size_t i = 0; i < faces.size(); ++i)
        if (!used[i] && iou(faces[i].box, t) >= min_iou) {
          used[i] = true;
          ++s.found;
          break;
        }
    }
    for (bool u : used) s.extra += !u;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path(BEETROOT_SOURCE_DIR).parent_path() / "shared/data";
  const int lfw_count = argc > 2 ? std::atoi(argv[2]) : 1000;
  const std::string only = argc > 3 ? argv[3] : "";  // run the configurations whose name holds this
  struct Config {
    const char* name;
    bool large;
    int min_face;
    float ssd_min_face;
    int large_input;
    int fine_grids = SsdDetector::kGrids;
    bool quantised = false;
  };
  const EngineOptions defaults;
  const Config configs[] = {
      {"single 512 pass (face-api)", false, 0, defaults.ssd_min_face, 0},
      {"+ large-face canvas at 512", true, 0, defaults.ssd_min_face, 512},
      {"+ whole photo for 40-px faces at 28 px", true, 40, 28, 512},
      {"+ whole photo for 40-px faces at 24 px", true, 40, 24, 512},
      {"+ whole photo for 40-px faces at 20 px", true, 40, 20, 512},
      {"the same, large-face canvas at 384", true, 40, 24, 384},
      {"the same, large-face canvas at 320", true, 40, 24, 320},
      {"+ whole photo for 60-px faces at 24 px", true, 60, 24, 512},
      {"40-px faces at 28 px, the finest grid only", true, 40, 28, 512, 1},
      {"the same, the finer pass quantised (default)", true, 40, 28, 512, 1, true}};
  EngineOptions finder_options;
  finder_options.model_dir = default_model_dir();
  finder_options.use_single_pass();
  FaceEngine finder(finder_options);
  const auto dlib = dlib_set(shared / "faces/dlib/examples/faces");
  std::vector<Labelled> lfw;
  const auto lfw_images = all_lfw_images(shared / "lfw");
  for (int i = 0; i < lfw_count && i < static_cast<int>(lfw_images.size()); ++i) {
    const size_t index = i * lfw_images.size() / lfw_count;  // spread over all names
    lfw.push_back({decode_image(read_file_bytes((shared / "lfw" / lfw_images[index]).string())).rgb, {}});
  }
  std::printf("| passes | dlib boxes IoU 0.5 | LFW photos with a face | pasted faces 24/32/40/48/64/96 px | ms per 1920x1080 photo | GFLOP per 1920x1080 photo |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  for (const auto& c : configs) {
    if (std::string(c.name).find(only) == std::string::npos) continue;
    EngineOptions o;
    o.model_dir = default_model_dir();
    o.large_face_pass = c.large;
    o.min_face_pixels = c.min_face;
    o.ssd_min_face = c.ssd_min_face;
    o.large_face_input = c.large_input;
    o.fine_pass_grids = c.fine_grids;
    o.quantised_fine_pass = c.quantised;
    FaceEngine engine(o);
    const Score d = score(engine, dlib, 0.5f);
    int lfw_found = 0;
    for (const auto& photo : lfw) lfw_found += !engine.detect(photo.rgb).empty();
    std::string small;
    double ms = 0, gflop = 0;
    int photos = 0;
    for (int width : {24, 32, 40, 48, 64, 96}) {
      const Score s = score(engine, small_face_set(finder, default_model_dir() / "demo", width), 0.3f);
      small += std::to_string(s.found) + "/" + std::to_string(s.truth) + " ";
      ms += s.ms;
      gflop += s.gflop;
      photos += s.photos;
    }
    std::printf("| %s | %d/%d (+%d unlabelled) | %d/%zu | %s| %.0f | %.1f |\n", c.name, d.found, d.truth, d.extra,
                lfw_found, lfw.size(), small.c_str(), ms / photos, gflop / photos);
  }
  return 0;
}
