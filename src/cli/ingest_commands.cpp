#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <atomic>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "app/stores.h"
#include "base/error.h"
#include "base/files.h"
#include "base/json_text.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "inference/image.h"
#include "ingest/pipeline.h"
#include "ingest/s3_event.h"
#include "people/people.h"

namespace beetroot::cli {
namespace {

struct IngestArgs {
  std::vector<std::string> paths;
  std::string models;
  size_t workers = std::max(1u, std::thread::hardware_concurrency());
  size_t threads = 0;
  bool queue_only = false;
};

struct PhotoFile {
  std::filesystem::path path;
  std::string key;
};

// Files and folders (recursive); a folder's photos keep their path below the folder's name.
std::vector<PhotoFile> collect_photos(const std::vector<std::string>& paths, const std::string& prefix) {
  std::vector<PhotoFile> out;
  for (const auto& arg : paths) {
    const std::filesystem::path p(arg);
    if (std::filesystem::is_directory(p)) {
      const auto base = std::filesystem::absolute(p).lexically_normal();
      const auto name = base.has_filename() ? base.filename() : base.parent_path().filename();
      std::vector<PhotoFile> found;
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file())
          found.push_back({e.path(), prefix + (name / std::filesystem::relative(e.path(), p)).generic_string()});
      std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.key < b.key; });
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back({p, prefix + p.filename().string()});
    }
  }
  return out;
}

// Stores each photo and queues it for `beetroot worker` processes, without loading the models.
void queue_photos(const std::vector<PhotoFile>& files, const Settings& config) {
  Stores storage = Stores::open(config);
  size_t queued = 0;
  for (const auto& file : files) {
    try {
      validate_key(file.key);
      const std::string photo_id = photo_id_for(config.raw_bucket, file.key);
      if (!storage.photos->get(photo_id)) storage.objects->put_file(config.raw_bucket, file.key, file.path);
      PhotoRow row{photo_id, config.raw_bucket, file.key, utc_now_iso8601(), PhotoStatus::Pending, 0, {}, ""};
      if (storage.photos->insert_once(row)) spdlog::info("Photos: inserted photoId={} key={}", photo_id, file.key);
      if (storage.photos->get(photo_id)->status == PhotoStatus::Pending && storage.jobs->enqueue(photo_id, row.bucket, row.key))
        ++queued;
    } catch (const Error& e) {
      spdlog::error("Ingest: {}: {}", file.path.string(), e.what());
      set_exit_code(1);
    }
  }
  std::cout << nlohmann::ordered_json{{"photos", files.size()}, {"queued", queued}}.dump() << "\n";
}

void run_ingest(const IngestArgs& args) {
  const Settings config = Settings::from_environment();
  const auto files = collect_photos(args.paths, config.raw_prefix);
  configure_logging(isatty(STDERR_FILENO));
  if (args.queue_only) return queue_photos(files, config);
  FaceEngine engine(ingest_engine_options(args.models, args.threads, config, args.workers));
  Stores storage = Stores::open(config);
  const auto snapshots = periodic_snapshots(storage);
  Pipeline pipeline = storage.pipeline(engine);
  pipeline.resume_pending();
  Progress progress(files.size());  // started now: rates leave out loading the models
  const size_t workers = std::max<size_t>(args.workers, 1);
  std::atomic<size_t> next{0}, failed{0}, working{workers};
  auto worker = [&] {
    for (size_t i; (i = next++) < files.size();) {
      IngestResult r{IngestResult::Outcome::Failed, "", {}, {}, ""};
      try {
        r = pipeline.ingest_bytes(files[i].key, read_file_bytes(files[i].path.string()));
      } catch (const Error& e) {
        spdlog::error("Ingest: {}: {}", files[i].path.string(), e.what());
        r.error = e.what();
      }
      if (r.outcome == IngestResult::Outcome::Failed) {
        ++failed;
        if (progress.on_terminal()) std::cerr << "\r\033[Kbeetroot: " << files[i].path.string() << ": " << r.error << "\n";
      }
      progress.photo_done(r.faces.size());
    }
    // No photo left to start: the ones still in flight may take the cores this worker leaves.
    if (--working < static_cast<size_t>(engine.cores().count())) engine.set_cores_per_call(0);
  };
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  storage.collections->save_snapshots();
  progress.finish();
  if (failed) set_exit_code(1);
}

void run_handle_event(const std::string& event_file, const IngestArgs& args) {
  configure_logging(false);
  const auto text = read_whole_file(event_file);
  if (!text) throw Error(ErrorKind::InvalidParameter, "cannot open " + event_file);
  const auto objects = parse_s3_event(*text);
  const Settings config = Settings::from_environment();
  FaceEngine engine(ingest_engine_options(args.models, args.threads, config, 1));
  Stores storage = Stores::open(config);
  Pipeline pipeline = storage.pipeline(engine);
  for (const auto& o : objects) {
    const auto r = pipeline.ingest_object(o.bucket, o.key);
    if (r.outcome == IngestResult::Outcome::Failed) set_exit_code(1);
  }
}

void print_photos() {
  Stores storage = Stores::open(Settings::from_environment());
  for (const auto& row : storage.photos->list()) {
    nlohmann::ordered_json j{{"photoId", row.photo_id},        {"bucket", row.bucket},
                             {"key", row.key},                 {"uploadedAt", row.uploaded_at},
                             {"status", to_string(row.status)}, {"faceCount", row.face_count},
                             {"faceThumbKeys", row.face_thumb_keys}};
    if (!row.error.empty()) j["error"] = row.error;
    std::cout << json_text(j) << "\n";
  }
}

// Everyone, hidden people too, as the People page shows them: most faces first, with names.
void print_people() {
  Stores storage = Stores::open(Settings::from_environment());
  const People& people = *storage.people;
  constexpr size_t kPage = 1000;
  for (size_t offset = 0;; offset += kPage) {
    const auto page = people.list(PeopleOrder::FaceCount, {}, offset, kPage);
    for (const auto& p : page.people) {
      std::vector<std::string> thumbs;
      for (const auto& f : people.faces_of(p.person_id)) thumbs.push_back(f.thumb_key);
      std::cout << json_text(nlohmann::ordered_json{{"personId", p.person_id},     {"name", p.name},
                                                    {"hidden", p.hidden},           {"faceCount", p.face_count},
                                                    {"photoCount", p.photo_count}, {"thumbnails", thumbs}})
                << "\n";
    }
    if (page.people.size() < kPage) break;
  }
}

// Repairs the grouping offline; prints what changed as one JSON line.
void run_recluster() {
  configure_logging(isatty(STDERR_FILENO));
  const Settings config = Settings::from_environment();
  if (config.grouping != GroupingRule::Linkage)
    throw Error(ErrorKind::InvalidParameter, "recluster regroups by average linkage; GROUPING_RULE must be linkage");
  Stores storage = Stores::open(config);
  const auto r = storage.people->recluster(config.match_threshold);
  std::cout << json_text(nlohmann::ordered_json{{"personsBefore", r.persons_before},
                                                {"personsSplitOff", r.persons_split_off},
                                                {"merges", r.merges},
                                                {"personsAfter", r.persons_after}})
            << "\n";
}

}  // namespace

void add_ingest_commands(CLI::App& app) {
  auto args = std::make_shared<IngestArgs>();
  auto* ingest = app.add_subcommand("ingest", "Store photos in the raw bucket and file their faces by person");
  ingest->add_option("paths", args->paths, "Photo files and folders (recursive)")->required();
  ingest->add_option("--workers", args->workers, "Photos processed in parallel")->capture_default_str();
  ingest->add_option("--threads", args->threads, "Inference threads (0: all cores)")->capture_default_str();
  ingest->add_flag("--queue", args->queue_only,
                   "Only store and queue the photos, for `beetroot worker` processes to ingest");
  ingest->add_option("--models", args->models, "Folder with the face-api weights");
  ingest->callback([args] { run_guarded([&] { run_ingest(*args); }); });

  auto event_file = std::make_shared<std::string>();
  auto* event = app.add_subcommand("handle-event", "Ingest the photos named by an S3 ObjectCreated event");
  event->add_option("event", *event_file, "Event JSON file")->required();
  event->add_option("--models", args->models, "Folder with the face-api weights");
  event->callback([event_file, args] { run_guarded([&] { run_handle_event(*event_file, *args); }); });

  app.add_subcommand("photos", "List the Photos table (JSON lines)")->callback([] { run_guarded(print_photos); });
  app.add_subcommand("people", "List people with their face thumbnails (JSON lines)")->callback([] { run_guarded(print_people); });
  app.add_subcommand("recluster",
                     "Repair the grouping offline: split persons that are several people, merge persons that are one "
                     "(stop `beetroot serve` first)")
      ->callback([] { run_guarded(run_recluster); });
}

}  // namespace beetroot::cli
