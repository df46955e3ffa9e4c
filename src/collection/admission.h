#pragma once
// Which detected faces are filed: one rule for ingestion and for the face API's QualityFilter,
// whose AUTO is what ingestion files (MIN_FACE_PIXELS, MIN_SHARPNESS); LOW lets more through,
// MEDIUM and HIGH fewer (also by confidence and yaw); NONE admits every face.
#include <string>

#include "inference/face_engine.h"

namespace beetroot {

struct AdmissionBar {
  float min_pixels = 0, min_sharpness = 0, min_confidence = 0, max_yaw = 180;
};

// `filter` is one of NONE, AUTO, LOW, MEDIUM, HIGH; AUTO's bar is ingestion's settings.
AdmissionBar admission_bar(const std::string& filter, float min_face_pixels, float min_sharpness);

// Why `face` is not filed (SMALL_BOUNDING_BOX, LOW_SHARPNESS, LOW_CONFIDENCE, EXTREME_POSE: the
// cloud API's reasons), or "" if it is.
std::string admission_refusal(const FaceDetail& face, const AdmissionBar& bar);

}  // namespace beetroot
