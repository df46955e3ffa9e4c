// Any face API request, as the server hands it over once the signature is checked: the first
// line names the operation, the rest is its JSON body. Real engine, real stores in a folder.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/face_api/face_api.h"
#include "api/face_api/protocol.h"
#include "app/stores.h"
#include "base/error.h"
#include "base/json_text.h"
#include "inference/face_engine.h"
#include "run_folder.h"

namespace {

struct World {
  beetroot::Settings config = beetroot::Settings::in_folder(run_folder("face-api"));
  beetroot::FaceEngine engine{beetroot::EngineOptions{.model_dir = beetroot::default_model_dir()}};
  beetroot::Stores stores = beetroot::Stores::open(config);
  beetroot::face_api::FaceApi api{engine, *stores.collections, *stores.objects, stores.config};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World;  // kept for the whole run
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t line = input.find('\n');
  const std::string operation = input.substr(0, line);
  if (!world->api.knows(operation)) return 0;
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(line == std::string::npos ? "{}" : input.substr(line + 1));
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  try {
    beetroot::json_text(world->api.call(operation, body));
  } catch (const beetroot::face_api::ApiError&) {
  }
  return 0;
}
