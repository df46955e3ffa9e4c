#pragma once
#include <nlohmann/json.hpp>

#include "inference/face_engine.h"

namespace beetroot {

// One face in the cloud face API's FaceDetail shape: ratios of the image, confidence 0-100.
nlohmann::json face_detail_json(const FaceDetail& face, int image_width, int image_height);

}  // namespace beetroot
