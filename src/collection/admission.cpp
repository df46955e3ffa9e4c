#include "collection/admission.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace beetroot {

AdmissionBar admission_bar(const std::string& filter, float min_face_pixels, float min_sharpness) {
  if (filter == "NONE") return {0, -std::numeric_limits<float>::infinity(), 0, 180};
  if (filter == "LOW") return {min_face_pixels * 0.75f, min_sharpness * 0.5f, 0.5f, 90};
  if (filter == "MEDIUM") return {min_face_pixels * 1.5f, min_sharpness * 1.5f, 0.7f, 60};
  if (filter == "HIGH") return {min_face_pixels * 2.f, min_sharpness * 2.f, 0.9f, 45};
  return {min_face_pixels, min_sharpness, 0.5f, 90};  // AUTO
}

std::string admission_refusal(const FaceDetail& face, const AdmissionBar& bar) {
  if (std::min(face.box.width, face.box.height) < bar.min_pixels) return "SMALL_BOUNDING_BOX";
  if (face.quality.sharpness < bar.min_sharpness) return "LOW_SHARPNESS";
  if (face.score < bar.min_confidence) return "LOW_CONFIDENCE";
  if (std::abs(face.pose.yaw) > bar.max_yaw) return "EXTREME_POSE";
  return "";
}

}  // namespace beetroot
