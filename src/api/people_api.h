#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "app/settings.h"
#include "ingest/ingest_queue.h"
#include "people/people.h"

namespace httplib {
class Server;
}

namespace beetroot {

// The People REST API under /api/, thumbnails under /thumbs/, and the People page at /.
// Every /api/ and /thumbs/ request carries the API token, `Authorization: Bearer <token>`, or the
// session cookie `POST /api/login` sets for the page (so that <img> requests carry it too).
class PeopleApi {
 public:
  PeopleApi(People& people, PhotoTable& photos, ObjectStore& objects, IngestQueue& queue, Pipeline& pipeline,
            const Settings& config, std::string token);
  void add_routes(httplib::Server& server);
  // The API token from `Authorization: Bearer`, or the page's session cookie.
  bool authorized(const std::string& authorization, const std::string& cookies) const;
  // Paths that need no credentials: signing in and out.
  static bool is_sign_in(const std::string& path);
  // The body a refused request gets.
  static std::string unauthorized_json();

 private:
  // A photo's row with its faces and their persons.
  nlohmann::json photo_json(const PhotoRow& row) const;
  People& people_;
  PhotoTable& photos_;
  ObjectStore& objects_;
  IngestQueue& queue_;
  Pipeline& pipeline_;  // files the faces users draw
  const Settings& config_;
  std::string token_;
  std::string session_;  // the session cookie's value, derived from the token
};

}  // namespace beetroot
