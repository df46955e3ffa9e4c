// beetroot settings: every setting with the value it has in this environment, its default and its
// meaning; --markdown prints the table of docs/commands.md instead.
#include <iostream>

#include "app/settings.h"
#include "cli/commands.h"
#include "cli/common.h"

namespace beetroot::cli {
namespace {

void print_settings(bool markdown) {
  if (markdown) {
    std::cout << settings_markdown();
    return;
  }
  const Settings settings = Settings::from_environment();
  for (const auto& entry : settings_table())
    std::cout << entry.name << "=" << entry.show(settings) << "\n    default " << entry.shown_default() << ": "
              << entry.meaning << "\n";
}

}  // namespace

void add_settings_command(CLI::App& app) {
  auto* command = app.add_subcommand("settings", "Print every setting: its value here, its default and its meaning");
  auto markdown = std::make_shared<bool>(false);
  command->add_flag("--markdown", *markdown, "The table of docs/commands.md instead");
  command->callback([markdown] { run_guarded([&] { print_settings(*markdown); }); });
}

}  // namespace beetroot::cli
