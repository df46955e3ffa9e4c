#include "storage/sqlite/sqlite_photo_table.h"

#include <nlohmann/json.hpp>

#include "inference/error.h"

namespace beetroot {
namespace {

constexpr const char* kColumns = "photo_id, bucket, key, uploaded_at, status, face_count, face_thumb_keys, error";

PhotoRow read_row(const Statement& s) {
  PhotoRow row;
  row.photo_id = s.text(0);
  row.bucket = s.text(1);
  row.key = s.text(2);
  row.uploaded_at = s.text(3);
  row.status = parse_photo_status(s.text(4));
  row.face_count = static_cast<int>(s.integer(5));
  row.face_thumb_keys = nlohmann::json::parse(s.text(6)).get<std::vector<std::string>>();
  row.error = s.text(7);
  return row;
}

}  // namespace

SqlitePhotoTable::SqlitePhotoTable(std::shared_ptr<Database> db, std::string table_name)
    : db_(std::move(db)), table_(std::move(table_name)) {
  const bool valid = !table_.empty() && std::all_of(table_.begin(), table_.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!valid) throw Error(ErrorKind::InvalidParameter, "invalid PHOTOS_TABLE name '" + table_ + "' (letters, digits, '_')");
  db_->exec("CREATE TABLE IF NOT EXISTS \"" + table_ +
            "\" (photo_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, uploaded_at TEXT NOT NULL,"
            " status TEXT NOT NULL, face_count INTEGER NOT NULL DEFAULT 0, face_thumb_keys TEXT NOT NULL DEFAULT '[]',"
            " error TEXT NOT NULL DEFAULT '')");
}

bool SqlitePhotoTable::insert_once(const PhotoRow& row) {
  auto guard = db_->lock();
  db_->prepare("INSERT OR IGNORE INTO \"" + table_ + "\" (" + kColumns + ") VALUES (?,?,?,?,?,?,?,?)")
      .bind(1, row.photo_id)
      .bind(2, row.bucket)
      .bind(3, row.key)
      .bind(4, row.uploaded_at)
      .bind(5, to_string(row.status))
      .bind(6, static_cast<int64_t>(row.face_count))
      .bind(7, nlohmann::json(row.face_thumb_keys).dump())
      .bind(8, row.error)
      .run();
  return db_->changes() == 1;
}

std::optional<PhotoRow> SqlitePhotoTable::get(const std::string& photo_id) const {
  auto guard = db_->lock();
  auto s = db_->prepare(std::string("SELECT ") + kColumns + " FROM \"" + table_ + "\" WHERE photo_id = ?");
  s.bind(1, photo_id);
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

void SqlitePhotoTable::finish(const std::string& photo_id, int face_count, const std::vector<std::string>& thumb_keys) {
  auto guard = db_->lock();
  db_->prepare("UPDATE \"" + table_ + "\" SET status = 'done', face_count = ?, face_thumb_keys = ?, error = '' WHERE photo_id = ?")
      .bind(1, static_cast<int64_t>(face_count))
      .bind(2, nlohmann::json(thumb_keys).dump())
      .bind(3, photo_id)
      .run();
}

void SqlitePhotoTable::fail(const std::string& photo_id, const std::string& error) {
  auto guard = db_->lock();
  db_->prepare("UPDATE \"" + table_ + "\" SET status = 'failed', error = ? WHERE photo_id = ?")
      .bind(1, error)
      .bind(2, photo_id)
      .run();
}

std::vector<PhotoRow> SqlitePhotoTable::list(std::optional<PhotoStatus> status) const {
  auto guard = db_->lock();
  auto s = db_->prepare(std::string("SELECT ") + kColumns + " FROM \"" + table_ + "\"" +
                        (status ? " WHERE status = ?" : "") + " ORDER BY uploaded_at, photo_id");
  if (status) s.bind(1, to_string(*status));
  std::vector<PhotoRow> rows;
  while (s.step()) rows.push_back(read_row(s));
  return rows;
}

void SqlitePhotoTable::set_face_thumb_keys(const std::string& photo_id, const std::vector<std::string>& thumb_keys) {
  auto guard = db_->lock();
  db_->prepare("UPDATE \"" + table_ + "\" SET face_thumb_keys = ? WHERE photo_id = ?")
      .bind(1, nlohmann::json(thumb_keys).dump())
      .bind(2, photo_id)
      .run();
}

bool SqlitePhotoTable::remove_finished(const std::string& photo_id) {
  auto guard = db_->lock();
  db_->prepare("DELETE FROM \"" + table_ + "\" WHERE photo_id = ? AND status != 'pending'").bind(1, photo_id).run();
  return db_->changes() == 1;
}

}  // namespace beetroot
