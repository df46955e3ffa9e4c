#pragma once
#include <CLI/CLI.hpp>

namespace beetroot::cli {

void add_face_commands(CLI::App& app);  // detect, embed
void add_eval_commands(CLI::App& app);  // eval lfw
void add_ingest_commands(CLI::App& app);  // ingest, handle-event, photos, people
void add_library_commands(CLI::App& app);  // library add, list, remove, scan
void add_serve_command(CLI::App& app);    // serve
void add_settings_command(CLI::App& app);  // settings
void add_worker_command(CLI::App& app);   // worker

int exit_code();  // set by the subcommand that ran
void set_exit_code(int code);

}  // namespace beetroot::cli
