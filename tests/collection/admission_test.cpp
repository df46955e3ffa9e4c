// One admission rule for ingestion and IndexFaces: AUTO is ingestion's bar, LOW lets more
// through, MEDIUM and HIGH fewer, NONE everything; each refusal names the cloud API's reason.
// Admitted faces become records one way for both.
#include <gtest/gtest.h>

#include "collection/admission.h"

namespace beetroot {
namespace {

FaceDetail face(float side, float sharpness, float score = 0.9f, float yaw = 0.f) {
  FaceDetail f{};
  f.box = {0, 0, side, side * 1.2f};
  f.quality.sharpness = sharpness;
  f.score = score;
  f.pose.yaw = yaw;
  return f;
}

std::string refusal(const std::string& filter, const FaceDetail& f) {
  return admission_refusal(f, admission_bar(filter, 20.f, 5.f));
}

TEST(Admission, EachFilterIsStricterThanTheOneBelowIt) {
  const FaceDetail small = face(17, 50), blurred = face(100, 4), unsure = face(100, 50, 0.6f),
                   turned = face(100, 50, 0.95f, 70), clear = face(100, 50);
  EXPECT_EQ(refusal("AUTO", small), "SMALL_BOUNDING_BOX");
  EXPECT_EQ(refusal("LOW", small), "");
  EXPECT_EQ(refusal("AUTO", blurred), "LOW_SHARPNESS");
  EXPECT_EQ(refusal("LOW", blurred), "");
  EXPECT_EQ(refusal("AUTO", unsure), "");
  EXPECT_EQ(refusal("MEDIUM", unsure), "LOW_CONFIDENCE");
  EXPECT_EQ(refusal("MEDIUM", turned), "EXTREME_POSE");
  EXPECT_EQ(refusal("AUTO", turned), "");
  for (const char* filter : {"NONE", "LOW", "AUTO", "MEDIUM", "HIGH"}) EXPECT_EQ(refusal(filter, clear), "") << filter;
  for (const auto& f : {small, blurred, unsure, turned, face(1, 0, 0.1f, 170)}) EXPECT_EQ(refusal("NONE", f), "");
  EXPECT_EQ(refusal("HIGH", face(39, 50)), "SMALL_BOUNDING_BOX");
}

TEST(Admission, AdmittedFacesAreNumberedFromOneWithBoxesAsRatiosOfTheImage) {
  FaceDetail left = face(100, 50, 0.9f), right = face(50, 50, 0.995f);
  left.box = {200, 100, 100, 120};
  right.box = {600, 300, 50, 60};
  Descriptor a{}, b{};
  a[0] = 1;
  b[0] = 2;
  const auto records = face_records({left, right}, {a, b}, cv::Size(800, 600));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].face_index, 1);
  EXPECT_EQ(records[1].face_index, 2);
  EXPECT_FLOAT_EQ(records[0].box.x, 0.25f);
  EXPECT_FLOAT_EQ(records[0].box.y, 100.f / 600);
  EXPECT_FLOAT_EQ(records[1].box.width, 50.f / 800);
  EXPECT_FLOAT_EQ(records[1].box.height, 0.1f);
  EXPECT_FLOAT_EQ(records[0].confidence, 90.f);
  EXPECT_FLOAT_EQ(records[1].confidence, 99.5f);
  EXPECT_EQ(records[1].descriptor[0], 2.f);
}

}  // namespace
}  // namespace beetroot
