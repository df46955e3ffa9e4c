#pragma once
#include <string>

#include "ingest/ingest_queue.h"
#include "people/people.h"

namespace httplib {
class Server;
}

namespace beetroot {

// The People REST API under /api/, thumbnails under /thumbs/, and the People page at /.
// Every /api/ and /thumbs/ request carries the API token: `Authorization: Bearer <token>` or the
// cookie `beetroot_token` (which the page sets, so that <img> requests carry it too).
class PeopleApi {
 public:
  PeopleApi(People& people, PhotoTable& photos, ObjectStore& objects, IngestQueue& queue, const IngestConfig& config,
            std::string token);
  void add_routes(httplib::Server& server);
  // The API token, from `Authorization: Bearer` or the page's cookie.
  bool authorized(const std::string& authorization, const std::string& cookies) const;
  // The body a refused request gets.
  static std::string unauthorized_json();

 private:
  People& people_;
  PhotoTable& photos_;
  ObjectStore& objects_;
  IngestQueue& queue_;
  const IngestConfig& config_;
  std::string token_;
};

}  // namespace beetroot
