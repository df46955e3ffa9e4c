#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/face_details_json.h"
#include "base/error.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "inference/face_engine.h"

namespace beetroot::cli {
namespace {

int g_exit_code = 0;

struct FaceArgs {
  std::vector<std::string> images;
  std::string models;
  std::string alignment = "rotation";
  size_t threads = 0;
  bool single_pass = false;
  bool no_mirror = false;
  double max_megapixels = 100;
};

void add_engine_options(CLI::App* cmd, FaceArgs& args) {
  cmd->add_option("images", args.images, "Image files (JPEG, PNG, WebP)")->required();
  cmd->add_option("--models", args.models, "Folder with the face-api weights (default: $BEETROOT_MODELS or ~/.local/share/beetroot/models)");
  cmd->add_option("--alignment", args.alignment, "Chip alignment: rotation or faceapi")->capture_default_str();
  cmd->add_option("--threads", args.threads, "Inference threads (0: all cores)")->capture_default_str();
  cmd->add_flag("--single-pass", args.single_pass, "Only face-api's single 512x512 detection pass");
  cmd->add_flag("--no-mirror", args.no_mirror, "Describe the chip alone, not averaged with its mirror image (face-api's way)");
  cmd->add_option("--max-megapixels", args.max_megapixels, "Refuse larger images before decoding")->capture_default_str();
}

EngineOptions engine_options(const FaceArgs& args) {
  EngineOptions o;
  o.model_dir = model_dir(args.models);
  o.threads = args.threads;
  o.alignment = parse_alignment(args.alignment);
  if (args.single_pass) o.use_single_pass();
  o.mirror_average = !args.no_mirror;
  o.decode.max_pixels = static_cast<uint64_t>(args.max_megapixels * 1e6);
  return o;
}

// Runs `per_image` on each file; a bad file is reported and the rest still run.
template <typename F>
void for_each_image(const FaceArgs& args, F per_image) {
  std::unique_ptr<FaceEngine> engine;
  try {
    engine = std::make_unique<FaceEngine>(engine_options(args));
  } catch (const Error& e) {
    std::cerr << "beetroot: " << e.what() << "\n";
    g_exit_code = 2;
    return;
  }
  for (const auto& path : args.images) {
    try {
      const DetectedImage detected = engine->detect(read_file_bytes(path));
      std::cout << per_image(*engine, path, detected).dump() << "\n";
    } catch (const Error& e) {
      std::cerr << "beetroot: " << path << ": " << e.what() << "\n";
      g_exit_code = 1;
    }
  }
}

}  // namespace

int exit_code() { return g_exit_code; }
void set_exit_code(int code) { g_exit_code = std::max(g_exit_code, code); }

void add_face_commands(CLI::App& app) {
  auto args = std::make_shared<FaceArgs>();
  auto* detect = app.add_subcommand("detect", "Print FaceDetails (JSON, one line per image)");
  add_engine_options(detect, *args);
  detect->callback([args] {
    for_each_image(*args, [](FaceEngine&, const std::string& path, const DetectedImage& d) {
      nlohmann::json faces = nlohmann::json::array();
      for (const auto& f : d.faces) faces.push_back(face_detail_json(f, d.image.rgb.cols, d.image.rgb.rows));
      return nlohmann::json{{"Image", path}, {"FaceDetails", faces}};
    });
  });
  auto embed_args = std::make_shared<FaceArgs>();
  auto* embed = app.add_subcommand("embed", "Print each face's box and 128-D descriptor (JSON, one line per image)");
  add_engine_options(embed, *embed_args);
  embed->callback([embed_args] {
    for_each_image(*embed_args, [](FaceEngine& engine, const std::string& path, const DetectedImage& d) {
      nlohmann::json faces = nlohmann::json::array();
      for (const auto& f : d.faces) {
        nlohmann::json face = face_detail_json(f, d.image.rgb.cols, d.image.rgb.rows);
        face["Descriptor"] = engine.describe(d.image.rgb, f);
        faces.push_back(face);
      }
      return nlohmann::json{{"Image", path}, {"Faces", faces}};
    });
  });
}

}  // namespace beetroot::cli
