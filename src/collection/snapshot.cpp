// FaceCollection's index snapshots: a folder per snapshot (ids, descriptors, the store revision
// they reflect), named by a pointer file that is replaced atomically, so a reader never sees a
// half-written snapshot and several processes may save at once.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <future>

#include "base/error.h"
#include "collection/binary_values.h"
#include "collection/face_collection.h"

namespace beetroot {
namespace {

constexpr char kSnapshotMagic[8] = {'B', 'T', 'C', 'O', 'L', 'L', 'X', '1'};

void write_string(std::ostream& out, const std::string& s) {
  const auto n = static_cast<uint32_t>(s.size());
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  out.write(s.data(), n);
}

std::string read_string(std::istream& in) {
  uint32_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  if (!in || n > (1u << 16)) throw Error(ErrorKind::Internal, "snapshot is corrupt");
  std::string s(n, '\0');
  in.read(s.data(), n);
  return s;
}

std::filesystem::path pointer_file(const std::filesystem::path& dir, const std::string& id) {
  return dir / (id + ".current");
}

}  // namespace

std::filesystem::path FaceCollection::save_snapshot() const {
  if (snapshot_dir_.empty()) throw Error(ErrorKind::Internal, "collection " + id_ + " has no snapshot folder");
  std::shared_lock lock(mutex_);
  const auto info = store_.describe_collection(id_);
  if (!info) throw Error(ErrorKind::NotFound, "collection '" + id_ + "' does not exist");
  const std::string name = id_ + "." + std::to_string(revision_) + "." + std::to_string(getpid());
  const auto folder = snapshot_dir_ / name;
  std::filesystem::create_directories(folder);
  {
    std::ofstream out(folder / "faces", std::ios::binary | std::ios::trunc);
    out.write(kSnapshotMagic, sizeof kSnapshotMagic);
    // What the snapshot belongs to: a collection of that name in another database was created at another time.
    write_string(out, id_);
    write_string(out, info->created_at);
    write_value<uint8_t>(out, static_cast<uint8_t>(rule_));
    write_value<int64_t>(out, revision_);
    write_value<uint64_t>(out, entries_.size());
    for (const auto& e : entries_)
      for (const auto* field : {&e.face_id, &e.person_id, &e.photo_id, &e.user_id}) write_string(out, *field);
    if (!out.flush()) throw Error(ErrorKind::Internal, "cannot write the snapshot " + folder.string());
  }
  index_.save(folder / "vectors");
  const auto pointer = pointer_file(snapshot_dir_, id_);
  std::string previous;
  std::ifstream(pointer) >> previous;
  const auto temporary = pointer.string() + "." + std::to_string(getpid());
  std::ofstream(temporary) << name << "\n";
  std::filesystem::rename(temporary, pointer);
  if (!previous.empty() && previous != name) std::filesystem::remove_all(snapshot_dir_ / previous);
  snapshot_revision_ = revision_;
  return folder;
}

bool FaceCollection::changed_since_snapshot() const {
  std::shared_lock lock(mutex_);
  return revision_ != snapshot_revision_;
}

bool FaceCollection::load_snapshot() {
  if (snapshot_dir_.empty()) return false;
  std::string name;
  std::ifstream(pointer_file(snapshot_dir_, id_)) >> name;
  if (name.empty()) return false;
  const auto folder = snapshot_dir_ / name;
  std::ifstream in(folder / "faces", std::ios::binary);
  char magic[sizeof kSnapshotMagic] = {};
  in.read(magic, sizeof magic);
  if (!in || !std::equal(magic, magic + sizeof magic, kSnapshotMagic))
    throw Error(ErrorKind::Internal, folder.string() + " is not a snapshot");
  const auto info = store_.describe_collection(id_);
  if (read_string(in) != id_ || !info || read_string(in) != info->created_at) return false;
  const auto rule = read_value<uint8_t>(in);
  const auto revision = read_value<int64_t>(in);
  const auto slots = read_value<uint64_t>(in);
  if (!in) throw Error(ErrorKind::Internal, folder.string() + " is cut short");
  if (rule != static_cast<uint8_t>(rule_)) return false;
  if (revision > store_.revision(id_)) return false;  // the database was restored from an older backup
  if (slots > (uint64_t{1} << 32)) throw Error(ErrorKind::Internal, folder.string() + " is corrupt");
  // The graph loads on another core while this one reads the ids; both take seconds per million faces.
  auto loading = std::async(std::launch::async, [&] { return VectorIndex::load(folder / "vectors", index_options_); });
  std::vector<Entry> entries(slots);
  std::unordered_map<std::string, uint32_t> position;
  std::unordered_map<std::string, std::vector<std::string>> person_faces;
  position.reserve(slots);
  std::vector<uint32_t> free_slots;
  for (uint32_t slot = 0; slot < slots; ++slot) {
    Entry& e = entries[slot];
    for (auto* field : {&e.face_id, &e.person_id, &e.photo_id, &e.user_id}) *field = read_string(in);
    if (e.face_id.empty()) {
      free_slots.push_back(slot);
      continue;
    }
    position[e.face_id] = slot;
    person_faces[e.person_id].push_back(e.face_id);
  }
  auto index = loading.get();
  if (index.size() != position.size()) throw Error(ErrorKind::Internal, folder.string() + " has ids and vectors that disagree");
  index_ = std::move(index);
  entries_ = std::move(entries);
  position_ = std::move(position);
  person_faces_ = std::move(person_faces);
  free_slots_ = std::move(free_slots);
  revision_ = revision;
  snapshot_revision_ = revision;
  return true;
}

}  // namespace beetroot
