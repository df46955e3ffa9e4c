#include "api/face_details_json.h"

namespace beetroot {
namespace {

nlohmann::json landmark(const char* type, cv::Point2f p, float w, float h) {
  return {{"Type", type}, {"X", p.x / w}, {"Y", p.y / h}};
}

}  // namespace

nlohmann::json face_detail_json(const FaceDetail& face, int image_width, int image_height) {
  const float w = static_cast<float>(image_width), h = static_cast<float>(image_height);
  const auto& p = face.landmarks;
  return {
      {"BoundingBox",
       {{"Width", face.box.width / w}, {"Height", face.box.height / h}, {"Left", face.box.x / w}, {"Top", face.box.y / h}}},
      {"Confidence", face.score * 100.f},
      {"Landmarks",
       {landmark("eyeLeft", landmark_centre(p, 36, 41), w, h), landmark("eyeRight", landmark_centre(p, 42, 47), w, h),
        landmark("nose", p[30], w, h), landmark("mouthLeft", p[48], w, h), landmark("mouthRight", p[54], w, h)}},
      {"Pose", {{"Roll", face.pose.roll}, {"Yaw", face.pose.yaw}, {"Pitch", face.pose.pitch}}},
      {"Quality", {{"Brightness", face.quality.brightness}, {"Sharpness", face.quality.sharpness}}},
  };
}

}  // namespace beetroot
