#pragma once
#include <atomic>
#include <map>
#include <string>

#include "api/face_api/protocol.h"
#include "api/face_api/repeated_requests.h"
#include "app/settings.h"
#include "collection/collections.h"
#include "inference/face_engine.h"
#include "storage/object_store.h"

namespace beetroot::face_api {

// What responses report as FaceModelVersion: the weights every descriptor comes from.
inline constexpr const char* kFaceModelVersion = "face-api-1.7.15";

// FaceIds, each checked, without repeats.
std::vector<std::string> unique_face_ids(const Params& p, size_t max_items);
// Faces an operation left alone, with their reasons (and a Confidence where the shape has one).
json refusals_json(const std::vector<FaceRefusal>& refused, bool with_confidence);

// The cloud face-collection API over beetroot's engine, collections and object store: one JSON
// request in, one JSON response out (or an ApiError). Knows nothing of HTTP.
class FaceApi {
 public:
  FaceApi(FaceEngine& engine, Collections& collections, ObjectStore& objects, const Settings& config);

  bool knows(const std::string& operation) const { return operations_.count(operation) != 0; }
  json call(const std::string& operation, const json& request);

  int64_t faces_indexed() const { return faces_indexed_; }
  // Requests answered with the answer of the same request made a moment before (a client's retry).
  int64_t repeated_requests() const { return repeated_.repeats(); }

 private:
  using Operation = json (FaceApi::*)(const Params&);
  // Collections.
  json create_collection(const Params& p);
  json describe_collection(const Params& p);
  json list_collections(const Params& p);
  json delete_collection(const Params& p);
  // Faces.
  json detect_faces(const Params& p);
  json index_faces(const Params& p);
  json search_faces_by_image(const Params& p);
  json search_faces(const Params& p);
  json list_faces(const Params& p);
  json delete_faces(const Params& p);
  // The collection ingestion files People into is changed only through ingestion and People.
  void refuse_ingestion_collection(const std::string& id, const char* operation, const char* why) const;
  json compare_faces(const Params& p);
  // Users.
  json create_user(const Params& p);
  json delete_user(const Params& p);
  json list_users(const Params& p);
  json associate_faces(const Params& p);
  json disassociate_faces(const Params& p);
  json search_users(const Params& p);
  json search_users_by_image(const Params& p);

  // The image of an `Image` member (Bytes or S3Object), decoded, with its faces.
  DetectedImage detect(const json& image, FaceEngine::Scope scope = FaceEngine::Scope::EveryFace);
  std::string read_image_bytes(const json& image);
  // The largest face of the image; InvalidParameterException if there is none.
  const FaceDetail& largest_face(const DetectedImage& image) const;
  json face_json(const FaceRecord& face) const;
  json matches_json(const FaceCollection& collection, const std::vector<FaceMatch>& matches) const;
  // Why QualityFilter (NONE, AUTO, LOW, MEDIUM, HIGH) refuses a face, or "" if it passes.
  std::string quality_refusal(const FaceDetail& face, const std::string& filter) const;

  FaceEngine& engine_;
  Collections& collections_;
  ObjectStore& objects_;
  const Settings& config_;
  std::map<std::string, Operation> operations_;
  std::atomic<int64_t> faces_indexed_{0};
  RepeatedRequests repeated_{std::chrono::minutes(10), 4096};
};

}  // namespace beetroot::face_api
