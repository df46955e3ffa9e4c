#pragma once
// What every subcommand shares: logging set-up and turning errors into an exit status.
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/settings.h"
#include "app/stores.h"
#include "base/error.h"
#include "cli/commands.h"
#include "collection/periodic_snapshots.h"
#include "inference/face_engine.h"

namespace beetroot::cli {

// Logs go to stderr, one plain line each, in the shape users grep for.
void configure_logging(bool quiet);

// The weights folder: `--models` where given, else the settings' (BEETROOT_MODELS ...).
std::filesystem::path model_dir(const std::string& models_flag);

// The engine as ingestion runs it: faces down to DETECT_MIN_FACE_PIXELS found.
// The engine for `photos_at_once` photos in flight (a server: 1, each request on all free cores).
EngineOptions ingest_engine_options(const std::string& models, size_t threads, const Settings& config,
                                    size_t photos_at_once);

// Saves the index snapshots that changed every SNAPSHOT_MINUTES while a command runs.
PeriodicSnapshots periodic_snapshots(Stores& stores);

// Runs a command body, turning errors into a message and exit status 2.
template <typename F>
void run_guarded(F body) {
  try {
    body();
  } catch (const Error& e) {
    std::fprintf(stderr, "beetroot: %s\n", e.what());
    set_exit_code(2);
  } catch (const std::filesystem::filesystem_error& e) {
    std::fprintf(stderr, "beetroot: %s\n", e.what());
    set_exit_code(2);
  }
}

}  // namespace beetroot::cli
