// CreateUser, DeleteUser, ListUsers, AssociateFaces, DisassociateFaces, SearchUsers, SearchUsersByImage.
#include "api/face_api/face_api.h"
#include "api/face_details_json.h"

namespace beetroot::face_api {
namespace {

// Users are usable as soon as they are created: beetroot has no asynchronous user states.
constexpr const char* kUserStatus = "ACTIVE";

json ids_json(const std::vector<std::string>& ids) {
  json out = json::array();
  for (const auto& id : ids) out.push_back({{"FaceId", id}});
  return out;
}

json user_matches_json(const std::vector<UserMatch>& matches) {
  json out = json::array();
  for (const auto& m : matches)
    out.push_back({{"Similarity", m.similarity}, {"User", {{"UserId", m.user_id}, {"UserStatus", kUserStatus}}}});
  return out;
}

}  // namespace

json FaceApi::create_user(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  collection->create_user(user_id(p));
  return json::object();
}

json FaceApi::delete_user(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  collection->delete_user(user_id(p));
  return json::object();
}

json FaceApi::list_users(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  const auto max = static_cast<size_t>(p.integer("MaxResults", 500, 1, 500));
  auto page = collection->users_page(p.optional_string("NextToken").value_or(""), max + 1);
  const bool more = page.size() > max;
  if (more) page.pop_back();
  json users = json::array();
  for (const auto& id : page) users.push_back({{"UserId", id}, {"UserStatus", kUserStatus}});
  json out = {{"Users", users}};
  if (more) out["NextToken"] = page.back();
  return out;
}

json FaceApi::associate_faces(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  const float threshold = static_cast<float>(p.number("UserMatchThreshold", 75, 0, 100));
  const auto changes = collection->associate(user_id(p), unique_face_ids(p, 100), threshold);
  return {{"AssociatedFaces", ids_json(changes.changed)},
          {"UnsuccessfulFaceAssociations", refusals_json(changes.refused, true)},
          {"UserStatus", kUserStatus}};
}

json FaceApi::disassociate_faces(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  const auto changes = collection->disassociate(user_id(p), unique_face_ids(p, 100));
  return {{"DisassociatedFaces", ids_json(changes.changed)},
          {"UnsuccessfulFaceDisassociations", refusals_json(changes.refused, false)},
          {"UserStatus", kUserStatus}};
}

json FaceApi::search_users(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  const float threshold = static_cast<float>(p.number("UserMatchThreshold", 80, 0, 100));
  const auto max_users = static_cast<size_t>(p.integer("MaxUsers", 100, 1, 500));
  if (p.has("UserId") == p.has("FaceId")) throw invalid_parameter("give exactly one of UserId and FaceId");
  json out = {{"FaceModelVersion", kFaceModelVersion}};
  std::vector<Descriptor> probes;
  std::string exclude;
  if (p.has("UserId")) {
    exclude = user_id(p);
    probes = collection->user_descriptors(exclude);
    out["SearchedUser"] = {{"UserId", exclude}};
  } else {
    const std::string id = face_id(p.string("FaceId"));
    const auto face = collection->face(id);
    if (!face) throw ApiError("ResourceNotFoundException", 400, "face " + id + " is not in collection '" + collection->id() + "'");
    probes.push_back(face->descriptor);
    exclude = face->user_id;  // the face's own user is no match for it
    out["SearchedFace"] = {{"FaceId", id}};
  }
  out["UserMatches"] = user_matches_json(collection->search_users(probes, threshold, max_users, exclude));
  return out;
}

json FaceApi::search_users_by_image(const Params& p) {
  const auto collection = collections_.get(collection_id(p));
  const float threshold = static_cast<float>(p.number("UserMatchThreshold", 80, 0, 100));
  const auto max_users = static_cast<size_t>(p.integer("MaxUsers", 100, 1, 500));
  const std::string filter = p.choice("QualityFilter", "NONE", {"NONE", "AUTO", "LOW", "MEDIUM", "HIGH"});
  const DetectedImage image = detect(p.object("Image"));
  const FaceDetail& face = largest_face(image);
  if (const auto reason = quality_refusal(face, filter); !reason.empty())
    throw invalid_parameter("the largest face in the image did not pass QualityFilter " + filter + ": " + reason);
  const int w = image.image.rgb.cols, h = image.image.rgb.rows;
  json unsearched = json::array();
  for (const auto& other : image.faces)
    if (&other != &face) unsearched.push_back({{"FaceDetails", face_detail_json(other, w, h)}, {"Reasons", {"FACE_NOT_LARGEST"}}});
  const auto matches = collection->search_users({engine_.describe(image.image.rgb, face)}, threshold, max_users);
  return {{"UserMatches", user_matches_json(matches)},
          {"FaceModelVersion", kFaceModelVersion},
          {"SearchedFace", {{"FaceDetail", face_detail_json(face, w, h)}}},
          {"UnsearchedFaces", unsearched}};
}

}  // namespace beetroot::face_api
