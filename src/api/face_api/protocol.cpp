#include "api/face_api/protocol.h"

#include <openssl/evp.h>

#include <algorithm>
#include <regex>

namespace beetroot::face_api {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw invalid_parameter(message);
}

std::string matching(const std::string& value, const char* member, const std::regex& pattern, const char* pattern_text,
                     size_t max_length) {
  require(!value.empty() && value.size() <= max_length && std::regex_match(value, pattern),
          std::string(member) + " '" + value + "' must match " + pattern_text + " and be 1 to " +
              std::to_string(max_length) + " characters long");
  return value;
}

}  // namespace

ApiError invalid_parameter(const std::string& message) { return ApiError("InvalidParameterException", 400, message); }

ApiError api_error_for(const Error& error) {
  switch (error.kind()) {
    case ErrorKind::InvalidParameter: return invalid_parameter(error.what());
    case ErrorKind::InvalidImageFormat: return ApiError("InvalidImageFormatException", 400, error.what());
    case ErrorKind::ImageTooLarge: return ApiError("ImageTooLargeException", 400, error.what());
    case ErrorKind::NotFound: return ApiError("ResourceNotFoundException", 400, error.what());
    case ErrorKind::AlreadyExists: return ApiError("ResourceAlreadyExistsException", 400, error.what());
    case ErrorKind::Conflict: return ApiError("ConflictException", 400, error.what());
    case ErrorKind::ModelMissing:
    case ErrorKind::Internal: break;
  }
  return ApiError("InternalServerError", 500, error.what());
}

std::string Params::string(const char* name) const {
  auto value = optional_string(name);
  require(value.has_value(), std::string("missing required member ") + name);
  return *value;
}

std::optional<std::string> Params::optional_string(const char* name) const {
  if (!has(name)) return std::nullopt;
  require(body_[name].is_string(), std::string(name) + " must be a string");
  return body_[name].get<std::string>();
}

int64_t Params::integer(const char* name, int64_t fallback, int64_t min, int64_t max) const {
  if (!has(name)) return fallback;
  const json& v = body_[name];
  require(v.is_number_integer(), std::string(name) + " must be an integer");
  const auto n = v.get<int64_t>();
  require(n >= min && n <= max,
          std::string(name) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  return n;
}

double Params::number(const char* name, double fallback, double min, double max) const {
  if (!has(name)) return fallback;
  const json& v = body_[name];
  require(v.is_number(), std::string(name) + " must be a number");
  const auto n = v.get<double>();
  require(n >= min && n <= max, std::string(name) + " must be between " + std::to_string(min) + " and " +
                                    std::to_string(max));
  return n;
}

std::vector<std::string> Params::strings(const char* name, size_t min_items, size_t max_items) const {
  require(has(name) || min_items == 0, std::string("missing required member ") + name);
  std::vector<std::string> out;
  if (!has(name)) return out;
  const json& v = body_[name];
  require(v.is_array(), std::string(name) + " must be a list of strings");
  for (const auto& item : v) {
    require(item.is_string(), std::string(name) + " must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  require(out.size() >= min_items && out.size() <= max_items, std::string(name) + " must hold " +
                                                                  std::to_string(min_items) + " to " +
                                                                  std::to_string(max_items) + " items");
  return out;
}

const json& Params::object(const char* name) const {
  require(has(name), std::string("missing required member ") + name);
  require(body_[name].is_object(), std::string(name) + " must be an object");
  return body_[name];
}

std::string Params::choice(const char* name, const std::string& fallback, const std::vector<std::string>& allowed) const {
  const std::string value = optional_string(name).value_or(fallback);
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  require(std::find(allowed.begin(), allowed.end(), value) != allowed.end(),
          std::string(name) + " must be one of " + list + ", got '" + value + "'");
  return value;
}

std::string collection_id(const Params& p) {
  static const std::regex pattern(R"([a-zA-Z0-9_.\-]+)");
  return matching(p.string("CollectionId"), "CollectionId", pattern, "[a-zA-Z0-9_.\\-]+", 255);
}

std::string user_id(const Params& p) {
  static const std::regex pattern(R"([a-zA-Z0-9_.\-:]+)");
  return matching(p.string("UserId"), "UserId", pattern, "[a-zA-Z0-9_.\\-:]+", 128);
}

std::string face_id(const std::string& text) {
  static const std::regex pattern(R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
  return matching(text, "FaceId", pattern, "a lower-case UUID", 36);
}

std::string external_image_id(const std::string& text) {
  static const std::regex pattern(R"([a-zA-Z0-9_.\-:]+)");
  return matching(text, "ExternalImageId", pattern, "[a-zA-Z0-9_.\\-:]+", 255);
}

std::string base64_decode(const std::string& text) {
  // A loop, not a regex: std::regex recurses per character and megabytes would overflow the stack.
  const size_t padding = text.size() >= 2 && text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  const bool alphabet_only = std::all_of(text.begin(), text.end() - static_cast<ptrdiff_t>(padding), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
  require(text.size() % 4 == 0 && alphabet_only, "Image.Bytes is not valid base64");
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  require(n >= 0, "Image.Bytes is not valid base64");
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}


}  // namespace beetroot::face_api
