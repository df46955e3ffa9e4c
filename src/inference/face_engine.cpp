#include "inference/face_engine.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <numbers>
#include <opencv2/imgproc.hpp>

#include "base/error.h"
#include "inference/landmark_net.h"
#include "inference/model_files.h"
#include "inference/sampling.h"
#include "inference/ssd_detector.h"
#include "inference/weights.h"

namespace beetroot {
namespace {

constexpr int kSsd = SsdDetector::kTrainedSize;
// A finer pass is worth its cost only this much finer than face-api's.
constexpr float kFinerPass = 1.25f;
// Detection inputs are padded to a multiple of this, so that few distinct shapes occur (each
// costs oneDNN a new set of kernels) and the strided layers see even sizes.
constexpr int kInputQuantum = 32;
// Photo centred on a canvas this much larger, so that faces filling the frame fall in the SSD's range.
constexpr float kLargeFaceCanvas = 2.25f;
// Faces in net batches: larger batches only add kernel shapes to compile.
constexpr size_t kMaxBatch = 16;
constexpr float kMergeIou = 0.4f;
constexpr float kMergeContainment = 0.7f;  // a box mostly inside a better one is a part of that face

// face-api's alignDlib framing: square side = mean eye-to-mouth distance / 0.45, reference point at (0.5, 0.43).
constexpr float kChipScale = 0.45f, kChipRefX = 0.5f, kChipRefY = 0.43f;

struct ChipFrame {
  cv::Point2f left_eye, right_eye, mouth, ref;
  float size;
};

ChipFrame chip_frame(const std::array<cv::Point2f, 68>& p) {
  ChipFrame f;
  f.left_eye = landmark_centre(p, 36, 41);
  f.right_eye = landmark_centre(p, 42, 47);
  f.mouth = landmark_centre(p, 48, 67);
  f.ref = (f.left_eye + f.right_eye + f.mouth) / 3.f;
  f.size = (cv::norm(f.mouth - f.left_eye) + cv::norm(f.mouth - f.right_eye)) / 2.f / kChipScale;
  return f;
}

// face-api's Box.clipAtImageBorders + floor.
cv::Rect clip_floor(cv::Rect2f box, int width, int height) {
  const float x = std::max(box.x, 0.f), y = std::max(box.y, 0.f);
  const float w = std::min(box.x + box.width - x, width - x), h = std::min(box.y + box.height - y, height - y);
  return {static_cast<int>(std::floor(x)), static_cast<int>(std::floor(y)), static_cast<int>(std::floor(w)),
          static_cast<int>(std::floor(h))};
}

// face-api's alignDlib: an axis-aligned square, clipped at the image borders.
cv::Rect faceapi_chip_rect(const ChipFrame& f, const cv::Mat& rgb) {
  const float size = std::floor(f.size);
  const cv::Rect2f square(std::floor(std::max(0.f, f.ref.x - kChipRefX * size)),
                          std::floor(std::max(0.f, f.ref.y - kChipRefY * size)), size, size);
  return clip_floor(square, rgb.cols, rgb.rows);
}

float overlap_iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  return inter <= 0 ? 0.f : inter / (a.area() + b.area() - inter);
}

float containment(const cv::Rect2f& inner, const cv::Rect2f& outer) {
  return inner.area() <= 0 ? 0.f : (inner & outer).area() / inner.area();
}

float degrees(float radians) { return radians * 180.f / std::numbers::pi_v<float>; }

Pose estimate_pose(const std::array<cv::Point2f, 68>& p) {
  const cv::Point2f left_eye = landmark_centre(p, 36, 41), right_eye = landmark_centre(p, 42, 47);
  const float roll = std::atan2(right_eye.y - left_eye.y, right_eye.x - left_eye.x);
  const cv::Point2f centre = (left_eye + right_eye) / 2.f;
  // Undo the roll so yaw and pitch are read off an upright face.
  auto upright = [&](cv::Point2f q) {
    const cv::Point2f d = q - centre;
    const float c = std::cos(-roll), s = std::sin(-roll);
    return cv::Point2f(c * d.x - s * d.y, s * d.x + c * d.y);
  };
  const cv::Point2f nose = upright(p[30]), jaw_left = upright(p[0]), jaw_right = upright(p[16]);
  const cv::Point2f mouth = upright((p[48] + p[54]) / 2.f);
  const float half_width = std::max((jaw_right.x - jaw_left.x) / 2.f, 1e-3f);
  const float yaw = std::asin(std::clamp((nose.x - (jaw_left.x + jaw_right.x) / 2.f) / half_width, -1.f, 1.f));
  // Nose tip sits about 55% of the way from the eye line to the mouth on a frontal face.
  const float ratio = nose.y / std::max(mouth.y, 1e-3f);
  const float pitch = std::asin(std::clamp((0.55f - ratio) * 2.f, -1.f, 1.f));
  return {degrees(roll), degrees(yaw), degrees(pitch)};
}

Quality estimate_quality(const cv::Mat& rgb, const cv::Rect& box) {
  if (box.width <= 0 || box.height <= 0) return {0, 0};
  cv::Mat gray, small, laplacian;
  cv::cvtColor(rgb(box), gray, cv::COLOR_RGB2GRAY);
  const float brightness = static_cast<float>(cv::mean(gray)[0] / 255.0 * 100.0);
  // Sharpness from the Laplacian's variance at a fixed face size, so it does not depend on resolution.
  cv::resize(gray, small, cv::Size(64, 64), 0, 0, cv::INTER_AREA);
  cv::Laplacian(small, laplacian, CV_32F);
  cv::Scalar mean, stddev;
  cv::meanStdDev(laplacian, mean, stddev);
  const double variance = stddev[0] * stddev[0];
  return {brightness, static_cast<float>(100.0 * (1.0 - std::exp(-variance / 400.0)))};
}

// A detection pass: the canvas the SSD sees (in photo pixels), its input size, and how boxes map back.
struct Pass {
  Canvas canvas;
  int width, height;  // net input
  bool faceapi_full;  // face-api's own mapping of its single square pass, for parity
  int grids = SsdDetector::kGrids;
  SsdDetector::Precision precision = SsdDetector::Precision::F32;
};

int round_up(int value, int quantum) { return (value + quantum - 1) / quantum * quantum; }

// Lightness equalised in small tiles, colours kept: lifts faces out of dark, flat photos.
cv::Mat equalised_lightness(const cv::Mat& rgb) {
  cv::Mat lab;
  cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
  std::vector<cv::Mat> channels;
  cv::split(lab, channels);
  cv::createCLAHE(2.0, cv::Size(4, 4))->apply(channels[0], channels[0]);
  cv::merge(channels, lab);
  cv::Mat out;
  cv::cvtColor(lab, out, cv::COLOR_Lab2RGB);
  return out;
}

}  // namespace

Alignment parse_alignment(const std::string& name) {
  if (name == "faceapi") return Alignment::FaceApi;
  if (name == "rotation") return Alignment::Rotation;
  throw Error(ErrorKind::InvalidParameter, "unknown alignment '" + name + "' (expected faceapi or rotation)");
}

struct FaceEngine::Nets {
  SsdDetector ssd;
  LandmarkNet landmarks;
  std::unique_ptr<RecognitionNet> recognition;
  // The largest net is loaded on another core while this one loads the other two.
  Nets(const std::filesystem::path& dir, int recognition_bits)
      : Nets(dir, std::async(std::launch::async, [dir, recognition_bits] {
               return std::make_unique<RecognitionNet>(
                   WeightMap::load(dir / "face_recognition_model-weights_manifest.json", 8 - recognition_bits));
             })) {}
  Nets(const std::filesystem::path& dir, std::future<std::unique_ptr<RecognitionNet>> recognition_loaded)
      : ssd(WeightMap::load(dir / "ssd_mobilenetv1_model-weights_manifest.json")),
        landmarks(WeightMap::load(dir / "face_landmark_68_model-weights_manifest.json")),
        recognition(recognition_loaded.get()) {}
};

FaceEngine::FaceEngine(EngineOptions options) : options_(std::move(options)), cores_per_call_(options_.cores_per_call) {
  if (options_.model_dir.empty()) throw Error(ErrorKind::InvalidParameter, "no folder of model weights given");
  verify_model_files(options_.model_dir);
  if (options_.recognition_weight_bits < 1 || options_.recognition_weight_bits > 8)
    throw Error(ErrorKind::InvalidParameter, "recognition weight bits must be 1 to 8");
  cores_ = std::make_unique<Cores>(static_cast<int>(options_.threads));
  nets_ = std::make_unique<Nets>(options_.model_dir, options_.recognition_weight_bits);
}

FaceEngine::~FaceEngine() = default;

std::vector<FaceDetail> FaceEngine::run_passes(const cv::Mat& searched, const cv::Mat& rgb, Passes which) {
  const int long_side = std::max(rgb.cols, rgb.rows);
  const bool coarse = which != Passes::Fine, fine = which != Passes::Coarse;
  std::vector<Pass> passes;
  const auto precision =
      options_.quantised_fine_pass && has_integer_kernels() ? SsdDetector::Precision::Quantised : SsdDetector::Precision::F32;
  // The whole photo at `scale`, on a canvas `enlarge` times its size where that is more than 1
  // (the photo centred, the rest `fill`), padded to whole quanta: the SSD is fully convolutional,
  // so one pass covers any size. The photo alone is padded bottom and right.
  auto whole_photo = [&](float scale, float enlarge = 1, cv::Vec3f fill = {0, 0, 0}) {
    const int width = round_up(static_cast<int>(std::lround(rgb.cols * enlarge * scale)), kInputQuantum);
    const int height = round_up(static_cast<int>(std::lround(rgb.rows * enlarge * scale)), kInputQuantum);
    const int canvas_w = static_cast<int>(std::lround(width / scale)), canvas_h = static_cast<int>(std::lround(height / scale));
    const cv::Point offset = enlarge > 1 ? cv::Point((canvas_w - rgb.cols) / 2, (canvas_h - rgb.rows) / 2) : cv::Point(0, 0);
    passes.push_back({{searched, canvas_w, canvas_h, offset, fill}, width, height, false});
  };
  const bool single_pass = options_.min_face_pixels <= 0 && !options_.large_face_pass;
  // face-api's scale (512 on the long side): every face face-api finds. In single-pass mode
  // exactly its pass, the photo padded to a square, for parity.
  const float faceapi_scale = static_cast<float>(kSsd) / long_side;
  if (coarse && single_pass)
    passes.push_back({{searched, long_side, long_side, {0, 0}, {0, 0, 0}}, kSsd, kSsd, true});
  else if (coarse)
    whole_photo(faceapi_scale);
  // Finer, where the smallest face wanted needs it: it reaches the SSD's reliable size.
  if (fine && options_.min_face_pixels > 0) {
    const float reference = static_cast<float>(std::min(long_side, kReferenceLongSide));
    const float fine_scale = options_.ssd_min_face * reference / options_.min_face_pixels / long_side;
    if (fine_scale > faceapi_scale * kFinerPass) {
      whole_photo(fine_scale);
      passes.back().grids = options_.fine_pass_grids;
      passes.back().precision = precision;
    }
  }
  // Coarser: the photo centred on a canvas of its own shape, larger by kLargeFaceCanvas, its long
  // side the SSD's large_face_input: faces that fill the frame fall in the SSD's range.
  if (coarse && options_.large_face_pass) {
    const cv::Scalar mean = cv::mean(searched);
    whole_photo(static_cast<float>(options_.large_face_input) / (long_side * kLargeFaceCanvas), kLargeFaceCanvas,
                {static_cast<float>(mean[0]), static_cast<float>(mean[1]), static_cast<float>(mean[2])});
  }
  struct Candidate {
    cv::Rect2f box;
    float score;
  };
  std::vector<Candidate> candidates;
  for (const Pass& pass : passes) {
    std::vector<SsdBox> found;
    {
      // Sampled under the lease too: at most one input per core exists at a time.
      Cores::Lease lease = cores_->acquire(cores_per_call_);
      float* input = lease.arena().floats(Arena::kInputSlot, static_cast<size_t>(pass.width) * pass.height * 3);
      sample_canvas(pass.canvas, pass.width, pass.height, kSsdNormalization, input);
      found = nets_->ssd.detect(lease, input, pass.height, pass.width, options_.min_confidence, 0.5f,
                                pass.faceapi_full ? 100 : 1000, pass.grids, pass.precision);
    }
    const float canvas_w = static_cast<float>(pass.canvas.width), canvas_h = static_cast<float>(pass.canvas.height);
    for (const SsdBox& b : found) {
      cv::Rect2f box;
      if (pass.faceapi_full) {
        // face-api: relative box * (512 / reshaped size), then times the image size.
        const float reshaped_w = std::round(rgb.cols * static_cast<float>(kSsd) / canvas_w);
        const float reshaped_h = std::round(rgb.rows * static_cast<float>(kSsd) / canvas_h);
        const float left = b.left * kSsd / reshaped_w * rgb.cols, right = b.right * kSsd / reshaped_w * rgb.cols;
        const float top = b.top * kSsd / reshaped_h * rgb.rows, bottom = b.bottom * kSsd / reshaped_h * rgb.rows;
        box = {left, top, right - left, bottom - top};
      } else {
        const cv::Point2f shift = -cv::Point2f(pass.canvas.offset);
        box = {b.left * canvas_w + shift.x, b.top * canvas_h + shift.y, (b.right - b.left) * canvas_w,
               (b.bottom - b.top) * canvas_h};
        box &= cv::Rect2f(0, 0, static_cast<float>(rgb.cols), static_cast<float>(rgb.rows));
      }
      if (box.width >= 1 && box.height >= 1) candidates.push_back({box, b.score});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](auto& a, auto& b) { return a.score > b.score; });
  std::vector<std::pair<cv::Rect2f, float>> kept;
  for (const auto& c : candidates) {
    const bool duplicate = std::any_of(kept.begin(), kept.end(), [&](const auto& k) {
      return overlap_iou(c.box, k.first) > kMergeIou || containment(c.box, k.first) > kMergeContainment;
    });
    if (!duplicate) kept.emplace_back(c.box, c.score);
  }
  return with_landmarks(searched, rgb, kept);
}

std::vector<FaceDetail> FaceEngine::with_landmarks(const cv::Mat& searched, const cv::Mat& rgb,
                                                   const std::vector<std::pair<cv::Rect2f, float>>& boxes) {
  std::vector<FaceDetail> faces;
  std::vector<cv::Rect> crops;
  for (const auto& [box, score] : boxes) {
    faces.push_back({box, score, {}, {}, {}});
    crops.push_back(clip_floor(box, rgb.cols, rgb.rows));
  }
  std::vector<size_t> measured;  // faces whose crop is not empty
  for (size_t i = 0; i < faces.size(); ++i)
    if (crops[i].width > 0 && crops[i].height > 0) measured.push_back(i);
  for (size_t start = 0; start < measured.size(); start += kMaxBatch) {
    const size_t count = std::min(kMaxBatch, measured.size() - start);
    std::vector<float> input(count * LandmarkNet::kInputFloats);
    for (size_t k = 0; k < count; ++k) {
      const auto crop = sample_canvas(centered_square(searched(crops[measured[start + k]])), LandmarkNet::kInputSize,
                                      kFaceNormalization);
      std::copy(crop.begin(), crop.end(), input.begin() + k * LandmarkNet::kInputFloats);
    }
    std::vector<Landmarks68> raw;
    {
      Cores::Lease lease = cores_->acquire(cores_per_call_);
      raw = nets_->landmarks.run(lease, input.data(), static_cast<int>(count));
    }
    for (size_t k = 0; k < count; ++k) {
      FaceDetail& face = faces[measured[start + k]];
      const cv::Rect& crop = crops[measured[start + k]];
      // face-api's postProcess: undo the centred padding, then shift by the unclipped box origin.
      const float scale = static_cast<float>(LandmarkNet::kInputSize) / std::max(crop.width, crop.height);
      const float w = crop.width * scale, h = crop.height * scale;
      const float pad_x = w < h ? std::abs(w - h) / 2 : 0.f, pad_y = h < w ? std::abs(w - h) / 2 : 0.f;
      for (int i = 0; i < 68; ++i) {
        const float rx = (raw[k][2 * i] * LandmarkNet::kInputSize - pad_x) / w;
        const float ry = (raw[k][2 * i + 1] * LandmarkNet::kInputSize - pad_y) / h;
        face.landmarks[i] = {rx * crop.width + face.box.x, ry * crop.height + face.box.y};
      }
      face.pose = estimate_pose(face.landmarks);
      face.quality = estimate_quality(rgb, crop);
    }
  }
  return faces;
}

std::vector<FaceDetail> FaceEngine::detect(const cv::Mat& rgb) {
  if (rgb.empty() || rgb.type() != CV_8UC3) throw Error(ErrorKind::InvalidParameter, "expected an 8-bit RGB image");
  auto faces = run_passes(rgb, rgb, Passes::All);
  if (faces.empty() && options_.contrast_rescue) faces = rescue_contrast(rgb);
  return faces;
}

std::vector<FaceDetail> FaceEngine::detect_largest(const cv::Mat& rgb) {
  if (rgb.empty() || rgb.type() != CV_8UC3) throw Error(ErrorKind::InvalidParameter, "expected an 8-bit RGB image");
  auto faces = run_passes(rgb, rgb, Passes::Coarse);
  if (faces.empty()) faces = run_passes(rgb, rgb, Passes::Fine);
  if (faces.empty() && options_.contrast_rescue) faces = rescue_contrast(rgb);
  return faces;
}

// At the coarse scales only, where the faces it finds were measured (LFW's dark photos): many
// photos of a library have no face, and each would cost twice its search, not a third more.
std::vector<FaceDetail> FaceEngine::rescue_contrast(const cv::Mat& rgb) {
  return run_passes(equalised_lightness(rgb), rgb, Passes::Coarse);
}

DetectedImage FaceEngine::detect(std::string_view file_bytes, Scope scope) {
  DetectedImage out{decode_image(file_bytes, options_.decode), {}};
  out.faces = scope == Scope::EveryFace ? detect(out.image.rgb) : detect_largest(out.image.rgb);
  return out;
}

cv::Mat FaceEngine::chip(const cv::Mat& rgb, const FaceDetail& face) const {
  const int n = RecognitionNet::kInputSize;
  const ChipFrame f = chip_frame(face.landmarks);
  if (options_.alignment == Alignment::FaceApi) {
    const cv::Rect crop = faceapi_chip_rect(f, rgb);
    if (crop.width <= 0 || crop.height <= 0) return cv::Mat::zeros(n, n, CV_8UC3);
    const auto values = sample_canvas(centered_square(rgb(crop)), n, kRawPixels);
    cv::Mat out;
    cv::Mat(n, n, CV_32FC3, const_cast<float*>(values.data())).convertTo(out, CV_8UC3);
    return out;
  }
  // Rotation: the same framing, turned so the eyes are level. Maps chip pixels to image pixels.
  const float angle = std::atan2(f.right_eye.y - f.left_eye.y, f.right_eye.x - f.left_eye.x);
  const float s = f.size / n, c = std::cos(angle), sn = std::sin(angle);
  const float u0 = kChipRefX * n, v0 = kChipRefY * n;
  const cv::Matx23f chip_to_image(c * s, -sn * s, f.ref.x - (c * u0 - sn * v0) * s,  //
                                  sn * s, c * s, f.ref.y - (sn * u0 + c * v0) * s);
  cv::Mat out;
  cv::warpAffine(rgb, out, chip_to_image, cv::Size(n, n), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  return out;
}

std::vector<Descriptor> FaceEngine::describe(const cv::Mat& rgb, const std::vector<FaceDetail>& faces) {
  const size_t n = RecognitionNet::kInputSize, floats = RecognitionNet::kInputFloats;
  const size_t chips_per_face = options_.mirror_average ? 2 : 1;
  std::vector<Descriptor> descriptors(faces.size(), Descriptor{});
  const size_t faces_per_batch = kMaxBatch / chips_per_face;
  for (size_t start = 0; start < faces.size(); start += faces_per_batch) {
    const size_t count = std::min(faces_per_batch, faces.size() - start);
    // Sampled straight from the image in float, as face-api does: no 8-bit rounding of the chip.
    std::vector<float> input(count * chips_per_face * floats, 0.f);
    std::vector<bool> empty(count, false);
    for (size_t k = 0; k < count; ++k) {
      const FaceDetail& face = faces[start + k];
      std::vector<float> chip_values;
      if (options_.alignment == Alignment::FaceApi) {
        const cv::Rect crop = faceapi_chip_rect(chip_frame(face.landmarks), rgb);
        empty[k] = crop.width <= 0 || crop.height <= 0;
        if (!empty[k]) chip_values = sample_canvas(centered_square(rgb(crop)), n, kFaceNormalization);
      } else {
        const cv::Mat c = chip(rgb, face);
        chip_values = sample_canvas({c, c.cols, c.rows, {0, 0}, {0, 0, 0}}, n, kFaceNormalization);
      }
      if (empty[k]) continue;
      float* dst = &input[k * chips_per_face * floats];
      std::copy(chip_values.begin(), chip_values.end(), dst);
      if (chips_per_face == 2)
        for (size_t y = 0; y < n; ++y)
          for (size_t x = 0; x < n; ++x)
            std::copy_n(&chip_values[(y * n + n - 1 - x) * 3], 3, dst + floats + (y * n + x) * 3);
    }
    std::vector<Descriptor> out;
    {
      Cores::Lease lease = cores_->acquire(cores_per_call_);
      out = nets_->recognition->run(lease, input.data(), static_cast<int>(count * chips_per_face));
    }
    for (size_t k = 0; k < count; ++k) {
      if (empty[k]) continue;
      Descriptor& d = descriptors[start + k];
      d = out[k * chips_per_face];
      if (chips_per_face == 2)
        for (size_t i = 0; i < d.size(); ++i) d[i] = (d[i] + out[k * 2 + 1][i]) / 2;
    }
  }
  return descriptors;
}

Descriptor FaceEngine::describe(const cv::Mat& rgb, const FaceDetail& face) { return describe(rgb, std::vector{face})[0]; }

FaceDetail FaceEngine::measure(const cv::Mat& rgb, const cv::Rect2f& box) {
  return with_landmarks(rgb, rgb, {{box, 1.f}}).front();  // score 1: a person saw it
}

cv::Point2f landmark_centre(const std::array<cv::Point2f, 68>& points, int first, int last) {
  cv::Point2f sum(0, 0);
  for (int i = first; i <= last; ++i) sum += points[i];
  return sum / static_cast<float>(last - first + 1);
}

}  // namespace beetroot
