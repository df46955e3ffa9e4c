// `beetroot library`: photo folders indexed where they lie, kept in sync by scans or a watch.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/error.h"
#include "base/json_text.h"
#include "cli/common.h"
#include "cli/shutdown.h"
#include "ingest/folder_watch.h"
#include "ingest/library_scan.h"

namespace beetroot::cli {
namespace {

struct ScanArgs {
  std::vector<std::string> names;
  std::string models;
  size_t workers = std::max(1u, std::thread::hardware_concurrency());
  size_t threads = 0;
  bool queue_only = false, accept_empty = false, watch = false;
};

void add_library(const std::string& name, const std::string& path) {
  const Settings config = Settings::from_environment();
  validate_bucket(name);
  if (name == config.raw_bucket || name == config.thumbs_bucket)
    throw Error(ErrorKind::InvalidParameter, "'" + name + "' is beetroot's own bucket (RAW_BUCKET or THUMBS_BUCKET); pick another name");
  std::error_code error;
  const auto root = std::filesystem::canonical(path, error);
  if (error || !std::filesystem::is_directory(root)) throw Error(ErrorKind::InvalidParameter, path + " is not a folder");
  Stores storage = Stores::open(config);
  storage.libraries->add({name, root.string(), utc_now_iso8601()});
  std::cout << json_text(nlohmann::ordered_json{{"library", name}, {"root", root.string()}}) << "\n";
}

void list_libraries() {
  Stores storage = Stores::open(Settings::from_environment());
  for (const auto& l : storage.libraries->list())
    std::cout << json_text(nlohmann::ordered_json{{"library", l.name}, {"root", l.root}, {"addedAt", l.added_at},
                                                  {"files", storage.libraries->files(l.name).size()}})
              << "\n";
}

// Forgets a library and everything filed from it; its files stay as they are.
void remove_library(const std::string& name) {
  Stores storage = Stores::open(Settings::from_environment());
  if (!storage.libraries->get(name)) throw Error(ErrorKind::NotFound, "no library named '" + name + "'");
  size_t removed = 0;
  for (const auto& f : storage.libraries->files(name))
    if (storage.photos->get(f.photo_id)) storage.people->delete_photo(f.photo_id), ++removed;
  storage.libraries->remove(name);
  std::cout << json_text(nlohmann::ordered_json{{"library", name}, {"photosRemoved", removed}}) << "\n";
}

// One line on a terminal while photos are filed: how far, how fast, how long still.
class ScanProgress {
 public:
  explicit ScanProgress(std::string name) : name_(std::move(name)), terminal_(isatty(STDERR_FILENO)) {}
  void operator()(const ScanReport& r) {
    if (!terminal_) return;
    std::lock_guard lock(mutex_);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = seconds > 0 ? r.filed / seconds : 0;
    const double eta = rate > 0 ? (r.to_file - r.filed) / rate : 0;
    std::fprintf(stderr, "\r\033[K%s: %zu/%zu photos filed, %zu failed, %.2f photos/s, ETA %.0f min", name_.c_str(), r.filed,
                 r.to_file, r.failures.size(), rate, eta / 60);
  }
  void finish() {
    if (terminal_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  std::string name_;
  bool terminal_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void print_report(const std::string& name, const ScanReport& r, double seconds) {
  for (const auto& f : r.failures) std::cerr << "beetroot: " << name << "/" << f.path << ": " << f.reason << "\n";
  std::cout << json_text(nlohmann::ordered_json{
                   {"library", name},          {"seen", r.seen},       {"unchanged", r.unchanged},
                   {"new", r.added},           {"changed", r.changed}, {"moved", r.moved},
                   {"deleted", r.deleted},     {"queued", r.queued},   {"failed", r.failures.size()},
                   {"photosDetected", r.photos_detected},              {"seconds", std::round(seconds * 100) / 100},
                   {"photosPerSecond", seconds > 0 ? std::round(r.filed / seconds * 100) / 100 : 0.0}})
            << std::endl;
  if (!r.failures.empty()) set_exit_code(1);
}

void run_scan(const ScanArgs& args) {
  const Settings config = Settings::from_environment();
  configure_logging(isatty(STDERR_FILENO));
  Stores storage = Stores::open(config);
  std::vector<Library> libraries;
  if (args.names.empty()) libraries = storage.libraries->list();
  for (const auto& name : args.names) {
    auto l = storage.libraries->get(name);
    if (!l) throw Error(ErrorKind::NotFound, "no library named '" + name + "' (beetroot library add NAME PATH)");
    libraries.push_back(*l);
  }
  if (libraries.empty()) throw Error(ErrorKind::NotFound, "no library to scan (beetroot library add NAME PATH)");
  std::unique_ptr<FaceEngine> engine;
  std::unique_ptr<Pipeline> pipeline;
  if (!args.queue_only) {  // queueing needs no models
    engine = std::make_unique<FaceEngine>(ingest_engine_options(args.models, args.threads, config, args.workers));
    pipeline.reset(new Pipeline(storage.pipeline(*engine)));  // built in place: a Pipeline does not move
  }
  const auto snapshots = periodic_snapshots(storage);
  LibraryScan scanner(*storage.libraries, *storage.photos, *storage.people, pipeline.get(), storage.jobs.get());
  std::atomic<bool> stop{false};
  const ShutdownOnSignal on_signal([&] { stop = true; });
  for (;;) {
    for (const auto& library : libraries) {
      ScanProgress progress(library.name);
      ScanOptions options{args.workers, args.queue_only, args.accept_empty, std::ref(progress)};
      const auto start = std::chrono::steady_clock::now();
      try {
        const ScanReport report = scanner.scan(library, options);
        progress.finish();
        print_report(library.name, report, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      } catch (const Error& e) {
        progress.finish();
        if (!args.watch) throw;
        spdlog::error("Library: {}", e.what());  // a watch waits for the disk to come back
      }
    }
    storage.collections->save_snapshots();
    if (!args.watch || stop) return;
    std::vector<std::filesystem::path> roots;
    for (const auto& l : libraries) roots.emplace_back(l.root);
    FolderWatch watch(roots);
    if (!watch.wait_for_change(stop, std::chrono::seconds(2))) return;
  }
}

}  // namespace

void add_library_commands(CLI::App& app) {
  auto* library = app.add_subcommand("library", "Photo folders indexed where they lie, kept in sync")->require_subcommand(1);

  auto name = std::make_shared<std::string>(), path = std::make_shared<std::string>();
  auto* add = library->add_subcommand("add", "Register a folder as a library named NAME (its photos' bucket)");
  add->add_option("name", *name, "3-63 characters: a-z, 0-9, '.', '-'")->required();
  add->add_option("path", *path, "The folder")->required();
  add->callback([name, path] { run_guarded([&] { add_library(*name, *path); }); });

  library->add_subcommand("list", "List libraries (JSON lines)")->callback([] { run_guarded(list_libraries); });

  auto* remove = library->add_subcommand("remove", "Forget a library and the faces filed from it (its files stay)");
  remove->add_option("name", *name)->required();
  remove->callback([name] { run_guarded([&] { remove_library(*name); }); });

  auto args = std::make_shared<ScanArgs>();
  auto* scan = library->add_subcommand("scan", "File new and changed photos, follow moved ones, remove deleted ones");
  scan->add_option("names", args->names, "Libraries to scan (default: all)");
  scan->add_option("--workers", args->workers, "Photos processed in parallel")->capture_default_str();
  scan->add_option("--threads", args->threads, "Inference threads (0: all cores)")->capture_default_str();
  scan->add_option("--models", args->models, "Folder with the face-api weights");
  scan->add_flag("--queue", args->queue_only, "Queue new and changed photos for `beetroot worker` processes");
  scan->add_flag("--accept-empty", args->accept_empty, "A library whose folder holds no photo any more: remove them all");
  scan->add_flag("--watch", args->watch, "Keep running; scan again when files change (inotify)");
  scan->callback([args] { run_guarded([&] { run_scan(*args); }); });
}

}  // namespace beetroot::cli
