#pragma once
// The JSON 1.1 protocol of the cloud face API: typed access to request members, identifier rules,
// base64 blobs, and errors as {"__type": "<Name>Exception", "Message": ...} with an HTTP status.
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.h"
#include "collection/face_record.h"

namespace beetroot::face_api {

using nlohmann::json;

class ApiError : public std::runtime_error {
 public:
  ApiError(std::string type, int status, const std::string& message)
      : std::runtime_error(message), type_(std::move(type)), status_(status) {}
  const std::string& type() const { return type_; }
  int status() const { return status_; }

 private:
  std::string type_;
  int status_;
};

ApiError invalid_parameter(const std::string& message);
// The cloud API's exception for each kind of beetroot error.
ApiError api_error_for(const Error& error);

// A request body's members, each checked for presence, type and range as it is read.
class Params {
 public:
  explicit Params(const json& body) : body_(body) {}
  bool has(const char* name) const { return body_.contains(name) && !body_[name].is_null(); }
  std::string string(const char* name) const;  // required
  std::optional<std::string> optional_string(const char* name) const;
  int64_t integer(const char* name, int64_t fallback, int64_t min, int64_t max) const;
  double number(const char* name, double fallback, double min, double max) const;
  std::vector<std::string> strings(const char* name, size_t min_items, size_t max_items) const;
  const json& object(const char* name) const;  // required
  std::string choice(const char* name, const std::string& fallback, const std::vector<std::string>& allowed) const;

 private:
  const json& body_;
};

// Identifier rules of the cloud API; each throws InvalidParameterException naming the member.
std::string collection_id(const Params& p);
std::string user_id(const Params& p);
std::string face_id(const std::string& text);
std::string external_image_id(const std::string& text);

std::string base64_decode(const std::string& text);  // InvalidParameterException if not base64

}  // namespace beetroot::face_api
