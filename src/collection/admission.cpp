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

std::vector<FaceRecord> face_records(const std::vector<FaceDetail>& faces, const std::vector<Descriptor>& descriptors,
                                     cv::Size image_size) {
  const float width = static_cast<float>(image_size.width), height = static_cast<float>(image_size.height);
  std::vector<FaceRecord> records;
  for (size_t i = 0; i < faces.size(); ++i) {
    const FaceDetail& face = faces[i];
    FaceRecord record;
    record.face_index = static_cast<int>(i) + 1;
    record.box = {face.box.x / width, face.box.y / height, face.box.width / width, face.box.height / height};
    record.confidence = face.score * 100.f;
    record.descriptor = descriptors.at(i);
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace beetroot
