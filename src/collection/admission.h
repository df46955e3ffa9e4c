#pragma once
// Which detected faces are filed, and as what: one rule for ingestion and for the face API's
// QualityFilter, whose AUTO is what ingestion files (MIN_FACE_PIXELS, MIN_SHARPNESS); LOW lets
// more through, MEDIUM and HIGH fewer (also by confidence and yaw); NONE admits every face.
#include <string>
#include <vector>

#include "collection/face_record.h"
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

// The admitted faces of an image of `image_size` pixels as the collection files them, with their
// descriptors: numbered from 1 in this order, boxes as ratios of the image, confidence in percent.
std::vector<FaceRecord> face_records(const std::vector<FaceDetail>& faces, const std::vector<Descriptor>& descriptors,
                                     cv::Size image_size);

}  // namespace beetroot
