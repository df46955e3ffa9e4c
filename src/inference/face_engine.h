#pragma once
#include <array>
#include <atomic>
#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "inference/compute.h"
#include "inference/image.h"
#include "inference/recognition_net.h"

namespace beetroot {

enum class Alignment {
  FaceApi,   // face-api's own axis-aligned crop, for parity with face-api descriptors
  Rotation,  // eyes levelled by a similarity transform from the landmarks
};
Alignment parse_alignment(const std::string& name);

struct EngineOptions {
  std::filesystem::path model_dir;  // the face-api weights (BEETROOT_MODELS, read with the settings)
  size_t threads = 0;               // cores the nets may use; 0: all
  // Cores one net call takes, of those free; 0: all. Several photos in flight on one core each
  // waste none on the barriers between layers.
  int cores_per_call = 0;
  Alignment alignment = Alignment::Rotation;
  bool large_face_pass = true;  // also the photo centred on a 2.25x canvas: faces that fill the frame
  // The whole photo is searched at the scale where a face this small, in the photo scaled to at
  // most kReferenceLongSide on its long side, reaches the SSD's reliable size. 0: face-api's own
  // single 512x512 pass.
  int min_face_pixels = 40;
  float ssd_min_face = 28.f;   // that reliable size, in SSD input pixels (bench/detection_bench)
  int large_face_input = 512;  // the large-face canvas's SSD input, its long side
  int fine_pass_grids = 1;     // the SSD grids the finer pass reads: its smallest anchors suffice there
  // The finer pass's SSD in 8-bit integers (ConvSpec::quantised) where oneDNN has integer kernels
  // (AVX2 and up): detection 1.6x as fast with VNNI, the same recall
  // (bench/results/2026-12-01-speed.md). The coarser passes stay in f32: quantised, they lose
  // marginal faces and move boxes by several percent.
  bool quantised_fine_pass = true;
  float min_confidence = 0.5f;  // SSD score
  // A photo with no face is searched again with its lightness equalised (CLAHE): dark,
  // low-contrast faces the SSD misses. Photos with faces never take this path.
  bool contrast_rescue = true;
  // Descriptor = mean of the chip's and its mirror image's (better separated people: docs/performance.md, LFW verification).
  bool mirror_average = true;
  int recognition_weight_bits = 8;  // fewer only to measure what quantisation costs (eval lfw)
  DecodeOptions decode;

  // face-api's own detection: one 512x512 pass over the photo padded to a square.
  void use_single_pass() {
    large_face_pass = false;
    min_face_pixels = 0;
    contrast_rescue = false;
  }
};

struct Pose {
  float roll, yaw, pitch;  // degrees
};
struct Quality {
  float brightness, sharpness;  // 0-100
};

struct FaceDetail {
  cv::Rect2f box;  // pixels of the upright decoded image
  float score;     // 0-1
  std::array<cv::Point2f, 68> landmarks;
  Pose pose;
  Quality quality;
};

struct DetectedImage {
  DecodedImage image;
  std::vector<FaceDetail> faces;
};

// Pixels in, faces out: detection, landmarks, pose, quality, alignment and descriptors.
// Safe to call from several threads at once: each net call takes the cores that are free.
class FaceEngine {
 public:
  // Photos larger than this on their long side are searched as if scaled down to it.
  static constexpr int kReferenceLongSide = 1920;

  explicit FaceEngine(EngineOptions options);
  ~FaceEngine();

  std::vector<FaceDetail> detect(const cv::Mat& rgb);
  // For operations on a photo's largest face: the passes for larger faces first, the finer one
  // only when they find none, so that the faces returned include the largest one.
  std::vector<FaceDetail> detect_largest(const cv::Mat& rgb);
  enum class Scope { EveryFace, LargestFace };
  DetectedImage detect(std::string_view file_bytes, Scope scope = Scope::EveryFace);
  // All faces of a photo in one batch through the recognition net.
  std::vector<Descriptor> describe(const cv::Mat& rgb, const std::vector<FaceDetail>& faces);
  // A face where a user drew its box (pixels): landmarks, pose and quality as for a detected one.
  FaceDetail measure(const cv::Mat& rgb, const cv::Rect2f& box);
  Descriptor describe(const cv::Mat& rgb, const FaceDetail& face);
  // The 150x150 RGB chip fed to the recognition net.
  cv::Mat chip(const cv::Mat& rgb, const FaceDetail& face) const;

  const EngineOptions& options() const { return options_; }
  Cores& cores() { return *cores_; }
  // Cores each later net call takes (as EngineOptions::cores_per_call): when fewer photos are
  // left in flight than there are cores, their calls take the free ones.
  void set_cores_per_call(int cores) { cores_per_call_ = cores; }

 private:
  struct Nets;
  // Coarse: face-api's scale and the large-face canvas; fine: the scale small faces need.
  enum class Passes { All, Coarse, Fine };
  // Detection and landmarks on `searched`, quality measured on `rgb` (the same geometry).
  std::vector<FaceDetail> run_passes(const cv::Mat& searched, const cv::Mat& rgb, Passes which);
  // A photo without a face searched again with its lightness equalised (contrast_rescue).
  std::vector<FaceDetail> rescue_contrast(const cv::Mat& rgb);
  std::vector<FaceDetail> with_landmarks(const cv::Mat& searched, const cv::Mat& rgb,
                                         const std::vector<std::pair<cv::Rect2f, float>>& boxes);

  EngineOptions options_;
  std::atomic<int> cores_per_call_;
  std::unique_ptr<Cores> cores_;
  std::unique_ptr<Nets> nets_;
};

// Mean of landmarks first..last (68-point numbering): eyes are 36-41 and 42-47, the mouth 48-67.
cv::Point2f landmark_centre(const std::array<cv::Point2f, 68>& points, int first, int last);

}  // namespace beetroot
