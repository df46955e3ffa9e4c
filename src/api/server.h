#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/guarded_http_server.h"
#include "api/metrics.h"
#include "api/sigv4.h"
#include "app/ingestion.h"

namespace beetroot {

class FaceEngine;
class PeopleApi;
class QuestionsApi;
namespace face_api {
class FaceApi;
}

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless the user decides otherwise
  int port = 8080;                 // 0: any free port
  size_t threads = 32;             // requests handled at once (their bytes all arrived)
  size_t max_body_bytes = 64 << 20;     // a photo uploaded to /api/photos
  size_t max_api_body_bytes = 8 << 20;  // a face API request: a 5 MB image is 6.7 MB of base64
  ConnectionLimits connections;
  size_t max_inference_per_client = 16;  // face API calls on an image in flight for one access key
  std::string events_token;  // BEETROOT_EVENTS_TOKEN: a bearer token /events/s3 also accepts
};

// `beetroot serve`: the cloud face API (POST /, SigV4-signed), S3 event notifications
// (POST /events/s3), the People API (/api/, token) and page (/), /healthz and /metrics, over the
// same stores as `beetroot ingest`. Photos uploaded or announced go to `ingestion`'s queue.
class Server {
 public:
  Server(ServerOptions options, FaceEngine& engine, Stores& stores, Ingestion& ingestion, AccessKeys keys,
         std::string api_token);
  ~Server();

  int bind();   // returns the port listened on
  void run();   // serves until stop(); then finishes in-flight requests and photos
  void stop();  // safe from any thread

 private:
  void handle_face_api(const httplib::Request& request, httplib::Response& response);
  void handle_s3_events(const httplib::Request& request, httplib::Response& response);
  void handle_health(httplib::Response& response);
  // Requests without credentials, answered before their body is read.
  std::optional<EarlyAnswer> refused_before_body(const std::string& path, const HeaderLookup& header) const;
  // A slot for one more inference call of `client`, or false when it has as many as allowed.
  bool start_inference(const std::string& client);
  void end_inference(const std::string& client);
  std::optional<AuthFailure> authenticate(const httplib::Request& request, const std::string& service) const;
  void observe(const std::string& operation, int status, std::chrono::steady_clock::time_point start);

  ServerOptions options_;
  Stores& stores_;
  AccessKeys keys_;
  Metrics metrics_;
  std::unique_ptr<face_api::FaceApi> api_;
  IngestQueue& queue_;
  std::unique_ptr<PeopleApi> people_api_;
  std::unique_ptr<QuestionsApi> questions_api_;
  std::unique_ptr<GuardedHttpServer> http_;
  std::mutex inference_mutex_;
  std::map<std::string, size_t> inference_in_flight_;  // by access key id
};

}  // namespace beetroot
