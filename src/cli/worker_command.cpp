#include <spdlog/spdlog.h>

#include "app/ingestion.h"
#include "cli/common.h"
#include "cli/shutdown.h"

namespace beetroot::cli {
namespace {

struct WorkerArgs {
  WorkerOptions worker;
  std::string models;
  size_t threads = 0;
};

void run_worker(const WorkerArgs& args) {
  configure_logging(false);
  const Settings config = Settings::from_environment();
  FaceEngine engine(ingest_engine_options(args.models, args.threads, config, args.worker.threads));
  Stores stores = Stores::open(config);
  const auto snapshots = periodic_snapshots(stores);
  Ingestion ingestion(stores, engine, args.worker);
  IngestQueue& queue = ingestion.queue;
  queue.queue_pending();
  ShutdownOnSignal shutdown([&queue] { queue.stop(); });
  spdlog::info("Worker: ingesting from {} with {} threads", stores.database->describe(), args.worker.threads);
  queue.wait();
  stores.collections->save_snapshots();
  spdlog::info("Worker: stopped after {} photos ({} failed)", queue.processed(), queue.failed());
  if (queue.failed() > 0) set_exit_code(1);
}

}  // namespace

void add_worker_command(CLI::App& app) {
  auto args = std::make_shared<WorkerArgs>();
  auto* worker = app.add_subcommand(
      "worker", "Ingest photos from the database's job queue (queued by serve, ingest --queue or events)");
  worker->add_option("--jobs", args->worker.threads, "Photos ingested at once")->capture_default_str()->check(CLI::Range(1, 256));
  worker->add_option("--lease-seconds", args->worker.lease_seconds,
                     "How long a photo stays with a worker that stopped answering")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  worker->add_option("--poll-seconds", args->worker.poll_seconds, "How often an idle worker looks for photos")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 3600.0));
  worker->add_flag("--until-empty", args->worker.exit_when_idle, "Exit once the queue is empty");
  worker->add_option("--models", args->models, "Folder with the face-api weights");
  worker->add_option("--threads", args->threads, "Inference threads (0: all cores)");
  worker->callback([args] { run_guarded([&] { run_worker(*args); }); });
}

}  // namespace beetroot::cli
