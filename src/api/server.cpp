#include "api/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <set>

#include "api/face_api/face_api.h"
#include "api/people_api.h"
#include "api/questions_api.h"
#include "base/json_text.h"
#include "ingest/ingest_queue.h"
#include "ingest/pipeline.h"
#include "ingest/s3_event.h"

namespace beetroot {
namespace {

constexpr const char* kJson11 = "application/x-amz-json-1.1";
constexpr const char* kTargetPrefix = "RekognitionService.";

SignedRequest signed_request(const httplib::Request& r) {
  SignedRequest s{r.method, r.path, {}, {r.headers.begin(), r.headers.end()}, r.body};
  for (const auto& [name, value] : r.params) s.query.push_back({name, value});
  return s;
}

void send_error(httplib::Response& response, const std::string& type, int status, const std::string& message) {
  response.status = status;
  response.set_content(json_text(nlohmann::json{{"__type", type}, {"Message", message}}), kJson11);
}

}  // namespace

Server::Server(ServerOptions options, FaceEngine& engine, Stores& stores, Ingestion& ingestion, AccessKeys keys,
               std::string api_token)
    : options_(std::move(options)), stores_(stores), keys_(std::move(keys)), queue_(ingestion.queue) {
  api_ = std::make_unique<face_api::FaceApi>(engine, *stores_.collections, *stores_.objects, stores_.config);
  people_api_ = std::make_unique<PeopleApi>(*stores_.people, *stores_.photos, *stores_.objects, queue_, ingestion.pipeline,
                                            stores_.config, std::move(api_token));
  questions_api_ = std::make_unique<QuestionsApi>(*stores_.questions, *stores_.people);
  http_ = std::make_unique<GuardedHttpServer>(options_.connections, options_.threads, options_.max_body_bytes,
                                              [this](const std::string& reason) { metrics_.refused(reason); });

  metrics_.add_value("beetroot_ingest_queue_depth", "gauge", "Photos queued or being ingested, by every worker of the database.",
                     [this] { return static_cast<double>(queue_.depth()); });
  metrics_.add_value("beetroot_photos_ingested_total", "counter", "Photos this process's ingestion threads have processed.",
                     [this] { return static_cast<double>(queue_.processed()); });
  metrics_.add_value("beetroot_faces_indexed_total", "counter", "Faces indexed by IndexFaces and by ingestion.",
                     [this] { return static_cast<double>(api_->faces_indexed() + queue_.faces_filed()); });
  metrics_.add_value("beetroot_repeated_requests_total", "counter",
                     "Retried requests answered with their first answer instead of being done again.",
                     [this] { return static_cast<double>(api_->repeated_requests()); });

  http_->set_head_check([this](const std::string&, const std::string& path, const HeaderLookup& header) {
    return refused_before_body(path, header);
  });
  http_->Post("/", [this](const auto& req, auto& res) { handle_face_api(req, res); });
  http_->Post("/events/s3", [this](const auto& req, auto& res) { handle_s3_events(req, res); });
  people_api_->add_routes(*http_);
  questions_api_->add_routes(*http_);
  http_->Get("/healthz", [this](const auto&, auto& res) { handle_health(res); });
  http_->Get("/metrics", [this](const auto&, auto& res) {
    res.set_content(metrics_.prometheus_text(), "text/plain; version=0.0.4");
  });
  http_->set_exception_handler([](const auto&, auto& res, std::exception_ptr e) {
    std::string message = "unexpected error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      message = ex.what();
    }
    spdlog::error("Server: {}", message);
    send_error(res, "InternalServerError", 500, message);
  });
  // httplib answers an oversized body with 413 before any handler runs; give it a body clients read.
  http_->set_error_handler([](const auto&, auto& res) {
    if (res.status == 413 && res.body.empty())
      send_error(res, "RequestTooLarge", 413, "request body is larger than the server accepts (--max-body-bytes)");
  });
}

Server::~Server() { stop(); }

int Server::bind() {
  if (options_.port == 0) {
    const int port = http_->bind_to_any_port(options_.host);
    if (port < 0) throw Error(ErrorKind::Internal, "cannot listen on " + options_.host);
    options_.port = port;
  } else if (!http_->bind_to_port(options_.host, options_.port)) {
    throw Error(ErrorKind::Internal, "cannot listen on " + options_.host + ":" + std::to_string(options_.port));
  }
  http_->widen_backlog();
  queue_.queue_pending();
  return options_.port;
}

void Server::run() {
  http_->listen_after_bind();
  http_->close_connections();
  spdlog::info("Server: stopped accepting; finishing photos in progress");
  queue_.stop();
}

void Server::stop() { http_->stop(); }

std::optional<EarlyAnswer> Server::refused_before_body(const std::string& path, const HeaderLookup& header) const {
  const std::string authorization = header("authorization").value_or("");
  if (path.rfind("/api/", 0) == 0) {
    if (PeopleApi::is_sign_in(path) || people_api_->authorized(authorization, header("cookie").value_or(""))) return std::nullopt;
    return EarlyAnswer{401, "unauthenticated", PeopleApi::unauthorized_json()};
  }
  if (path != "/" && path != "/events/s3") return std::nullopt;
  if (path == "/events/s3" && !options_.events_token.empty() && authorization == "Bearer " + options_.events_token)
    return std::nullopt;
  auto error = [](const std::string& type, const std::string& message) {
    return nlohmann::json{{"__type", type}, {"Message", message}}.dump();
  };
  if (authorization.empty())
    return EarlyAnswer{403, "unauthenticated", error("MissingAuthenticationTokenException", "Missing Authentication Token")};
  if (names_unknown_key(authorization, keys_))
    return EarlyAnswer{400, "unauthenticated",
                       error("UnrecognizedClientException", "The security token included in the request is invalid.")};
  return std::nullopt;
}

std::optional<AuthFailure> Server::authenticate(const httplib::Request& request, const std::string& service) const {
  return verify_sigv4(signed_request(request), keys_, std::chrono::system_clock::now(), service);
}

void Server::observe(const std::string& operation, int status, std::chrono::steady_clock::time_point start) {
  if (status == -1) status = 200;  // httplib's "not set yet", which it sends as 200
  metrics_.observe(operation, status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

bool Server::start_inference(const std::string& client) {
  std::lock_guard lock(inference_mutex_);
  size_t& in_flight = inference_in_flight_[client];
  if (in_flight >= options_.max_inference_per_client) return false;
  ++in_flight;
  return true;
}

void Server::end_inference(const std::string& client) {
  std::lock_guard lock(inference_mutex_);
  if (--inference_in_flight_[client] == 0) inference_in_flight_.erase(client);
}

void Server::handle_face_api(const httplib::Request& request, httplib::Response& response) {
  const auto start = std::chrono::steady_clock::now();
  const std::string target = request.get_header_value("X-Amz-Target");
  const std::string operation =
      target.rfind(kTargetPrefix, 0) == 0 ? target.substr(std::strlen(kTargetPrefix)) : std::string();
  const std::string label = api_->knows(operation) ? operation : "unknown";
  response.set_header("x-amzn-RequestId", random_uuid());
  if (request.body.size() > options_.max_api_body_bytes) {
    send_error(response, "ImageTooLargeException", 413, "request body is larger than " +
                                                            std::to_string(options_.max_api_body_bytes) + " bytes");
    return observe(label, response.status, start);
  }
  if (auto failure = authenticate(request, "rekognition")) {
    spdlog::warn("Auth: refused {}: {}", label, failure->message);
    send_error(response, failure->type, failure->status, failure->message);
    return observe(label, response.status, start);
  }
  // Calls on an image run the nets: one client may not queue more of them than its share.
  static const std::set<std::string> kOnImages = {"DetectFaces", "IndexFaces", "SearchFacesByImage", "CompareFaces",
                                                  "SearchUsersByImage"};
  const std::string client = access_key_of(request.get_header_value("Authorization")).value_or("");
  const bool on_image = kOnImages.count(operation) > 0;
  if (on_image && !start_inference(client)) {
    metrics_.refused("inference_per_client");
    send_error(response, "ThrottlingException", 400,
               "Rate exceeded: this access key has " + std::to_string(options_.max_inference_per_client) +
                   " calls on images in progress (--max-inference-per-client)");
    return observe(label, response.status, start);
  }
  struct Slot {
    Server* server;
    const std::string& client;
    bool held;
    ~Slot() {
      if (held) server->end_inference(client);
    }
  } slot{this, client, on_image};
  try {
    nlohmann::json body;
    try {
      body = nlohmann::json::parse(request.body.empty() ? "{}" : request.body);
    } catch (const nlohmann::json::exception& e) {
      throw face_api::ApiError("SerializationException", 400, std::string("request body is not JSON: ") + e.what());
    }
    response.set_content(json_text(api_->call(operation, body)), kJson11);
  } catch (const face_api::ApiError& e) {
    send_error(response, e.type(), e.status(), e.what());
  }
  observe(label, response.status, start);
}

void Server::handle_s3_events(const httplib::Request& request, httplib::Response& response) {
  const auto start = std::chrono::steady_clock::now();
  const bool bearer_ok = !options_.events_token.empty() &&
                         request.get_header_value("Authorization") == "Bearer " + options_.events_token;
  if (!bearer_ok) {
    if (auto failure = authenticate(request, "")) {
      send_error(response, failure->type, failure->status, failure->message);
      return observe("S3Event", response.status, start);
    }
  }
  try {
    nlohmann::json queued = nlohmann::json::array();
    for (const auto& ref : parse_s3_event(request.body)) {
      const auto result = queue_.enqueue(ref.bucket, ref.key);
      queued.push_back({{"bucket", ref.bucket}, {"key", ref.key}, {"photoId", result.photo_id}, {"outcome", result.outcome}});
    }
    response.set_content(json_text(nlohmann::json{{"photos", queued}}), "application/json");
  } catch (const Error& e) {
    const auto api_error = face_api::api_error_for(e);
    send_error(response, api_error.type(), api_error.status(), e.what());
  }
  observe("S3Event", response.status, start);
}

void Server::handle_health(httplib::Response& response) {
  response.set_content(nlohmann::json{{"status", "ok"},
                                      {"collection", stores_.collection->id()},
                                      {"indexedFaces", stores_.collection->indexed_faces()},
                                      {"queueDepth", queue_.depth()}}
                           .dump(),
                       "application/json");
}

}  // namespace beetroot
