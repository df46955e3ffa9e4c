#include "eval/grouping.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "app/stores.h"

namespace beetroot {
namespace {

struct Item {
  std::string identity, person;
};

GroupingScore bcubed(const std::vector<Item>& items) {
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

ScratchLibrary::ScratchLibrary(GroupingRule rule, float threshold)
    : folder_(std::filesystem::temp_directory_path() / ("beetroot-eval-" + random_uuid())),
      stores_([&] {
        Settings config = Settings::in_folder(folder_);
        config.database = ":memory:";
        config.grouping = rule;
        config.match_threshold = threshold;
        return Stores::open(config);
      }()),
      threshold_(threshold) {}

ScratchLibrary::~ScratchLibrary() { std::filesystem::remove_all(folder_); }

void ScratchLibrary::file(const std::vector<std::pair<std::string, Descriptor>>& photos) {
  const auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::warn);  // one log line per face would drown the result
  for (const auto& photo : photos) {
    const std::string& path = photo.first;  // a named variable: clang's lambdas take no structured binding
    FaceRecord face;
    face.face_index = 1;
    face.descriptor = photo.second;
    const auto filed = stores_.collection->assign(path, {face}, threshold_, [&](const std::string& person, int index) {
      return stores_.people->thumbnails().key(person, path, index);  // never written: People moves none
    });
    stores_.people->merge_linked(filed, threshold_);
  }
  spdlog::set_level(level);
}

GroupingResult ScratchLibrary::score(const std::map<std::string, std::string>& identity_of_photo) const {
  std::vector<Item> items;
  for (const auto& f : stores_.faces->faces(stores_.collection->id()))
    items.push_back({identity_of_photo.at(f.photo_id), f.person_id});
  std::map<std::string, int> photos_per_identity;
  for (const auto& it : items) ++photos_per_identity[it.identity];
  std::vector<Item> repeated;
  for (const auto& it : items)
    if (photos_per_identity[it.identity] >= 2) repeated.push_back(it);
  return {bcubed(items), bcubed(repeated)};
}

GroupingEvaluation evaluate_grouping(const DescriptorMap& descriptors, GroupingRule rule, float threshold,
                                     unsigned seed, bool recluster) {
  std::vector<std::pair<std::string, Descriptor>> photos;
  for (const auto& [path, d] : descriptors)
    if (d) photos.emplace_back(path, *d);
  std::shuffle(photos.begin(), photos.end(), std::mt19937(seed));
  std::map<std::string, std::string> identity_of_photo;
  for (const auto& [path, descriptor] : photos) identity_of_photo[path] = lfw_identity(path);
  ScratchLibrary library(rule, threshold);
  library.file(photos);
  GroupingEvaluation result{library.score(identity_of_photo), std::nullopt};
  if (recluster) {
    const auto level = spdlog::get_level();
    spdlog::set_level(spdlog::level::warn);
    library.stores().people->recluster(threshold);
    spdlog::set_level(level);
    result.reclustered = library.score(identity_of_photo);
  }
  return result;
}

}  // namespace beetroot
