#include "eval/grouping.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "storage/sqlite/database.h"
#include "storage/sqlite/sqlite_face_store.h"

namespace beetroot {
namespace {

struct Item {
  std::string identity, person;
};

GroupingScore score(const std::vector<Item>& items) {
  std::map<std::string, size_t> by_person, by_identity;
  std::map<std::pair<std::string, std::string>, size_t> both;
  std::map<std::string, std::set<std::string>> persons_of_identity;
  for (const auto& it : items) {
    ++by_person[it.person];
    ++by_identity[it.identity];
    ++both[{it.person, it.identity}];
    persons_of_identity[it.identity].insert(it.person);
  }
  GroupingScore s{0, 0, 0, by_person.size(), by_identity.size(), 0};
  for (const auto& it : items) {
    const double shared = static_cast<double>(both[{it.person, it.identity}]);
    s.precision += shared / by_person[it.person] / items.size();
    s.recall += shared / by_identity[it.identity] / items.size();
  }
  s.f1 = 2 * s.precision * s.recall / (s.precision + s.recall);
  size_t repeated = 0, split = 0;
  for (const auto& [identity, persons] : persons_of_identity) {
    if (by_identity[identity] < 2) continue;
    ++repeated;
    split += persons.size() > 1;
  }
  s.split_share = repeated ? static_cast<double>(split) / repeated : 0;
  return s;
}

}  // namespace

GroupingResult evaluate_grouping(const DescriptorMap& descriptors, GroupingRule rule, float threshold, unsigned seed) {
  std::vector<std::pair<std::string, Descriptor>> photos;
  for (const auto& [path, d] : descriptors)
    if (d) photos.emplace_back(path, *d);
  std::shuffle(photos.begin(), photos.end(), std::mt19937(seed));
  auto db = std::make_shared<Database>(":memory:");
  SqliteFaceStore store(db);
  FaceCollection collection(store, "lfw", rule);
  const auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::warn);  // one log line per face would drown the result
  std::vector<Item> items;
  for (const auto& [path, descriptor] : photos) {
    FaceRecord face;
    face.face_index = 1;
    face.descriptor = descriptor;
    const auto filed = collection.assign(path, {face}, threshold, [](const std::string&, int) { return std::string(); });
    items.push_back({std::filesystem::path(path).parent_path().filename().string(), filed[0].person_id});
  }
  spdlog::set_level(level);
  std::map<std::string, int> photos_per_identity;
  for (const auto& it : items) ++photos_per_identity[it.identity];
  std::vector<Item> repeated;
  for (const auto& it : items)
    if (photos_per_identity[it.identity] >= 2) repeated.push_back(it);
  return {score(items), score(repeated)};
}

}  // namespace beetroot
