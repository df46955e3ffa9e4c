#pragma once
#include <CLI/CLI.hpp>

namespace beetroot::cli {

void add_face_commands(CLI::App& app);  // detect, embed
int exit_code();                        // set by the subcommand that ran

}  // namespace beetroot::cli
