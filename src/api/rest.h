#pragma once
// What the People page's REST endpoints share: JSON bodies and errors, ids checked before they
// reach a store, and how persons and boxes are written.
#include <opencv2/core/types.hpp>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "base/error.h"
#include "collection/face_record.h"
#include "storage/person_table.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace beetroot::rest {

using nlohmann::json;

void send_json(httplib::Response& res, const json& body, int status = 200);
// {"error": {"code", "message"}}
void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message);
int status_for(ErrorKind kind);
std::string code_for(int status);
// Runs the handler; an Error it throws becomes the JSON error of its status.
void answer_errors(httplib::Response& res, const std::function<void()>& handler);

// The request's body as a JSON object ({} if empty); Error InvalidParameter otherwise.
json body_object(const httplib::Request& req);
std::string required_string(const json& body, const char* field);  // Error InvalidParameter
// Ids as they must look; a malformed one is Error NotFound that says why.
std::string person_id(const std::string& id);
std::string face_id(const std::string& id);
std::string photo_id(const std::string& id);

std::string thumb_url(const std::string& key);
json person_json(const PersonSummary& p);
json box_json(const cv::Rect2f& b);

}  // namespace beetroot::rest
