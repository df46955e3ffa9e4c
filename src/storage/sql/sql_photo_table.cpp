#include "storage/sql/sql_photo_table.h"

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace beetroot {
namespace {

constexpr const char* kColumns =
    "photo_id, bucket, key, uploaded_at, status, face_count, face_thumb_keys, error, taken_at";

PhotoRow read_row(const SqlRow& r) {
  PhotoRow row;
  row.photo_id = r.text(0);
  row.bucket = r.text(1);
  row.key = r.text(2);
  row.uploaded_at = r.text(3);
  row.status = parse_photo_status(r.text(4));
  row.face_count = static_cast<int>(r.integer(5));
  row.face_thumb_keys = nlohmann::json::parse(r.text(6)).get<std::vector<std::string>>();
  row.error = r.text(7);
  row.taken_at = r.text(8);
  return row;
}

std::string keys_json(const std::vector<std::string>& keys) { return nlohmann::json(keys).dump(); }

}  // namespace

SqlPhotoTable::SqlPhotoTable(std::shared_ptr<SqlDatabase> db, std::string table_name)
    : db_(std::move(db)), table_(std::move(table_name)) {
  const bool valid = !table_.empty() && table_.size() <= 63 && std::all_of(table_.begin(), table_.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!valid)
    throw Error(ErrorKind::InvalidParameter,
                "invalid PHOTOS_TABLE name '" + table_ + "' (1-63 letters, digits and '_')");
  // The same text in both engines; photo_id sorts bytewise in both (COLLATE "C" in PostgreSQL).
  const std::string id_type = db_->dialect() == SqlDatabase::Dialect::Postgres ? "TEXT COLLATE \"C\"" : "TEXT";
  db_->transaction([&] {
    db_->migrate("photos." + table_, {
        "CREATE TABLE IF NOT EXISTS " + table() + " (photo_id " + id_type +
            " PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, uploaded_at TEXT NOT NULL,"
            " status TEXT NOT NULL, face_count INTEGER NOT NULL DEFAULT 0,"
            " face_thumb_keys TEXT NOT NULL DEFAULT '[]', error TEXT NOT NULL DEFAULT '')",
        // When each photo was taken, for finding photos by people newest first.
        "ALTER TABLE " + table() + " ADD COLUMN taken_at TEXT NOT NULL DEFAULT ''",
    });
  });
}

bool SqlPhotoTable::insert_once(const PhotoRow& row) {
  return db_->query("INSERT INTO " + table() + " (" + kColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)" +
                        " ON CONFLICT (photo_id) DO NOTHING",
                    {row.photo_id, row.bucket, row.key, row.uploaded_at, to_string(row.status),
                     static_cast<int64_t>(row.face_count), keys_json(row.face_thumb_keys), row.error, row.taken_at})
             .affected == 1;
}

std::optional<PhotoRow> SqlPhotoTable::get(const std::string& photo_id) const {
  const auto rows = db_->query(std::string("SELECT ") + kColumns + " FROM " + table() + " WHERE photo_id = $1", {photo_id}).rows;
  if (rows.empty()) return std::nullopt;
  return read_row(rows.front());
}

std::vector<PhotoRow> SqlPhotoTable::get_many(const std::vector<std::string>& photo_ids) const {
  constexpr size_t kPerQuery = 500;  // well within both engines' limits on parameters
  std::vector<PhotoRow> out;
  for (size_t first = 0; first < photo_ids.size(); first += kPerQuery) {
    std::vector<SqlValue> args;
    std::string in;
    for (size_t i = first; i < std::min(photo_ids.size(), first + kPerQuery); ++i) {
      args.emplace_back(photo_ids[i]);
      in += (in.empty() ? "$" : ", $") + std::to_string(args.size());
    }
    for (const auto& r : db_->query(std::string("SELECT ") + kColumns + " FROM " + table() + " WHERE photo_id IN (" + in + ")",
                                    args)
                             .rows)
      out.push_back(read_row(r));
  }
  return out;
}

void SqlPhotoTable::finish(const std::string& photo_id, int face_count, const std::vector<std::string>& thumb_keys) {
  db_->query("UPDATE " + table() + " SET status = 'done', face_count = $1, face_thumb_keys = $2, error = ''"
             " WHERE photo_id = $3",
             {static_cast<int64_t>(face_count), keys_json(thumb_keys), photo_id});
}

void SqlPhotoTable::fail(const std::string& photo_id, const std::string& error) {
  db_->query("UPDATE " + table() + " SET status = 'failed', error = $1 WHERE photo_id = $2", {error, photo_id});
}

bool SqlPhotoTable::retry_failed(const std::string& photo_id) {
  return db_->query("UPDATE " + table() + " SET status = 'pending', error = '' WHERE photo_id = $1 AND status = 'failed'",
                    {photo_id})
             .affected == 1;
}

std::vector<PhotoRow> SqlPhotoTable::list(std::optional<PhotoStatus> status) const {
  const std::string status_text = status ? to_string(*status) : "";
  const auto rows = db_->query(std::string("SELECT ") + kColumns + " FROM " + table() +
                                   (status ? " WHERE status = $1" : "") + " ORDER BY uploaded_at, photo_id",
                               status ? std::vector<SqlValue>{status_text} : std::vector<SqlValue>{})
                        .rows;
  std::vector<PhotoRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(read_row(r));
  return out;
}

void SqlPhotoTable::set_face_thumb_keys(const std::string& photo_id, const std::vector<std::string>& thumb_keys) {
  db_->query("UPDATE " + table() + " SET face_thumb_keys = $1, face_count = $2 WHERE photo_id = $3",
             {keys_json(thumb_keys), static_cast<int64_t>(thumb_keys.size()), photo_id});
}

bool SqlPhotoTable::remove_finished(const std::string& photo_id) {
  return db_->query("DELETE FROM " + table() + " WHERE photo_id = $1 AND status != 'pending'", {photo_id}).affected == 1;
}

void SqlPhotoTable::set_taken_at(const std::string& photo_id, const std::string& taken_at) {
  db_->query("UPDATE " + table() + " SET taken_at = $1 WHERE photo_id = $2", {taken_at, photo_id});
}

}  // namespace beetroot
