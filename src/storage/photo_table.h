#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace beetroot {

// A photo is 'pending' from its insertion until its faces are filed; only then 'done'.
// A crash leaves it 'pending', and the next run resumes it.
enum class PhotoStatus { Pending, Done, Failed };
std::string to_string(PhotoStatus status);
PhotoStatus parse_photo_status(const std::string& text);

struct PhotoRow {
  std::string photo_id;
  std::string bucket;
  std::string key;
  std::string uploaded_at;  // ISO 8601, UTC
  PhotoStatus status = PhotoStatus::Pending;
  int face_count = 0;
  std::vector<std::string> face_thumb_keys;
  std::string error;
  std::string taken_at;  // when the photo was taken (EXIF DateTimeOriginal, local time), "" if unknown
};

class PhotoTable {
 public:
  virtual ~PhotoTable() = default;
  // Inserts the row unless its photoId exists; returns whether it did.
  virtual bool insert_once(const PhotoRow& row) = 0;
  virtual std::optional<PhotoRow> get(const std::string& photo_id) const = 0;
  // The rows of those of the photos that have one, in no particular order.
  virtual std::vector<PhotoRow> get_many(const std::vector<std::string>& photo_ids) const = 0;
  virtual void finish(const std::string& photo_id, int face_count, const std::vector<std::string>& thumb_keys) = 0;
  virtual void fail(const std::string& photo_id, const std::string& error) = 0;
  // A failed photo back to pending, for another attempt; false if it is not failed (any more).
  virtual bool retry_failed(const std::string& photo_id) = 0;
  virtual std::vector<PhotoRow> list(std::optional<PhotoStatus> status = std::nullopt) const = 0;
  virtual void set_taken_at(const std::string& photo_id, const std::string& taken_at) = 0;
  // After thumbnails moved to another person's folder, or a face was deleted: faceCount follows.
  virtual void set_face_thumb_keys(const std::string& photo_id, const std::vector<std::string>& thumb_keys) = 0;
  // Removes a finished (done or failed) photo's row; false if there is none or it is still pending.
  virtual bool remove_finished(const std::string& photo_id) = 0;
};

// photoId: the first 20 hex digits of sha256("<bucket>/<key>").
std::string photo_id_for(const std::string& bucket, const std::string& key);
std::string utc_now_iso8601();

}  // namespace beetroot
