#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <stop_token>
#include <thread>

#include "api/access_keys.h"
#include "api/server.h"
#include "cli/common.h"
#include "cli/shutdown.h"

namespace beetroot::cli {
namespace {

struct ServeArgs {
  ServerOptions server;
  WorkerOptions ingest;  // threads 0: only enqueue, for `beetroot worker` processes to ingest
  std::string models;
  size_t threads = 0;
  double header_seconds = 10, request_seconds = 60, idle_seconds = 10;
};

std::chrono::milliseconds milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// The People page's questions, found while the server starts, so that the first ask after a start
// is answered at once (over 10,000 people the search takes seconds).
void prepare_questions(Stores& stores, const std::stop_token& stop) {
  try {
    const auto start = std::chrono::steady_clock::now();
    stores.questions->prepare(stop);
    if (!stop.stop_requested())
      spdlog::info("Questions: found in {:.1f} s",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  } catch (const std::exception& e) {
    spdlog::warn("Questions: not found ahead ({}); the first ask looks again", e.what());
  }
}

void run_serve(ServeArgs args) {
  configure_logging(false);
  args.server.connections.header_time = milliseconds(args.header_seconds);
  args.server.connections.request_time = milliseconds(args.request_seconds);
  args.server.connections.idle_time = milliseconds(args.idle_seconds);

  const Settings config = Settings::from_environment();
  args.server.events_token = config.events_token;
  FaceEngine engine(ingest_engine_options(args.models, args.threads, config, 1));
  Stores stores = Stores::open(config);
  const auto snapshots = periodic_snapshots(stores);
  Ingestion ingestion(stores, engine, args.ingest);
  Server server(args.server, engine, stores, ingestion, load_access_keys(config.data_dir, config.access_keys),
                load_api_token(config.data_dir, config.api_token));
  const int port = server.bind();
  ShutdownOnSignal shutdown([&server] { server.stop(); });
  std::jthread preparing_questions([&stores](std::stop_token stop) { prepare_questions(stores, stop); });
  spdlog::info("Server: listening on http://{}:{}", args.server.host, port);
  std::cout << "listening on http://" << args.server.host << ":" << port << std::endl;
  server.run();
  preparing_questions.request_stop();  // a search under way stops within a person
  preparing_questions.join();
  stores.collections->save_snapshots();
  spdlog::info("Server: stopped");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  auto* serve = app.add_subcommand("serve", "Serve the cloud face API, S3 event notifications, /healthz and /metrics");
  serve->add_option("--host", args->server.host, "Address to listen on")->capture_default_str();
  serve->add_option("--port", args->server.port, "Port to listen on (0: any free port)")->capture_default_str();
  serve->add_option("--http-threads", args->server.threads, "Requests handled at once, once all their bytes arrived")
      ->capture_default_str();
  serve->add_option("--max-inference-per-client", args->server.max_inference_per_client,
                    "Face API calls on images in progress for one access key; more get ThrottlingException")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  auto& limits = args->server.connections;
  serve->add_option("--max-connections", limits.max_connections, "Connections open at once; more get 503 Retry-After")
      ->capture_default_str();
  serve->add_option("--max-connections-per-client", limits.max_per_client, "Connections open at once from one address")
      ->capture_default_str();
  serve->add_option("--header-seconds", args->header_seconds, "Time a request's head may take to arrive (408 after)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve->add_option("--request-seconds", args->request_seconds, "Time a request's body, and the response, may take")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve->add_option("--idle-seconds", args->idle_seconds, "Time a kept-alive connection may wait for its next request")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve->add_option("--ingest-workers", args->ingest.threads,
                    "Photos ingested at once (0: only enqueue, for `beetroot worker` processes)")
      ->capture_default_str();
  serve->add_option("--max-body-bytes", args->server.max_body_bytes, "Largest upload accepted")
      ->capture_default_str();
  serve->add_option("--models", args->models, "Folder with the face-api weights");
  serve->add_option("--threads", args->threads, "Inference threads (0: all cores)");
  serve->callback([args] { run_guarded([&] { run_serve(*args); }); });
}

}  // namespace beetroot::cli
