#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace beetroot {

// One person of a collection: its faces grouped by personId, with what users said about it.
struct PersonSummary {
  std::string person_id;
  std::string name;  // "" until someone names the person
  bool hidden = false;
  int64_t face_count = 0, photo_count = 0;
  std::string cover_thumb_key;  // the thumbnail of the cover face a user chose, else of the earliest face
};

enum class PeopleOrder { FaceCount, Name };

// Which persons a list holds. The main grid: named persons and those of at least `min_faces` faces;
// Others: the rest (strangers in the background, faces seen once).
enum class PeopleShelf { Everyone, Main, Others };
struct PeopleFilter {
  bool include_hidden = true;
  PeopleShelf shelf = PeopleShelf::Everyone;
  int64_t min_faces = 1;
};

// Persons as users see them: a collection's faces grouped by personId, with the name, hidden flag
// and cover face users gave them (kept apart from the faces, in the table `persons`).
class PersonTable {
 public:
  virtual ~PersonTable() = default;
  virtual std::vector<PersonSummary> people(const std::string& collection_id, PeopleOrder order,
                                            const PeopleFilter& filter, size_t offset, size_t limit) const = 0;
  virtual int64_t people_count(const std::string& collection_id, const PeopleFilter& filter) const = 0;
  virtual std::optional<PersonSummary> person(const std::string& collection_id, const std::string& person_id) const = 0;
  // The persons users named or hid, with only those two fields read (no faces counted).
  virtual std::vector<PersonSummary> named_or_hidden(const std::string& collection_id) const = 0;
  // The photos in which every one of the persons has a face.
  virtual std::vector<std::string> photos_with_all(const std::string& collection_id,
                                                   const std::vector<std::string>& person_ids) const = 0;
  virtual void set_name(const std::string& collection_id, const std::string& person_id, const std::string& name) = 0;
  virtual void set_hidden(const std::string& collection_id, const std::string& person_id, bool hidden) = 0;
  // The face whose thumbnail stands for the person ("" for the earliest again).
  virtual void set_cover(const std::string& collection_id, const std::string& person_id, const std::string& face_id) = 0;
};

}  // namespace beetroot
