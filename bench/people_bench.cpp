// The People view with many people: time to first byte of the People API and of the page, and time
// until Chromium shows the grid, each against a trivial reference measured in the same run
// (/healthz for the API, the same page with no people for the grid).
// Usage: people_bench [PEOPLE]   (default 10000; the grid part needs node and /usr/bin/chromium)
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <thread>

#include "api/server.h"
#include "app/settings.h"
#include "inference/face_engine.h"

using namespace beetroot;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kToken = "bench-token";

// Each person one face with its own small thumbnail, and a few with more faces, as a library has;
// descriptors spread like real ones (persons ~0.75 apart, a person's faces ~0.4), so that the
// Questions find near persons to rank: ~26,000 pairs at 60 % or more for 10,000 people, about
// two per face as in the LFW libraries of `beetroot eval answers`.
void fill_people(Stores& stores, size_t people) {
  cv::Mat thumb(96, 96, CV_8UC3);
  std::mt19937 rng(3);
  std::normal_distribution<float> between(0, 0.047f), within(0, 0.025f);
  std::vector<FaceRecord> batch;
  for (size_t i = 0; i < people; ++i) {
    Descriptor centre;
    for (float& v : centre) v = between(rng);
    cv::randu(thumb, 0, 255);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", thumb, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
    const int faces = 1 + static_cast<int>(rng() % 4 == 0 ? rng() % 12 : 0);
    std::string person_id;
    for (int n = 1; n <= faces; ++n) {
      FaceRecord f;
      f.photo_id = "p" + std::to_string(i) + "x" + std::to_string(n);
      f.face_index = 1;
      f.face_id = face_id_for(stores.config.collection_id, f.photo_id, 1);
      if (person_id.empty()) person_id = f.face_id;
      f.person_id = person_id;
      f.thumb_key = stores.config.thumbs_prefix + person_id + "/" + f.photo_id + "_face_1.jpg";
      f.box = {0.3f, 0.3f, 0.2f, 0.2f};
      f.confidence = 99.f;
      for (size_t d = 0; d < centre.size(); ++d) f.descriptor[d] = centre[d] + within(rng);
      stores.objects->put(stores.config.thumbs_bucket, f.thumb_key, std::string(jpeg.begin(), jpeg.end()));
      batch.push_back(std::move(f));
    }
    if (batch.size() >= 5000 || i + 1 == people) {
      stores.faces->insert_faces(stores.config.collection_id, batch);
      batch.clear();
    }
  }
}

struct Timing {
  double p50_ms, p99_ms;
};

// Time to first byte of GET path, as a client sees it on a fresh connection.
Timing ttfb(int port, const std::string& path, int repeats) {
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(300));
    bool first = true;
    const auto start = Clock::now();
    double at = 0;
    client.Get(path, {{"Authorization", std::string("Bearer ") + kToken}}, [&](const char*, size_t) {
      if (first) at = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      first = false;
      return true;
    });
    ms.push_back(at);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

struct Served {
  Settings config;
  Stores stores;
  FaceEngine& engine;
  std::unique_ptr<Ingestion> ingestion;
  std::unique_ptr<Server> server;
  std::thread thread;
  int port = 0;
  Served(const fs::path& data, size_t people, FaceEngine& e)
      : config(Settings::in_folder(data)), stores(Stores::open(config)), engine(e) {
    fill_people(stores, people);
    stores.collection->revision();  // the index takes in the faces written behind its back, as at a start
    ServerOptions options;
    options.port = 0;
    ingestion = std::make_unique<Ingestion>(stores, engine, WorkerOptions{});
    server = std::make_unique<Server>(options, engine, stores, *ingestion, AccessKeys{}, kToken);
    port = server->bind();
    thread = std::thread([this] { server->run(); });
  }
  ~Served() {
    server->stop();
    thread.join();
  }
};

// Chromium's time to the first tile and to every tile of the first screen drawn, by
// bench/people_render.mjs; empty if node or Chromium is missing.
std::string render_times(int port) {
  const std::string command = "node " BEETROOT_SOURCE_DIR "/bench/people_render.mjs http://127.0.0.1:" +
                              std::to_string(port) + " " + kToken + " 2>/dev/null";
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[256];
    while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
    pclose(pipe);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const size_t people = argc > 1 ? std::stoul(argv[1]) : 10000;
  FaceEngine engine(EngineOptions{.model_dir = default_model_dir()});
  const fs::path root = fs::temp_directory_path() / ("beetroot-people-bench-" + std::to_string(getpid()));
  fs::remove_all(root);

  const auto fill_start = Clock::now();
  Served many(root / "many", people, engine);
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  Served none(root / "none", 0, engine);

  const Timing health = ttfb(many.port, "/healthz", 50);
  const Timing first_page = ttfb(many.port, "/api/people?limit=120", 50);
  const Timing by_name = ttfb(many.port, "/api/people?limit=120&sort=name", 50);
  const Timing last_page = ttfb(many.port, "/api/people?limit=120&offset=" + std::to_string(people - 120), 50);
  const Timing page = ttfb(many.port, "/", 50);
  // The first ask searches the collection for near persons; asked again unchanged, it does not.
  const Timing first_questions = ttfb(many.port, "/api/questions?limit=10", 1);
  const Timing questions = ttfb(many.port, "/api/questions?limit=10", 10);
  // After an answer ("no" to the question worth most), only the persons it concerned are looked
  // around again.
  {
    httplib::Client client("127.0.0.1", many.port);
    const httplib::Headers auth{{"Authorization", std::string("Bearer ") + kToken}};
    const auto listed = client.Get("/api/questions?limit=1", auth);
    const auto q = nlohmann::json::parse(listed->body)["questions"].at(0);
    nlohmann::json answer{{"kind", q["kind"]}, {"personId", q["personId"]}, {"answer", "no"}};
    if (q.contains("faceId"))
      answer["faceId"] = q["faceId"];
    else
      answer["otherPersonId"] = q["otherPersonId"];
    client.Post("/api/questions/answer", auth, answer.dump(), "application/json");
  }
  const Timing after_answer = ttfb(many.port, "/api/questions?limit=10", 1);
  std::printf("%zu people (filled in %.1f s)\n\n", people, fill_s);
  std::printf("| request | TTFB p50 | TTFB p99 | vs /healthz (p50) |\n| --- | --- | --- | --- |\n");
  auto row = [&](const char* what, const Timing& t) {
    std::printf("| %s | %.2f ms | %.2f ms | %.1fx |\n", what, t.p50_ms, t.p99_ms, t.p50_ms / health.p50_ms);
  };
  row("GET /healthz (reference)", health);
  row("GET / (the page)", page);
  row("GET /api/people, first 120 by faces", first_page);
  row("GET /api/people, first 120 by name", by_name);
  row("GET /api/people, last 120", last_page);
  row("GET /api/questions, the 10 worth most, first ask", first_questions);
  row("GET /api/questions, asked again, nothing changed", questions);
  row("GET /api/questions, asked again after an answer", after_answer);

  const std::string with_people = render_times(many.port), without = render_times(none.port);
  if (with_people.empty() || without.empty()) {
    std::printf("\n(grid rendering skipped: needs node, tests/web's playwright-core and /usr/bin/chromium)\n");
  } else {
    std::printf("\nChromium, median of 5 loads: %s people: %s no people (reference): %s", std::to_string(people).c_str(),
                with_people.c_str(), without.c_str());
  }
  fs::remove_all(root);
}
