// The engine on real photos: every demo face, tight portraits, tiny faces, stable descriptors.
#include <gtest/gtest.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>

#include "base/error.h"
#include "inference/image.h"
#include "inference/layers.h"
#include "test_support.h"

namespace beetroot {
namespace {

TEST(FaceEngine, FindsFacesInEveryDemoPhotoWithSaneDetails) {
  for (int i = 0; i < 6; ++i) {
    const cv::Mat rgb = test::demo_rgb(i);
    const auto faces = test::engine().detect(rgb);
    EXPECT_GE(faces.size(), 3u) << "sample" << i + 1;
    for (const auto& f : faces) {
      EXPECT_GE(f.score, 0.5f);
      EXPECT_GE(f.box.x, 0.f);
      EXPECT_LE(f.box.x + f.box.width, rgb.cols + 0.5f);
      EXPECT_TRUE(f.box.contains(f.landmarks[30])) << "nose outside its face box";
      EXPECT_LT(std::abs(f.pose.roll), 60.f);
      EXPECT_GT(f.quality.sharpness, 0.f);
      EXPECT_LE(f.quality.brightness, 100.f);
    }
  }
}

// A face that fills the frame is beyond a single SSD pass; the padded-canvas pass finds it.
TEST(FaceEngine, FindsTightPortraits) {
  const cv::Mat rgb = test::demo_rgb(0);
  const auto faces = test::engine().detect(rgb);
  ASSERT_FALSE(faces.empty());
  int single_pass_found = 0;
  for (const auto& f : faces) {
    cv::Rect crop = cv::Rect(f.box) & cv::Rect(0, 0, rgb.cols, rgb.rows);
    cv::Mat portrait;
    cv::resize(rgb(crop), portrait, cv::Size(600, 600 * crop.height / crop.width));
    EXPECT_EQ(test::engine().detect(portrait).size(), 1u) << "portrait of face at " << crop;
    single_pass_found += !test::engine(Alignment::Rotation, false).detect(portrait).empty();
  }
  std::cout << "tight portraits found by a single pass: " << single_pass_found << "/" << faces.size() << "\n";
}

// 40-pixel faces in a 1920-pixel-wide photo are found by the tiled passes.
TEST(FaceEngine, FindsFortyPixelFacesInAWidePhoto) {
  const cv::Mat rgb = test::demo_rgb(1);
  const auto faces = test::engine().detect(rgb);
  cv::Mat wide(1080, 1920, CV_8UC3, cv::Scalar(120, 110, 100));
  int placed = 0;
  for (const auto& f : faces) {
    const cv::Rect crop = cv::Rect(f.box) & cv::Rect(0, 0, rgb.cols, rgb.rows);
    const double scale = 40.0 / crop.width;
    cv::Rect context(crop.x - crop.width / 2, crop.y - crop.height / 2, crop.width * 2, crop.height * 2);
    context &= cv::Rect(0, 0, rgb.cols, rgb.rows);
    cv::Mat small;
    cv::resize(rgb(context), small, cv::Size(), scale, scale, cv::INTER_AREA);
    small.copyTo(wide(cv::Rect(200 + placed * 500, 300 + placed * 150, small.cols, small.rows)));
    ++placed;
  }
  const auto found = test::engine().detect(wide);
  EXPECT_EQ(found.size(), faces.size());
  for (const auto& f : found) EXPECT_NEAR(f.box.width, 45.f, 25.f) << "the SSD box is looser than the face";
}

// A dark, flat photo hides its face from the SSD; the equalised second search finds it, and a
// photo with no face stays without one.
TEST(FaceEngine, FindsFacesInDarkFlatPhotos) {
  EngineOptions without_rescue_options;
  without_rescue_options.model_dir = default_model_dir();
  without_rescue_options.contrast_rescue = false;
  FaceEngine without_rescue(without_rescue_options);
  const cv::Mat rgb = test::demo_rgb(0);
  int found = 0, found_without_rescue = 0, portraits = 0;
  for (const auto& f : test::engine().detect(rgb)) {
    cv::Rect context(f.box.x - f.box.width / 2, f.box.y - f.box.height / 2, f.box.width * 2, f.box.height * 2);
    context &= cv::Rect(0, 0, rgb.cols, rgb.rows);
    cv::Mat dark;
    rgb(context).convertTo(dark, -1, 0.3, 5);  // a third of the contrast, near black
    ++portraits;
    found += test::engine().detect(dark).size() == 1;
    found_without_rescue += !without_rescue.detect(dark).empty();
  }
  std::cout << "dark portraits found: " << found << "/" << portraits << ", without the rescue " << found_without_rescue << "\n";
  EXPECT_EQ(found, portraits);
  EXPECT_LT(found_without_rescue, portraits);

  cv::Mat no_face(480, 640, CV_8UC3);
  cv::randu(no_face, 0, 40);
  cv::GaussianBlur(no_face, no_face, cv::Size(0, 0), 3);
  EXPECT_TRUE(test::engine().detect(no_face).empty());
}

// Many photos of a library have no face: the rescue searches them again at the coarse scales
// only, without the finer pass that costs the most.
TEST(FaceEngine, SearchesAPhotoWithoutAFaceAgainAtTheCoarseScalesOnly) {
  EngineOptions without_rescue_options;
  without_rescue_options.model_dir = default_model_dir();
  without_rescue_options.contrast_rescue = false;
  FaceEngine without_rescue(without_rescue_options);
  cv::Mat no_face(1512, 2016, CV_8UC3);  // a 12-megapixel photo as decoded for detection
  cv::randu(no_face, 0, 40);
  cv::GaussianBlur(no_face, no_face, cv::Size(0, 0), 3);
  const uint64_t start = Conv2d::executed_flops();
  ASSERT_TRUE(without_rescue.detect(no_face).empty());
  const uint64_t searched_once = Conv2d::executed_flops() - start;
  ASSERT_TRUE(test::engine().detect(no_face).empty());
  const uint64_t with_rescue = Conv2d::executed_flops() - start - searched_once;
  EXPECT_GT(with_rescue, searched_once);  // it was searched again
  EXPECT_LT(with_rescue, searched_once * 3 / 2);
}

// The LFW photos the SSD missed before the rescue (dark skin on dark ground, backlit hair).
TEST(FaceEngine, FindsTheFacesOfHardLfwPhotos) {
  const auto shared = test::shared_data();
  if (shared.empty()) GTEST_SKIP() << "../shared/data not present";
  for (const char* photo : {"Abdoulaye_Wade/Abdoulaye_Wade_0003.jpg", "Abdoulaye_Wade/Abdoulaye_Wade_0004.jpg",
                            "Arsinee_Khanjian/Arsinee_Khanjian_0001.jpg"}) {
    const auto file = shared / "lfw/lfw-deepfunneled" / photo;
    const auto detected = test::engine().detect(read_file_bytes(file.string()));
    ASSERT_EQ(detected.faces.size(), 1u) << photo;
    const auto& box = detected.faces[0].box;
    EXPECT_TRUE(box.contains({125, 125})) << photo << ": LFW faces are centred, found " << box;
  }
}

// The same face under flip, rescale and JPEG re-compression stays closer than any two
// different faces of one photo.
TEST(FaceEngine, DescriptorsAreStableUnderEverydayChanges) {
  FaceEngine& engine = test::engine();
  for (int i : {0, 3}) {
    const cv::Mat rgb = test::demo_rgb(i);
    const auto faces = engine.detect(rgb);
    ASSERT_GE(faces.size(), 3u);
    std::vector<Descriptor> d;
    for (const auto& f : faces) d.push_back(engine.describe(rgb, f));
    float closest_strangers = 1e9f;
    for (size_t a = 0; a < d.size(); ++a)
      for (size_t b = a + 1; b < d.size(); ++b) closest_strangers = std::min(closest_strangers, descriptor_distance(d[a], d[b]));

    cv::Mat flipped, half, recompressed;
    cv::flip(rgb, flipped, 1);
    cv::resize(rgb, half, cv::Size(), 0.6, 0.6, cv::INTER_AREA);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", rgb, jpeg, {cv::IMWRITE_JPEG_QUALITY, 60});
    recompressed = cv::imdecode(jpeg, cv::IMREAD_COLOR);
    for (const cv::Mat& variant : {flipped, half, recompressed}) {
      for (const auto& f : engine.detect(variant)) {
        const Descriptor v = engine.describe(variant, f);
        float best = 1e9f;
        for (const auto& original : d) best = std::min(best, descriptor_distance(v, original));
        EXPECT_LT(best, closest_strangers) << "sample" << i + 1;
      }
    }
  }
}

// Recall at IoU 0.5 on dlib's 43 hand-labelled boxes (../shared/data/faces/dlib/examples/faces).
TEST(FaceEngine, DlibGroundTruthRecall) {
  const auto shared = test::shared_data();
  if (shared.empty()) GTEST_SKIP() << "../shared/data not present";
  const auto dir = shared / "faces/dlib/examples/faces";
  const std::regex image_re(R"(<image file='([^']+)')"), box_re(R"(<box top='(-?\d+)' left='(-?\d+)' width='(\d+)' height='(\d+)')");
  int total = 0, found = 0;
  for (const char* xml : {"training.xml", "testing.xml"}) {
    std::ifstream in(dir / xml);
    std::string line;
    std::vector<FaceDetail> faces;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_search(line, m, image_re)) {
        faces = test::engine().detect(decode_image(read_file_bytes((dir / m[1].str()).string())).rgb);
      } else if (std::regex_search(line, m, box_re)) {
        const cv::Rect2f truth(std::stof(m[2]), std::stof(m[1]), std::stof(m[3]), std::stof(m[4]));
        ++total;
        for (const auto& f : faces) {
          const float inter = (f.box & truth).area();
          if (inter / (f.box.area() + truth.area() - inter) >= 0.5f) {
            ++found;
            break;
          }
        }
      }
    }
  }
  std::cout << "dlib ground truth recall at IoU 0.5: " << found << "/" << total << "\n";
  EXPECT_EQ(total, 43);
  EXPECT_GE(found, 38);
}

TEST(FaceEngine, MissingModelNamesTheFileAndTheFix) {
  const auto dir = std::filesystem::temp_directory_path() / "beetroot-no-models";
  std::filesystem::create_directories(dir);
  EngineOptions o;
  o.model_dir = dir;
  try {
    FaceEngine engine(o);
    FAIL() << "loaded without weights";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::ModelMissing);
    EXPECT_NE(std::string(e.what()).find("ssd_mobilenetv1_model"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("fetch-models.sh"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace beetroot
