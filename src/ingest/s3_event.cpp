#include "ingest/s3_event.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "storage/object_store.h"

namespace beetroot {

std::string url_decode_s3_key(const std::string& encoded) {
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= encoded.size() || !std::isxdigit(static_cast<unsigned char>(encoded[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(encoded[i + 2])))
        throw Error(ErrorKind::InvalidParameter, "malformed percent-encoding in key '" + encoded + "'");
      out += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<S3ObjectRef> parse_s3_event(const std::string& json_text) {
  nlohmann::json event;
  try {
    event = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::InvalidParameter, std::string("event is not valid JSON: ") + e.what());
  }
  if (!event.is_object() || !event.contains("Records") || !event["Records"].is_array())
    throw Error(ErrorKind::InvalidParameter, "event has no Records array");
  std::vector<S3ObjectRef> out;
  // Every record is checked before any is queued: a bad one refuses the whole event.
  for (size_t i = 0; i < event["Records"].size(); ++i) {
    const auto& record = event["Records"][i];
    const std::string which = "event record " + std::to_string(i + 1);
    if (!record.is_object()) throw Error(ErrorKind::InvalidParameter, which + " is not an object");
    const auto name = record.find("eventName");
    if (name != record.end() && !name->is_string())
      throw Error(ErrorKind::InvalidParameter, which + ": eventName is not a string");
    if (name != record.end() && name->get<std::string>().rfind("ObjectCreated", 0) != 0) continue;
    S3ObjectRef ref;
    try {
      ref = {record.at("s3").at("bucket").at("name").get<std::string>(),
             url_decode_s3_key(record.at("s3").at("object").at("key").get<std::string>())};
    } catch (const nlohmann::json::exception& e) {
      throw Error(ErrorKind::InvalidParameter, which + " lacks s3.bucket.name or s3.object.key as strings: " + e.what());
    }
    try {
      validate_key(ref.key);
    } catch (const Error& e) {
      throw Error(ErrorKind::InvalidParameter, which + ": " + e.what());
    }
    out.push_back(std::move(ref));
  }
  return out;
}

}  // namespace beetroot
