#include "api/people_api.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "api/rest.h"
#include "base/encoding.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/json_text.h"
#include "inference/image.h"
#include "web_assets.h"

namespace beetroot {
namespace {

using nlohmann::json;
using namespace rest;
constexpr size_t kMaxNameLength = 200;

std::string content_type_of(std::string_view bytes) {
  try {
    return media_type(probe_image(bytes).format);
  } catch (const Error&) {
    return "application/octet-stream";
  }
}

// Objects never change under one key (a moved thumbnail gets a new key), so an ETag from the
// content and a day of private caching are safe; If-None-Match saves the bytes.
void send_object(const httplib::Request& req, httplib::Response& res, const std::optional<std::string>& bytes) {
  if (!bytes) return send_error(res, 404, "NotFound", "no such image");
  const std::string etag = "\"" + sha256_hex(*bytes).substr(0, 32) + "\"";
  res.set_header("ETag", etag);
  res.set_header("Cache-Control", "private, max-age=86400");
  if (req.get_header_value("If-None-Match") == etag) {
    res.status = 304;
    return;
  }
  res.set_content(*bytes, content_type_of(*bytes));
}

// The photo as a browser can show it: as stored, or for HEIC, TIFF, JPEG XL and camera raw a JPEG
// of it, upright, at a screen's size.
std::optional<std::string> displayable(std::optional<std::string> bytes) {
  if (!bytes) return bytes;
  std::string format;
  try {
    format = probe_image(*bytes).format;
  } catch (const Error&) {
    return bytes;
  }
  if (browsers_show(format)) return bytes;
  DecodeOptions options;
  options.work_long_side = 2048;
  return encode_jpeg(decode_image(*bytes, options).rgb, 90);
}

// A whole-number query parameter from 0 to `max`, or `fallback` when it is absent.
long number(const httplib::Request& req, const char* name, long fallback, long max) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos || std::stol(text) > max)
    throw Error(ErrorKind::InvalidParameter, std::string(name) + " must be a number from 0 to " + std::to_string(max));
  return std::stol(text);
}

}  // namespace

PeopleApi::PeopleApi(People& people, PhotoTable& photos, ObjectStore& objects, IngestQueue& queue, Pipeline& pipeline,
                     const Settings& config, std::string token)
    : people_(people),
      photos_(photos),
      objects_(objects),
      queue_(queue),
      pipeline_(pipeline),
      config_(config),
      token_(std::move(token)),
      // Not the token itself: it never sits in a browser's cookie jar, and a new token ends every session.
      session_(to_hex(hmac_sha256(token_, "beetroot People page session"))) {}

namespace {
constexpr const char* kUnauthorized = "a valid API token is required (Authorization: Bearer <token>)";
constexpr const char* kSessionCookie = "beetroot_session";

bool same_secret(const std::string& given, const std::string& secret) {
  return given.size() == secret.size() && CRYPTO_memcmp(given.data(), secret.data(), secret.size()) == 0;
}

// HttpOnly: no page script reads it; SameSite=Strict: no other site's page sends it; Secure where a
// TLS proxy in front says the page came over HTTPS.
void set_session_cookie(const httplib::Request& req, httplib::Response& res, const std::string& value, long max_age) {
  const bool https = req.get_header_value("X-Forwarded-Proto") == "https";
  res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + value + "; Path=/; Max-Age=" + std::to_string(max_age) +
                                   "; HttpOnly; SameSite=Strict" + (https ? "; Secure" : ""));
}
}  // namespace

bool PeopleApi::authorized(const std::string& authorization, const std::string& cookies) const {
  if (authorization.rfind("Bearer ", 0) == 0) return same_secret(authorization.substr(7), token_);
  static const std::regex cookie(std::string(R"((?:^|;\s*))") + kSessionCookie + "=([^;]*)");
  std::smatch m;
  return std::regex_search(cookies, m, cookie) && same_secret(m[1], session_);
}

json PeopleApi::photo_json(const PhotoRow& row) const {
  json faces = json::array();
  for (const auto& f : people_.faces_of_photo(row.photo_id)) {
    const auto person = people_.find(f.person_id);
    faces.push_back({{"faceId", f.face_id}, {"faceIndex", f.face_index}, {"personId", f.person_id},
                     {"personName", person ? person->name : ""}, {"box", box_json(f.box)},
                     {"thumbUrl", thumb_url(f.thumb_key)}});
  }
  return {{"photoId", row.photo_id}, {"key", row.key}, {"status", to_string(row.status)}, {"error", row.error},
          {"uploadedAt", row.uploaded_at}, {"takenAt", row.taken_at}, {"faceCount", row.face_count},
          {"faces", faces}, {"imageUrl", "/api/photos/" + row.photo_id + "/image"}};
}

bool PeopleApi::is_sign_in(const std::string& path) { return path == "/api/login" || path == "/api/logout"; }

std::string PeopleApi::unauthorized_json() {
  return nlohmann::json{{"error", {{"code", "Unauthorized"}, {"message", kUnauthorized}}}}.dump();
}

void PeopleApi::add_routes(httplib::Server& server) {
  // Wraps a handler: checks the token, turns errors into JSON with a status.
  auto guarded = [this](auto handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      if (!authorized(req.get_header_value("Authorization"), req.get_header_value("Cookie")))
        return send_error(res, 401, "Unauthorized", kUnauthorized);
      answer_errors(res, [&] { handler(req, res); });
    };
  };

  // The page signs in with the token and gets the session cookie from the server.
  server.Post("/api/login", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = nlohmann::json::parse(req.body, nullptr, false, true);
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string())
      return send_error(res, 400, "BadRequest", "the body must be JSON: {\"token\": \"<API token>\"}");
    if (!same_secret(body["token"].get<std::string>(), token_))
      return send_error(res, 401, "Unauthorized", "that is not the API token");
    set_session_cookie(req, res, session_, 365L * 24 * 3600);
    res.status = 204;
  });
  server.Post("/api/logout", [](const httplib::Request& req, httplib::Response& res) {
    set_session_cookie(req, res, "", 0);
    res.status = 204;
  });

  server.Get("/api/people", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string sort = req.has_param("sort") ? req.get_param_value("sort") : "faces";
    if (sort != "faces" && sort != "name") throw Error(ErrorKind::InvalidParameter, "sort must be faces or name");
    const long offset = number(req, "offset", 0, 100000000), limit = number(req, "limit", 100, 1000);
    const std::string shelf = req.has_param("shelf") ? req.get_param_value("shelf") : "all";
    if (shelf != "all" && shelf != "main" && shelf != "others")
      throw Error(ErrorKind::InvalidParameter, "shelf must be all, main or others");
    const PeopleFilter filter{req.get_param_value("hidden") == "true",
                              shelf == "main"     ? PeopleShelf::Main
                              : shelf == "others" ? PeopleShelf::Others
                                                  : PeopleShelf::Everyone,
                              config_.people_min_faces};
    const auto page = people_.list(sort == "name" ? PeopleOrder::Name : PeopleOrder::FaceCount, filter, offset, limit);
    json people = json::array();
    for (const auto& p : page.people) people.push_back(person_json(p));
    send_json(res, {{"people", people}, {"total", page.total}, {"offset", offset}, {"limit", limit},
                    {"shelf", shelf}, {"minFaces", config_.people_min_faces}, {"queueDepth", queue_.depth()}});
  }));

  server.Get(R"(/api/people/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = person_id(req.matches[1]);
    json out = person_json(people_.get(id));
    json faces = json::array();
    for (const auto& f : people_.faces_of(id))
      faces.push_back({{"faceId", f.face_id}, {"photoId", f.photo_id}, {"faceIndex", f.face_index},
                       {"box", box_json(f.box)}, {"confidence", f.confidence}, {"thumbUrl", thumb_url(f.thumb_key)},
                       {"photoUrl", "/api/photos/" + f.photo_id + "/image"}});
    out["faces"] = faces;
    send_json(res, out);
  }));

  server.Patch(R"(/api/people/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = person_id(req.matches[1]);
    const json body = body_object(req);
    if (!body.contains("name") && !body.contains("hidden") && !body.contains("coverFaceId"))
      throw Error(ErrorKind::InvalidParameter, "give name, hidden and/or coverFaceId");
    if (body.contains("hidden") && !body["hidden"].is_boolean())
      throw Error(ErrorKind::InvalidParameter, "hidden must be true or false");
    People::Update update;
    if (body.contains("name")) {
      update.name = body["name"].is_string() ? body["name"].get<std::string>() : std::string(1, '\0');
      const bool valid = update.name->size() <= kMaxNameLength &&
                         std::none_of(update.name->begin(), update.name->end(),
                                      [](char c) { return static_cast<unsigned char>(c) < 32; });
      if (!valid) throw Error(ErrorKind::InvalidParameter, "name must be a string of at most 200 bytes without control characters");
    }
    if (body.contains("hidden")) update.hidden = body["hidden"].get<bool>();
    if (body.contains("coverFaceId")) update.cover_face_id = face_id(required_string(body, "coverFaceId"));
    send_json(res, person_json(people_.update(id, update)));
  }));

  server.Post(R"(/api/people/([^/]+)/merge)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = person_id(req.matches[1]);
    const json body = body_object(req);
    if (!body.contains("personIds") || !body["personIds"].is_array() || body["personIds"].empty())
      throw Error(ErrorKind::InvalidParameter, "personIds must be a non-empty list of the persons to merge in");
    std::vector<std::string> others;
    for (const auto& other : body["personIds"]) {
      if (!other.is_string()) throw Error(ErrorKind::InvalidParameter, "personIds must hold strings");
      others.push_back(person_id(other.get<std::string>()));
    }
    send_json(res, person_json(people_.merge(id, others)));
  }));

  server.Post(R"(/api/faces/([^/]+)/move)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = face_id(req.matches[1]);
    const json body = body_object(req);
    std::string target;
    if (body.contains("personId")) {
      if (!body["personId"].is_string()) throw Error(ErrorKind::InvalidParameter, "personId must be a string");
      target = person_id(body["personId"].get<std::string>());
    }
    send_json(res, {{"faceId", id}, {"personId", people_.move_face(id, target)}});
  }));

  server.Delete(R"(/api/faces/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = face_id(req.matches[1]);
    people_.delete_face(id);
    res.status = 204;
  }));

  server.Post(R"(/api/people/([^/]+)/not-same)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = person_id(req.matches[1]);
    const std::string other = person_id(required_string(body_object(req), "personId"));
    people_.keep_apart(id, other);
    send_json(res, {{"personId", id}, {"notSameAs", other}});
  }));

  server.Post(R"(/api/faces/([^/]+)/not-person)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = face_id(req.matches[1]);
    const std::string person = person_id(required_string(body_object(req), "personId"));
    send_json(res, {{"faceId", id}, {"personId", people_.not_this_person(id, person)}});
  }));

  server.Post("/api/photos", guarded([this](const httplib::Request& req, httplib::Response& res) {
    if (!req.is_multipart_form_data() || req.files.empty())
      throw Error(ErrorKind::InvalidParameter, "send photos as multipart/form-data file fields");
    std::vector<IngestQueue::Upload> uploads;
    for (const auto& [field, file] : req.files) uploads.push_back({file.filename, file.content});
    const auto queued = queue_.enqueue_uploads(uploads);
    json photos = json::array();
    for (size_t i = 0; i < queued.size(); ++i)
      photos.push_back({{"photoId", queued[i].photo_id}, {"filename", uploads[i].filename}, {"key", queued[i].key},
                        {"outcome", queued[i].outcome}});
    send_json(res, {{"photos", photos}}, 202);
  }));

  server.Get("/api/photos", guarded([this](const httplib::Request& req, httplib::Response& res) {
    std::vector<std::string> persons;
    const std::string list = req.get_param_value("people");
    for (size_t start = 0, end; start < list.size(); start = end + 1) {
      end = std::min(list.find(',', start), list.size());
      persons.push_back(person_id(list.substr(start, end - start)));
    }
    if (persons.empty() || persons.size() > 20)
      throw Error(ErrorKind::InvalidParameter, "people must list 1 to 20 personIds, separated by commas");
    const long offset = number(req, "offset", 0, 100000000), limit = number(req, "limit", 100, 1000);
    const auto page = people_.photos_with(persons, offset, limit);
    json photos = json::array();
    for (const auto& row : page.photos) photos.push_back(photo_json(row));
    send_json(res, {{"photos", photos}, {"total", page.total}, {"offset", offset}, {"limit", limit}});
  }));

  server.Get(R"(/api/photos/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = photo_id(req.matches[1]);
    const auto row = photos_.get(id);
    if (!row) throw Error(ErrorKind::NotFound, "photo " + id + " does not exist");
    send_json(res, photo_json(*row));
  }));

  server.Post(R"(/api/photos/([^/]+)/faces)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = photo_id(req.matches[1]);
    const json body = body_object(req);
    const json& box = body.contains("box") ? body["box"] : json();
    auto ratio = [&](const char* name) {
      if (!box.is_object() || !box.contains(name) || !box[name].is_number())
        throw Error(ErrorKind::InvalidParameter, "box must hold left, top, width and height as ratios of the photo");
      return box[name].get<float>();
    };
    const FaceRecord face = pipeline_.add_drawn_face(id, {ratio("left"), ratio("top"), ratio("width"), ratio("height")});
    send_json(res, {{"faceId", face.face_id}, {"faceIndex", face.face_index}, {"personId", face.person_id},
                    {"thumbUrl", thumb_url(face.thumb_key)}}, 201);
  }));

  server.Get(R"(/api/photos/([^/]+)/image)", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const auto row = photos_.get(photo_id(req.matches[1]));
    if (!row) throw Error(ErrorKind::NotFound, "photo does not exist");
    send_object(req, res, displayable(objects_.get(row->bucket, row->key)));
  }));

  server.Delete(R"(/api/photos/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
    people_.delete_photo(photo_id(req.matches[1]));
    res.status = 204;
  }));

  server.Get(R"(/thumbs/(.+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
    const std::string key = req.matches[1];
    validate_key(key);
    if (key.rfind(config_.thumbs_prefix, 0) != 0) throw Error(ErrorKind::NotFound, "not a thumbnail key");
    send_object(req, res, objects_.get(config_.thumbs_bucket, key));
  }));

  for (const auto& asset : kWebAssets) {
    const std::string path = asset.path;
    server.Get(path == "/index.html" ? "/" : path, [asset](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(std::string(asset.data, asset.size), asset.content_type);
    });
  }
}

}  // namespace beetroot
