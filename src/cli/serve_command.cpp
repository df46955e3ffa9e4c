#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "api/access_keys.h"
#include "api/server.h"
#include "cli/common.h"

namespace beetroot::cli {
namespace {

struct ServeArgs {
  ServerOptions server;
  std::string models;
  size_t threads = 0;
};

sigset_t shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

// SIGTERM and SIGINT, blocked in every thread, are taken by one thread, which stops the server:
// in-flight requests and photos finish, and queued photos stay pending for the next start.
class ShutdownOnSignal {
 public:
  explicit ShutdownOnSignal(Server& server) : signals_(shutdown_signals()) {
    waiter_ = std::thread([this, &server] {
      int signal = 0;
      sigwait(&signals_, &signal);
      if (!done_) spdlog::info("Server: signal {} received; shutting down", signal);
      server.stop();
    });
  }
  ~ShutdownOnSignal() {
    done_ = true;
    pthread_kill(waiter_.native_handle(), SIGTERM);
    waiter_.join();
  }

 private:
  sigset_t signals_;
  std::atomic<bool> done_{false};
  std::thread waiter_;
};

void run_serve(ServeArgs args) {
  configure_logging(false);
  // Blocked before any thread starts, so that every thread inherits the mask.
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const IngestConfig config = IngestConfig::from_environment();
  if (const char* token = std::getenv("BEETROOT_EVENTS_TOKEN")) args.server.events_token = token;
  FaceEngine engine(ingest_engine_options(args.models, args.threads, config));
  Stores stores = Stores::open(config);
  Server server(args.server, engine, stores, load_access_keys(config.data_dir), load_api_token(config.data_dir));
  const int port = server.bind();
  ShutdownOnSignal shutdown(server);
  spdlog::info("Server: listening on http://{}:{}", args.server.host, port);
  std::cout << "listening on http://" << args.server.host << ":" << port << std::endl;
  server.run();
  spdlog::info("Server: stopped");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  auto* serve = app.add_subcommand("serve", "Serve the cloud face API, S3 event notifications, /healthz and /metrics");
  serve->add_option("--host", args->server.host, "Address to listen on")->capture_default_str();
  serve->add_option("--port", args->server.port, "Port to listen on (0: any free port)")->capture_default_str();
  serve->add_option("--http-threads", args->server.threads, "Connections served at once")->capture_default_str();
  serve->add_option("--ingest-workers", args->server.ingest_workers, "Photos ingested at once")->capture_default_str();
  serve->add_option("--max-body-bytes", args->server.max_body_bytes, "Largest upload accepted")
      ->capture_default_str();
  serve->add_option("--models", args->models, "Folder with the face-api weights");
  serve->add_option("--threads", args->threads, "Inference threads (0: all cores)");
  serve->callback([args] { run_guarded([&] { run_serve(*args); }); });
}

}  // namespace beetroot::cli
