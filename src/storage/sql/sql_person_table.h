#pragma once
#include <memory>

#include "storage/person_table.h"
#include "storage/sql/sql_database.h"

namespace beetroot {

// Persons in SQLite or PostgreSQL: the faces of the face store's tables grouped by personId (one
// pass over their person index), joined with the table `persons` (storage/sql/face_schema.h).
class SqlPersonTable : public PersonTable {
 public:
  explicit SqlPersonTable(std::shared_ptr<SqlDatabase> db);
  std::vector<PersonSummary> people(const std::string& collection_id, PeopleOrder order, const PeopleFilter& filter,
                                    size_t offset, size_t limit) const override;
  int64_t people_count(const std::string& collection_id, const PeopleFilter& filter) const override;
  std::optional<PersonSummary> person(const std::string& collection_id, const std::string& person_id) const override;
  std::vector<PersonSummary> named_or_hidden(const std::string& collection_id) const override;
  std::vector<std::string> photos_with_all(const std::string& collection_id,
                                           const std::vector<std::string>& person_ids) const override;
  void set_name(const std::string& collection_id, const std::string& person_id, const std::string& name) override;
  void set_hidden(const std::string& collection_id, const std::string& person_id, bool hidden) override;
  void set_cover(const std::string& collection_id, const std::string& person_id, const std::string& face_id) override;

 private:
  std::shared_ptr<SqlDatabase> db_;
};

}  // namespace beetroot
