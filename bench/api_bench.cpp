// Latency of SearchFaces and SearchFacesByImage through `beetroot serve` (HTTP, SigV4, JSON) with
// 10k and 1M faces in the collection, against the same search done in-process in the same run,
// and SearchFacesByImage from 8 clients at once. The photo: a demo photo cut to 1920x1080.
// Synthetic descriptors: one real face's descriptor plus noise, so that different faces lie about
// 0.9 apart, as different people's do. Usage: api_bench [FACE_COUNTS...]  (default 10000 1000000)
#include <httplib.h>
#include <openssl/evp.h>
#include <opencv2/imgcodecs.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "api/face_api/protocol.h"
#include "api/server.h"
#include "inference/face_engine.h"
#include "inference/image.h"
#include "app/settings.h"

using namespace beetroot;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const AccessKeys kKeys = {{"AKBENCH", "bench-secret"}};

struct Percentiles {
  double p50_ms, p99_ms;
};

Percentiles percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
  return {at(0.5), at(0.99)};
}

template <typename F>
Percentiles time_each(int repeats, F call) {
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    call(i);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return percentiles(ms);
}

void fill_collection(FaceStore& store, const std::string& collection, const Descriptor& centre, size_t count) {
  std::mt19937 rng(42);
  std::normal_distribution<float> noise(0.f, 0.9f / std::sqrt(2.f * 128.f));
  constexpr size_t kBatch = 10000;
  for (size_t start = 0; start < count; start += kBatch) {
    std::vector<FaceRecord> batch;
    for (size_t i = start; i < std::min(count, start + kBatch); ++i) {
      FaceRecord f;
      f.photo_id = "synthetic-" + std::to_string(i / 100);
      f.face_index = static_cast<int>(i % 100) + 1;
      f.face_id = face_id_for(collection, f.photo_id, f.face_index);
      f.person_id = f.face_id;
      f.box = {0.2f, 0.2f, 0.3f, 0.3f};
      f.confidence = 99.f;
      for (size_t k = 0; k < 128; ++k) f.descriptor[k] = centre[k] + noise(rng);
      f.exemplar = true;
      batch.push_back(std::move(f));
    }
    store.insert_faces(collection, batch);
  }
}

class SignedClient {
 public:
  explicit SignedClient(int port) : port_(port), http_("127.0.0.1", port) { http_.set_read_timeout(120); }
  nlohmann::json call(const std::string& operation, const nlohmann::json& body) {
    SignedRequest r{"POST", "/", {}, {{"Host", "127.0.0.1:" + std::to_string(port_)},
                                      {"X-Amz-Target", "RekognitionService." + operation},
                                      {"Content-Type", "application/x-amz-json-1.1"}}, body.dump()};
    sign_sigv4(r, kKeys.begin()->first, kKeys.begin()->second, "us-east-1", "rekognition",
               std::chrono::system_clock::now());
    httplib::Headers headers;
    for (const auto& [name, value] : r.headers)
      if (name != "Host" && name != "Content-Type") headers.emplace(name, value);
    auto response = http_.Post("/", headers, r.body, "application/x-amz-json-1.1");
    if (!response || response->status != 200)
      throw std::runtime_error(operation + " failed: " + (response ? response->body : "no response"));
    return nlohmann::json::parse(response->body);
  }

 private:
  int port_;
  httplib::Client http_;
};

// 8 clients, each sending its requests one after another; every latency of every client.
template <typename F>
std::vector<double> concurrent_latencies(int clients, int requests_each, F call) {
  std::vector<std::vector<double>> each(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      for (int i = 0; i < requests_each; ++i) {
        const auto start = Clock::now();
        call(c);
        each[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
    });
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (const auto& e : each) all.insert(all.end(), e.begin(), e.end());
  return all;
}

// A demo photo's centre cut to 1920x1080, as a JPEG.
std::string full_hd_photo() {
  const cv::Mat photo = cv::imread((default_model_dir() / "demo" / "sample2.jpg").string());
  if (photo.cols < 1920 || photo.rows < 1080) throw std::runtime_error("the demo photo is smaller than 1920x1080");
  const cv::Mat cut = photo(cv::Rect((photo.cols - 1920) / 2, (photo.rows - 1080) / 2, 1920, 1080));
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", cut, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
  return {jpeg.begin(), jpeg.end()};
}

void run(size_t face_count, FaceEngine& engine, const std::string& photo) {
  const fs::path data = fs::temp_directory_path() / ("beetroot-api-bench-" + std::to_string(getpid()));
  fs::remove_all(data);
  Settings config = Settings::in_folder(data);

  const DetectedImage detected = engine.detect(photo);
  const FaceDetail& face = detected.faces.front();
  const Descriptor real = engine.describe(detected.image.rgb, face);
  auto fill_start = Clock::now();
  {
    Stores setup = Stores::open(config);
    setup.faces->create_collection("bench");
    fill_collection(*setup.faces, "bench", real, face_count);
  }
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  const auto load_start = Clock::now();
  Stores stores = Stores::open(config);
  auto collection = stores.collections->get("bench");
  const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();

  ServerOptions options;
  options.port = 0;
  Ingestion ingestion(stores, engine, WorkerOptions{});
  Server server(options, engine, stores, ingestion, kKeys, "bench-token");
  const int port = server.bind();
  std::thread serving([&] { server.run(); });
  SignedClient client(port);

  const std::string image_b64 = [&] {
    std::string out(4 * ((photo.size() + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(photo.data()),
                    static_cast<int>(photo.size()));
    return out;
  }();
  const std::string probe_id = client.call("IndexFaces", {{"CollectionId", "bench"}, {"Image", {{"Bytes", image_b64}}},
                                                          {"MaxFaces", 1}})["FaceRecords"][0]["Face"]["FaceId"];
  const int repeats = face_count >= 1000000 ? 40 : 200;
  const Percentiles by_id_http = time_each(repeats, [&](int) {
    client.call("SearchFaces", {{"CollectionId", "bench"}, {"FaceId", probe_id}, {"MaxFaces", 10}});
  });
  const Percentiles by_id_local = time_each(repeats, [&](int) {
    const auto probe = collection->face(probe_id);
    collection->faces(std::vector<std::string>{probe_id});
    collection->search(probe->descriptor, 80, 10, probe_id);
  });
  const int image_repeats = 20;
  const Percentiles by_image_http = time_each(image_repeats, [&](int) {
    client.call("SearchFacesByImage", {{"CollectionId", "bench"}, {"Image", {{"Bytes", image_b64}}}, {"MaxFaces", 10}});
  });
  const Percentiles by_image_local = time_each(image_repeats, [&](int) {
    const DetectedImage d = engine.detect(photo, FaceEngine::Scope::LargestFace);
    collection->search(engine.describe(d.image.rgb, d.faces.front()), 80, 10);
  });
  constexpr int kClients = 8, kRequestsEach = 5;
  std::vector<std::unique_ptr<SignedClient>> clients;
  for (int c = 0; c < kClients; ++c) clients.push_back(std::make_unique<SignedClient>(port));
  const std::vector<double> concurrent = concurrent_latencies(kClients, kRequestsEach, [&](int c) {
    clients[c]->call("SearchFacesByImage",
                     {{"CollectionId", "bench"}, {"Image", {{"Bytes", image_b64}}}, {"MaxFaces", 10}});
  });
  const Percentiles by_image_concurrent = percentiles(concurrent);
  const double slowest = *std::max_element(concurrent.begin(), concurrent.end());
  server.stop();
  serving.join();

  std::printf("\n%zu faces (filled in %.1f s, index loaded in %.1f s)\n", face_count, fill_s, load_s);
  std::printf("| operation | HTTP p50 | HTTP p99 | in-process p50 | in-process p99 | HTTP / in-process (p50) |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  std::printf("| SearchFaces | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f |\n", by_id_http.p50_ms, by_id_http.p99_ms,
              by_id_local.p50_ms, by_id_local.p99_ms, by_id_http.p50_ms / by_id_local.p50_ms);
  std::printf("| SearchFacesByImage | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.2f |\n", by_image_http.p50_ms,
              by_image_http.p99_ms, by_image_local.p50_ms, by_image_local.p99_ms,
              by_image_http.p50_ms / by_image_local.p50_ms);
  std::printf("| SearchFacesByImage, %d clients at once | %.1f ms | %.1f ms (slowest %.1f ms) | | | |\n", kClients,
              by_image_concurrent.p50_ms, by_image_concurrent.p99_ms, slowest);
  fs::remove_all(data);
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  std::vector<size_t> counts;
  for (int i = 1; i < argc; ++i) counts.push_back(std::stoul(argv[i]));
  if (counts.empty()) counts = {10000, 1000000};
  FaceEngine engine(EngineOptions{.model_dir = default_model_dir()});
  const std::string photo = full_hd_photo();
  for (size_t n : counts) run(n, engine, photo);
}
