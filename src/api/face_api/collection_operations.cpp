// CreateCollection, DescribeCollection, ListCollections, DeleteCollection.
#include <ctime>
#include <iomanip>
#include <sstream>

#include "api/face_api/face_api.h"

namespace beetroot::face_api {
namespace {

std::string collection_arn(const std::string& id) { return "arn:beetroot:rekognition:local:000000000000:collection/" + id; }

// The cloud API's timestamps are seconds since the epoch.
double epoch_seconds(const std::string& iso8601) {
  std::tm tm{};
  std::istringstream in(iso8601);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  return in.fail() ? 0.0 : static_cast<double>(timegm(&tm));
}

}  // namespace

json FaceApi::create_collection(const Params& p) {
  const std::string id = collection_id(p);
  collections_.create(id);
  return {{"StatusCode", 200}, {"CollectionArn", collection_arn(id)}, {"FaceModelVersion", kFaceModelVersion}};
}

json FaceApi::describe_collection(const Params& p) {
  const std::string id = collection_id(p);
  const auto info = collections_.describe(id);
  if (!info) throw ApiError("ResourceNotFoundException", 400, "collection '" + id + "' does not exist");
  return {{"FaceCount", info->face_count},
          {"UserCount", info->user_count},
          {"FaceModelVersion", kFaceModelVersion},
          {"CollectionARN", collection_arn(id)},
          {"CreationTimestamp", epoch_seconds(info->created_at)}};
}

json FaceApi::list_collections(const Params& p) {
  const auto max = static_cast<size_t>(p.integer("MaxResults", 1000, 1, 4096));
  const std::string after = p.optional_string("NextToken").value_or("");
  json ids = json::array(), versions = json::array();
  bool more = false;
  for (const auto& id : collections_.ids()) {
    if (id <= after) continue;
    if (ids.size() == max) {
      more = true;
      break;
    }
    ids.push_back(id);
    versions.push_back(kFaceModelVersion);
  }
  json out = {{"CollectionIds", ids}, {"FaceModelVersions", versions}};
  if (more) out["NextToken"] = ids.back();
  return out;
}

json FaceApi::delete_collection(const Params& p) {
  const std::string id = collection_id(p);
  refuse_ingestion_collection(id, "DeleteCollection", "would delete every person of People");
  collections_.remove(id);
  return {{"StatusCode", 200}};
}

}  // namespace beetroot::face_api
