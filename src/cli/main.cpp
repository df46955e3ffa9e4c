#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"

int main(int argc, char** argv) {
  // Logs go to stderr, warnings only, unless a command asks for more: stdout carries the JSON
  // that `photos`, `people`, `detect` ... print.
  beetroot::cli::configure_logging(true);
  CLI::App app{"beetroot: self-hosted face indexing"};
  app.require_subcommand(1);
  beetroot::cli::add_face_commands(app);
  beetroot::cli::add_eval_commands(app);
  beetroot::cli::add_ingest_commands(app);
  beetroot::cli::add_library_commands(app);
  beetroot::cli::add_serve_command(app);
  beetroot::cli::add_settings_command(app);
  beetroot::cli::add_worker_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return beetroot::cli::exit_code();
}
