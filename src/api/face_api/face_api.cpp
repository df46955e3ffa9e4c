#include "api/face_api/face_api.h"

#include <algorithm>
#include <set>

#include "api/face_details_json.h"
#include "base/hash.h"
#include "collection/admission.h"
#include "collection/similarity.h"

namespace beetroot::face_api {
namespace {

constexpr size_t kMaxImageBytes = 5 * 1024 * 1024;     // Image.Bytes, as the cloud API
constexpr size_t kMaxS3ImageBytes = 15 * 1024 * 1024;  // Image.S3Object, as the cloud API

}  // namespace

FaceApi::FaceApi(FaceEngine& engine, Collections& collections, ObjectStore& objects, const Settings& config)
    : engine_(engine), collections_(collections), objects_(objects), config_(config) {
  operations_ = {
      {"CreateCollection", &FaceApi::create_collection},
      {"DescribeCollection", &FaceApi::describe_collection},
      {"ListCollections", &FaceApi::list_collections},
      {"DeleteCollection", &FaceApi::delete_collection},
      {"DetectFaces", &FaceApi::detect_faces},
      {"IndexFaces", &FaceApi::index_faces},
      {"SearchFacesByImage", &FaceApi::search_faces_by_image},
      {"SearchFaces", &FaceApi::search_faces},
      {"ListFaces", &FaceApi::list_faces},
      {"DeleteFaces", &FaceApi::delete_faces},
      {"CompareFaces", &FaceApi::compare_faces},
      {"CreateUser", &FaceApi::create_user},
      {"DeleteUser", &FaceApi::delete_user},
      {"ListUsers", &FaceApi::list_users},
      {"AssociateFaces", &FaceApi::associate_faces},
      {"DisassociateFaces", &FaceApi::disassociate_faces},
      {"SearchUsers", &FaceApi::search_users},
      {"SearchUsersByImage", &FaceApi::search_users_by_image},
  };
}

json FaceApi::call(const std::string& operation, const json& request) {
  const auto found = operations_.find(operation);
  if (found == operations_.end())
    throw ApiError("UnknownOperationException", 400, "operation '" + operation + "' is not supported");
  if (!request.is_object()) throw ApiError("SerializationException", 400, "the request body must be a JSON object");
  const Cores::Turn turn(engine_.cores());  // this request's net calls before those of later ones
  auto run = [&] {
    try {
      return (this->*found->second)(Params(request));
    } catch (const Error& e) {
      throw api_error_for(e);
    }
  };
  // A retried IndexFaces is known by its whole content (image, ExternalImageId, collection...);
  // the operations of the cloud API that take a ClientRequestToken, by that token. Only these are
  // hashed: an image can be megabytes.
  const auto digest = [&] { return sha256_hex(operation + "\n" + request.dump()); };
  if (operation == "IndexFaces") {
    const std::string content = digest();
    return repeated_.answer(content, content, run);
  }
  static const std::set<std::string> kWithToken = {"CreateUser", "DeleteUser", "AssociateFaces", "DisassociateFaces"};
  if (const auto token = request.find("ClientRequestToken");
      token != request.end() && token->is_string() && kWithToken.count(operation))
    return repeated_.answer(operation + "\n" + request.value("CollectionId", "") + "\n" + token->get<std::string>(),
                            digest(), run);
  return run();
}

std::string FaceApi::read_image_bytes(const json& image) {
  const Params p(image);
  if (p.has("Bytes") == p.has("S3Object"))
    throw invalid_parameter("Image must have exactly one of Bytes and S3Object");
  if (p.has("Bytes")) {
    std::string bytes = base64_decode(p.string("Bytes"));
    if (bytes.size() > kMaxImageBytes)
      throw ApiError("ImageTooLargeException", 400,
                     "Image.Bytes holds " + std::to_string(bytes.size()) + " bytes; at most 5 MB are accepted");
    return bytes;
  }
  const Params s3(p.object("S3Object"));
  const std::string bucket = s3.string("Bucket"), name = s3.string("Name");
  std::optional<std::string> bytes;
  try {
    validate_bucket(bucket);
    validate_key(name);
    bytes = objects_.get(bucket, name);
  } catch (const Error& e) {
    throw ApiError("InvalidS3ObjectException", 400, e.what());
  }
  if (!bytes) throw ApiError("InvalidS3ObjectException", 400, "object " + bucket + "/" + name + " does not exist");
  if (bytes->size() > kMaxS3ImageBytes)
    throw ApiError("ImageTooLargeException", 400, "object " + bucket + "/" + name + " is larger than 15 MB");
  return std::move(*bytes);
}

DetectedImage FaceApi::detect(const json& image, FaceEngine::Scope scope) {
  if (!image.is_object()) throw invalid_parameter("Image must be an object");
  return engine_.detect(read_image_bytes(image), scope);
}

const FaceDetail& FaceApi::largest_face(const DetectedImage& image) const {
  if (image.faces.empty()) throw invalid_parameter("There are no faces in the image. Should be at least 1.");
  return *std::max_element(image.faces.begin(), image.faces.end(), [](const FaceDetail& a, const FaceDetail& b) {
    return a.box.area() < b.box.area();
  });
}

json FaceApi::face_json(const FaceRecord& face) const {
  json j = {
      {"FaceId", face.face_id},
      {"BoundingBox", {{"Width", face.box.width}, {"Height", face.box.height}, {"Left", face.box.x}, {"Top", face.box.y}}},
      {"ImageId", face.photo_id},
      {"Confidence", face.confidence},
      {"IndexFacesModelVersion", kFaceModelVersion},
  };
  if (!face.external_image_id.empty()) j["ExternalImageId"] = face.external_image_id;
  if (!face.user_id.empty()) j["UserId"] = face.user_id;
  return j;
}

json FaceApi::matches_json(const FaceCollection& collection, const std::vector<FaceMatch>& matches) const {
  std::vector<std::string> ids;
  for (const auto& m : matches) ids.push_back(m.face_id);
  std::map<std::string, FaceRecord> records;
  for (auto& f : collection.faces(ids)) records.emplace(f.face_id, std::move(f));
  json out = json::array();
  for (const auto& m : matches)
    if (auto r = records.find(m.face_id); r != records.end())  // deleted since the search: left out
      out.push_back({{"Similarity", m.similarity}, {"Face", face_json(r->second)}});
  return out;
}

std::vector<std::string> unique_face_ids(const Params& p, size_t max_items) {
  std::vector<std::string> ids;
  for (const auto& id : p.strings("FaceIds", 1, max_items))
    if (std::find(ids.begin(), ids.end(), face_id(id)) == ids.end()) ids.push_back(id);
  return ids;
}

json refusals_json(const std::vector<FaceRefusal>& refused, bool with_confidence) {
  json out = json::array();
  for (const auto& r : refused) {
    json entry = {{"FaceId", r.face_id}, {"Reasons", {r.reason}}};
    if (!r.user_id.empty()) entry["UserId"] = r.user_id;
    if (with_confidence) entry["Confidence"] = 0;
    out.push_back(entry);
  }
  return out;
}

std::string FaceApi::quality_refusal(const FaceDetail& face, const std::string& filter) const {
  return admission_refusal(face, admission_bar(filter, config_.min_face_pixels, config_.min_sharpness));
}

void FaceApi::refuse_ingestion_collection(const std::string& id, const char* operation, const char* why) const {
  if (id == config_.collection_id)
    throw Error(ErrorKind::InvalidParameter, std::string(operation) + " on '" + id +
                                                 "', the collection ingestion files People into (REKOGNITION_COLLECTION_ID), " +
                                                 why);
}

}  // namespace beetroot::face_api
