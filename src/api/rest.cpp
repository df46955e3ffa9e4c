#include "api/rest.h"

#include <httplib.h>

#include <regex>

#include "base/error.h"
#include "base/json_text.h"

namespace beetroot::rest {

void send_json(httplib::Response& res, const json& body, int status) {
  res.status = status;
  res.set_content(json_text(body), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  send_json(res, {{"error", {{"code", code}, {"message", message}}}}, status);
}

int status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotFound: return 404;
    case ErrorKind::Conflict:
    case ErrorKind::AlreadyExists: return 409;
    case ErrorKind::ImageTooLarge: return 413;
    case ErrorKind::InvalidParameter:
    case ErrorKind::InvalidImageFormat: return 400;
    case ErrorKind::ModelMissing:
    case ErrorKind::Internal: break;
  }
  return 500;
}

std::string code_for(int status) {
  switch (status) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 404: return "NotFound";
    case 409: return "Conflict";
    case 413: return "TooLarge";
  }
  return "InternalError";
}

std::string required_string(const json& body, const char* field) {
  if (!body.contains(field) || !body[field].is_string())
    throw Error(ErrorKind::InvalidParameter, std::string(field) + " must be a string");
  return body[field].get<std::string>();
}

namespace {

// Ids in paths are checked before they reach a store: a malformed one is a 404 that says why.
std::string checked_id(const std::string& id, const std::regex& pattern, const char* what) {
  if (!std::regex_match(id, pattern)) throw Error(ErrorKind::NotFound, std::string("no ") + what + " has the id '" + id + "'");
  return id;
}
}  // namespace

std::string person_id(const std::string& id) {
  static const std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
  return checked_id(id, uuid, "person");
}
std::string face_id(const std::string& id) {
  static const std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
  return checked_id(id, uuid, "face");
}
std::string photo_id(const std::string& id) {
  static const std::regex hex20(R"([0-9a-f]{20})");
  return checked_id(id, hex20, "photo");
}

json body_object(const httplib::Request& req) {
  json body;
  try {
    body = json::parse(req.body.empty() ? "{}" : req.body);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::InvalidParameter, std::string("body is not JSON: ") + e.what());
  }
  if (!body.is_object()) throw Error(ErrorKind::InvalidParameter, "body must be a JSON object");
  return body;
}

std::string thumb_url(const std::string& key) { return key.empty() ? "" : "/thumbs/" + key; }

json person_json(const PersonSummary& p) {
  return {{"personId", p.person_id},       {"name", p.name},
          {"hidden", p.hidden},            {"faceCount", p.face_count},
          {"photoCount", p.photo_count},   {"coverUrl", thumb_url(p.cover_thumb_key)}};
}

json box_json(const cv::Rect2f& b) {
  return {{"left", b.x}, {"top", b.y}, {"width", b.width}, {"height", b.height}};
}

void answer_errors(httplib::Response& res, const std::function<void()>& handler) {
  try {
    handler();
  } catch (const Error& e) {
    const int status = status_for(e.kind());
    send_error(res, status, code_for(status), e.what());
  }
}

}  // namespace beetroot::rest
