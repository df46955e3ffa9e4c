#pragma once
#include <memory>

#include "storage/photo_table.h"
#include "storage/sql/sql_database.h"

namespace beetroot {

// The Photos table (PHOTOS_TABLE) in SQLite or PostgreSQL.
class SqlPhotoTable : public PhotoTable {
 public:
  SqlPhotoTable(std::shared_ptr<SqlDatabase> db, std::string table_name);
  bool insert_once(const PhotoRow& row) override;
  std::optional<PhotoRow> get(const std::string& photo_id) const override;
  std::vector<PhotoRow> get_many(const std::vector<std::string>& photo_ids) const override;
  void finish(const std::string& photo_id, int face_count, const std::vector<std::string>& thumb_keys) override;
  void fail(const std::string& photo_id, const std::string& error) override;
  bool retry_failed(const std::string& photo_id) override;
  std::vector<PhotoRow> list(std::optional<PhotoStatus> status) const override;
  void set_face_thumb_keys(const std::string& photo_id, const std::vector<std::string>& thumb_keys) override;
  bool remove_finished(const std::string& photo_id) override;
  void set_taken_at(const std::string& photo_id, const std::string& taken_at) override;

 private:
  std::string table() const { return "\"" + table_ + "\""; }

  std::shared_ptr<SqlDatabase> db_;
  std::string table_;
};

}  // namespace beetroot
