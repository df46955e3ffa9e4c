#include "cli/common.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace beetroot::cli {

void configure_logging(bool quiet) {
  static bool done = false;
  if (!done) {
    auto logger = spdlog::stderr_logger_mt("beetroot");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
    spdlog::set_default_logger(logger);
    done = true;
  }
  spdlog::set_level(quiet ? spdlog::level::warn : spdlog::level::info);
}

PeriodicSnapshots periodic_snapshots(Stores& stores) {
  const auto minutes = std::chrono::duration<double, std::ratio<60>>(stores.config.snapshot_minutes);
  return PeriodicSnapshots(*stores.collections, std::chrono::duration_cast<std::chrono::milliseconds>(minutes));
}

std::filesystem::path model_dir(const std::string& models_flag) {
  return models_flag.empty() ? default_model_dir() : std::filesystem::path(models_flag);
}

EngineOptions ingest_engine_options(const std::string& models, size_t threads, const Settings& config,
                                    size_t photos_at_once) {
  EngineOptions o;
  o.model_dir = models.empty() ? config.models_dir : std::filesystem::path(models);
  o.threads = threads;
  o.min_face_pixels = config.detect_min_face_pixels;
  o.decode.max_pixels = static_cast<uint64_t>(config.max_megapixels) * 1'000'000;
  // A photo in flight per core, each on its own core, files 8 % more photos/s than all sharing
  // every core (bench/results/2026-12-01-speed.md); fewer photos take the free cores.
  const size_t cores = threads > 0 ? threads : static_cast<size_t>(available_cores());
  o.cores_per_call = photos_at_once >= cores ? 1 : 0;
  return o;
}

}  // namespace beetroot::cli
