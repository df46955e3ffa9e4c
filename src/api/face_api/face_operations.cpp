// DetectFaces, IndexFaces, SearchFacesByImage, SearchFaces, ListFaces, DeleteFaces, CompareFaces.
#include <algorithm>
#include <numeric>
#include <set>

#include "api/face_api/face_api.h"
#include "api/face_details_json.h"
#include "collection/admission.h"
#include "collection/similarity.h"

namespace beetroot::face_api {
namespace {

const std::vector<std::string> kQualityFilters = {"NONE", "AUTO", "LOW", "MEDIUM", "HIGH"};

// DetectionAttributes / Attributes: DEFAULT and ALL both give beetroot's full FaceDetail.
void check_attributes(const Params& p, const char* member) {
  for (const auto& a : p.strings(member, 0, 2))
    if (a != "DEFAULT" && a != "ALL") throw invalid_parameter(std::string(member) + " must be DEFAULT or ALL, got '" + a + "'");
}

json detail(const DetectedImage& image, const FaceDetail& face) {
  return face_detail_json(face, image.image.rgb.cols, image.image.rgb.rows);
}

json ratio_box(const DetectedImage& image, const FaceDetail& face) { return detail(image, face)["BoundingBox"]; }

// Detections, largest first: MaxFaces keeps the largest, as the cloud API does.
std::vector<size_t> by_size(const std::vector<FaceDetail>& faces) {
  std::vector<size_t> order(faces.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return faces[a].box.area() > faces[b].box.area(); });
  return order;
}

}  // namespace

json FaceApi::detect_faces(const Params& p) {
  check_attributes(p, "Attributes");
  const DetectedImage image = detect(p.object("Image"));
  json details = json::array();
  for (const auto& face : image.faces) details.push_back(detail(image, face));
  return {{"FaceDetails", details}};
}

json FaceApi::index_faces(const Params& p) {
  refuse_ingestion_collection(collection_id(p), "IndexFaces",
                              "would make persons without a photo or thumbnail; upload the photo (POST /api/photos) instead");
  const auto collection = collections_.get(collection_id(p));
  const auto external = p.optional_string("ExternalImageId");
  if (external) external_image_id(*external);
  const auto max_faces = static_cast<size_t>(p.integer("MaxFaces", 100, 1, 100));
  const std::string filter = p.choice("QualityFilter", "AUTO", kQualityFilters);
  check_attributes(p, "DetectionAttributes");
  const DetectedImage image = detect(p.object("Image"));
  const cv::Mat& rgb = image.image.rgb;

  std::vector<FaceDetail> kept;
  std::vector<const FaceDetail*> indexed_details;
  json unindexed = json::array();
  for (size_t i : by_size(image.faces)) {
    const FaceDetail& face = image.faces[i];
    std::string reason = quality_refusal(face, filter);
    if (reason.empty() && kept.size() == max_faces) reason = "EXCEEDS_MAX_FACES";
    if (!reason.empty()) {
      unindexed.push_back({{"Reasons", {reason}}, {"FaceDetail", detail(image, face)}});
      continue;
    }
    kept.push_back(face);
    indexed_details.push_back(&face);
  }
  std::vector<FaceRecord> records = face_records(kept, engine_.describe(rgb, kept), rgb.size());
  for (auto& r : records) r.external_image_id = external.value_or("");
  const auto indexed = collection->index(random_uuid(), std::move(records));
  faces_indexed_ += static_cast<int64_t>(indexed.size());
  json indexed_json = json::array();
  for (size_t i = 0; i < indexed.size(); ++i)
    indexed_json.push_back({{"Face", face_json(indexed[i])}, {"FaceDetail", detail(image, *indexed_details[i])}});
  return {{"FaceRecords", indexed_json}, {"UnindexedFaces", unindexed}, {"FaceModelVersion", kFaceModelVersion}};
}

json FaceApi::search_faces_by_image(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  const float threshold = static_cast<float>(p.number("FaceMatchThreshold", 80, 0, 100));
  const auto max_faces = static_cast<size_t>(p.integer("MaxFaces", 4096, 1, 4096));
  const std::string filter = p.choice("QualityFilter", "NONE", kQualityFilters);
  const DetectedImage image = detect(p.object("Image"), FaceEngine::Scope::LargestFace);
  const FaceDetail& face = largest_face(image);
  if (const auto reason = quality_refusal(face, filter); !reason.empty())
    throw invalid_parameter("the largest face in the image did not pass QualityFilter " + filter + ": " + reason);
  const auto matches = collection->search(engine_.describe(image.image.rgb, face), threshold, max_faces);
  return {{"SearchedFaceBoundingBox", ratio_box(image, face)},
          {"SearchedFaceConfidence", face.score * 100.f},
          {"FaceMatches", matches_json(*collection, matches)},
          {"FaceModelVersion", kFaceModelVersion}};
}

json FaceApi::search_faces(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  const std::string id = face_id(p.string("FaceId"));
  const float threshold = static_cast<float>(p.number("FaceMatchThreshold", 80, 0, 100));
  const auto max_faces = static_cast<size_t>(p.integer("MaxFaces", 4096, 1, 4096));
  const auto face = collection->face(id);
  if (!face) throw ApiError("ResourceNotFoundException", 400, "face " + id + " is not in collection '" + collection->id() + "'");
  const auto matches = collection->search(face->descriptor, threshold, max_faces, id);
  return {{"SearchedFaceId", id},
          {"FaceMatches", matches_json(*collection, matches)},
          {"FaceModelVersion", kFaceModelVersion}};
}

json FaceApi::list_faces(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  const auto max = static_cast<size_t>(p.integer("MaxResults", 1000, 1, 4096));
  const std::string after = p.optional_string("NextToken").value_or("");
  auto page = collections_.store().faces_page(collection->id(), after, max + 1);
  const bool more = page.size() > max;
  if (more) page.pop_back();
  json faces = json::array();
  for (const auto& f : page) faces.push_back(face_json(f));
  json out = {{"Faces", faces}, {"FaceModelVersion", kFaceModelVersion}};
  if (more) out["NextToken"] = page.back().face_id;
  return out;
}

json FaceApi::delete_faces(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  const auto changes = collection->delete_faces(unique_face_ids(p, 4096));
  return {{"DeletedFaces", changes.changed}, {"UnsuccessfulFaceDeletions", refusals_json(changes.refused, false)}};
}

json FaceApi::compare_faces(const Params& p) {
  const float threshold = static_cast<float>(p.number("SimilarityThreshold", 80, 0, 100));
  const std::string filter = p.choice("QualityFilter", "NONE", kQualityFilters);
  const DetectedImage source = detect(p.object("SourceImage"), FaceEngine::Scope::LargestFace);
  const FaceDetail& source_face = largest_face(source);
  const Descriptor probe = engine_.describe(source.image.rgb, source_face);
  const DetectedImage target = detect(p.object("TargetImage"));
  std::vector<const FaceDetail*> compared;
  std::vector<FaceDetail> passed;
  for (const auto& face : target.faces)
    if (quality_refusal(face, filter).empty()) {
      compared.push_back(&face);
      passed.push_back(face);
    }
  const std::vector<Descriptor> descriptors = engine_.describe(target.image.rgb, passed);
  std::vector<std::pair<float, const FaceDetail*>> matched;
  json unmatched = json::array();
  for (size_t i = 0; i < compared.size(); ++i) {
    const float similarity = similarity_from_distance(descriptor_distance(probe, descriptors[i]));
    if (similarity >= threshold)
      matched.push_back({similarity, compared[i]});
    else
      unmatched.push_back(detail(target, *compared[i]));
  }
  std::stable_sort(matched.begin(), matched.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  json matches = json::array();
  for (const auto& [similarity, face] : matched)
    matches.push_back({{"Similarity", similarity}, {"Face", detail(target, *face)}});
  return {{"SourceImageFace", {{"BoundingBox", ratio_box(source, source_face)}, {"Confidence", source_face.score * 100.f}}},
          {"FaceMatches", matches},
          {"UnmatchedFaces", unmatched}};
}

}  // namespace beetroot::face_api
