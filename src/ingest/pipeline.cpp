#include "ingest/pipeline.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/error.h"
#include "base/hash.h"
#include "collection/admission.h"
#include "ingest/date_taken.h"

namespace beetroot {
namespace {

std::string encode_thumbnail(const cv::Mat& rgb, const cv::Rect2f& ratio_box, int quality) {
  const cv::Rect box = cv::Rect(cv::Rect2f(ratio_box.x * rgb.cols, ratio_box.y * rgb.rows, ratio_box.width * rgb.cols,
                                           ratio_box.height * rgb.rows)) &
                       cv::Rect(0, 0, rgb.cols, rgb.rows);
  if (box.width <= 0 || box.height <= 0) throw Error(ErrorKind::Internal, "face box lies outside the image");
  return encode_jpeg(rgb(box), quality);
}

// Adds the wall time of its scope to one stage's counter.
class StageTimer {
 public:
  explicit StageTimer(std::atomic<int64_t>& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  ~StageTimer() {
    total_ += std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::atomic<int64_t>& total_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

Pipeline::Pipeline(FaceEngine& engine, ObjectStore& objects, PhotoTable& photos, FaceCollection& collection, People& people,
                   PipelineSettings settings)
    : engine_(engine),
      objects_(objects),
      photos_(photos),
      collection_(collection),
      people_(people),
      settings_(std::move(settings)) {}

IngestResult Pipeline::ingest_bytes(const std::string& key, std::string_view bytes) {
  store_raw(key, bytes);
  const std::string owned(bytes);
  return record_and_process(settings_.raw_bucket, key, &owned);
}

void Pipeline::store_raw(const std::string& key, std::string_view bytes) {
  validate_key(key);
  if (!photos_.get(photo_id_for(settings_.raw_bucket, key))) objects_.put(settings_.raw_bucket, key, bytes);
}

std::string Pipeline::upload_key(const std::string& filename, std::string_view bytes) const {
  std::string safe;
  for (char c : filename.substr(0, 100))
    safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  if (safe.empty() || safe.find_first_not_of('.') == std::string::npos) safe = "photo";
  return settings_.raw_prefix + "uploads/" + sha256_hex(bytes).substr(0, 16) + "/" + safe;
}

void Pipeline::check_decodes(std::string_view bytes) const {
  DecodeOptions smallest = engine_.options().decode;
  smallest.work_long_side = 1;
  decode_image(bytes, smallest);
}

bool Pipeline::accepts(const std::string& bucket, const std::string& key) const {
  validate_bucket(bucket);
  validate_key(key);
  if (key.rfind(settings_.raw_prefix, 0) == 0) return true;
  spdlog::info("Event: key {} is outside RAW_PREFIX {}; skipping", key, settings_.raw_prefix);
  return false;
}

IngestResult Pipeline::ingest_object(const std::string& bucket, const std::string& key) {
  if (!accepts(bucket, key)) return {IngestResult::Outcome::Skipped, photo_id_for(bucket, key), {}, {}, ""};
  return record_and_process(bucket, key, nullptr);
}

std::optional<PhotoRow> Pipeline::record(const std::string& bucket, const std::string& key) {
  PhotoRow row{photo_id_for(bucket, key), bucket, key, utc_now_iso8601(), PhotoStatus::Pending, 0, {}, ""};
  if (photos_.insert_once(row)) {
    spdlog::info("Photos: inserted photoId={} key={}", row.photo_id, key);
    return row;
  }
  row = *photos_.get(row.photo_id);
  if (row.status == PhotoStatus::Pending) {
    spdlog::info("Photos: resuming unfinished photoId={} key={}", row.photo_id, key);
    return row;
  }
  // A new event for a photo that failed (its object missing then, say) is another attempt.
  if (row.status == PhotoStatus::Failed && photos_.retry_failed(row.photo_id)) {
    spdlog::info("Photos: retrying failed photoId={} key={} (was: {})", row.photo_id, key, row.error);
    row.status = PhotoStatus::Pending;
    row.error.clear();
    return row;
  }
  spdlog::info("Photos: already exists; skipping photoId={} key={}", row.photo_id, key);
  return std::nullopt;
}

IngestResult Pipeline::record_and_process(const std::string& bucket, const std::string& key, const std::string* bytes) {
  if (auto row = record(bucket, key)) return process(*row, bytes);
  const PhotoRow row = *photos_.get(photo_id_for(bucket, key));
  return {row.status == PhotoStatus::Done ? IngestResult::Outcome::AlreadyDone : IngestResult::Outcome::Failed,
          row.photo_id, {}, {}, row.error};
}

std::vector<IngestResult> Pipeline::resume_pending() {
  std::vector<IngestResult> results;
  for (const auto& row : photos_.list(PhotoStatus::Pending)) {
    spdlog::info("Photos: resuming unfinished photoId={} key={}", row.photo_id, row.key);
    results.push_back(process(row, nullptr));
  }
  return results;
}

void Pipeline::give_up(const PhotoRow& row, const std::string& reason) {
  photos_.fail(row.photo_id, reason);
  spdlog::warn("Photos: failed photoId={} key={}: {}", row.photo_id, row.key, reason);
}

IngestResult Pipeline::process(const PhotoRow& row, const std::string* bytes) {
  const Cores::Turn turn(engine_.cores());  // this photo's net calls before those of photos begun later
  IngestResult result{IngestResult::Outcome::Processed, row.photo_id, {}, {}, ""};
  DetectedImage detected;
  std::optional<std::string> taken;
  try {
    std::optional<std::string> fetched;
    if (!bytes) {
      StageTimer timer(times_.read_us);
      fetched = objects_.get(row.bucket, row.key);
      if (!fetched) throw Error(ErrorKind::NotFound, "object " + row.bucket + "/" + row.key + " does not exist");
      bytes = &*fetched;
    }
    {
      StageTimer timer(times_.decode_us);
      detected.image = decode_image(*bytes, engine_.options().decode);
      taken = date_taken(*bytes);  // here, while the fetched bytes live
    }
    StageTimer timer(times_.detect_us);
    detected.faces = engine_.detect(detected.image.rgb);
    ++times_.photos_detected;
  } catch (const Error& e) {
    photos_.fail(row.photo_id, e.what());
    spdlog::warn("Photos: failed photoId={} key={}: {}", row.photo_id, row.key, e.what());
    return {IngestResult::Outcome::Failed, row.photo_id, {}, {}, e.what()};
  }
  const cv::Mat& rgb = detected.image.rgb;
  spdlog::info("DetectFaces: photoId={} faces={}", row.photo_id, detected.faces.size());
  std::vector<FaceDetail> admitted;
  const AdmissionBar bar = admission_bar("AUTO", settings_.min_face_pixels, settings_.min_sharpness);
  for (size_t i = 0; i < detected.faces.size(); ++i) {
    const FaceDetail& f = detected.faces[i];
    const std::string reason = admission_refusal(f, bar);
    if (!reason.empty()) {
      spdlog::info("UnindexedFace: photoId={} detection={} reason={}", row.photo_id, i + 1, reason);
      result.unindexed.push_back({static_cast<int>(i + 1), reason});
      continue;
    }
    admitted.push_back(f);
  }
  std::vector<Descriptor> descriptors;
  {
    StageTimer timer(times_.describe_us);
    descriptors = engine_.describe(rgb, admitted);  // one batch through the recognition net
  }
  std::vector<FaceRecord> faces = face_records(admitted, descriptors, rgb.size());
  for (auto& record : faces) record.external_image_id = row.photo_id + "_face_" + std::to_string(record.face_index);
  auto thumb_key = [&](const std::string& person_id, int index) {
    return people_.thumbnails().key(person_id, row.photo_id, index);
  };
  {
    StageTimer timer(times_.assign_us);
    result.faces = collection_.assign(row.photo_id, std::move(faces), settings_.match_threshold, thumb_key);
  }
  std::vector<std::string> keys;
  for (const auto& face : result.faces) {
    std::string jpeg;
    {
      StageTimer timer(times_.encode_us);
      jpeg = encode_thumbnail(rgb, face.box, settings_.thumb_jpeg_quality);
    }
    StageTimer timer(times_.store_us);
    objects_.put(people_.thumbnails().bucket, face.thumb_key, jpeg);
    keys.push_back(face.thumb_key);
  }
  if (taken) photos_.set_taken_at(row.photo_id, *taken);
  photos_.finish(row.photo_id, static_cast<int>(keys.size()), keys);
  spdlog::info("Photos: done photoId={} faces={}", row.photo_id, keys.size());
  // After the thumbnails exist, so that a merge moves them; a crash before it only leaves the
  // persons apart, for the next photo near them or `beetroot recluster` to join.
  {
    StageTimer timer(times_.assign_us);
    if (!people_.merge_linked(result.faces, settings_.match_threshold).empty()) {
      std::vector<std::string> ids;
      for (const auto& f : result.faces) ids.push_back(f.face_id);
      result.faces = collection_.faces(ids);
    }
  }
  return result;
}

FaceRecord Pipeline::add_drawn_face(const std::string& photo_id, const cv::Rect2f& box) {
  const auto row = photos_.get(photo_id);
  if (!row || row->status != PhotoStatus::Done) throw Error(ErrorKind::NotFound, "photo " + photo_id + " is not filed");
  const bool inside = box.x >= 0 && box.y >= 0 && box.width > 0 && box.height > 0 && box.x + box.width <= 1.0001f &&
                      box.y + box.height <= 1.0001f;
  if (!inside) throw Error(ErrorKind::InvalidParameter, "the box must lie on the photo (ratios from 0 to 1)");
  const auto bytes = objects_.get(row->bucket, row->key);
  if (!bytes) throw Error(ErrorKind::NotFound, "object " + row->bucket + "/" + row->key + " does not exist");
  const Cores::Turn turn(engine_.cores());
  const cv::Mat rgb = decode_image(*bytes, engine_.options().decode).rgb;
  const cv::Rect2f pixels(box.x * rgb.cols, box.y * rgb.rows, box.width * rgb.cols, box.height * rgb.rows);
  if (pixels.width < settings_.min_face_pixels || pixels.height < settings_.min_face_pixels)
    throw Error(ErrorKind::InvalidParameter, "the box is smaller than a face beetroot can file (" +
                                                 std::to_string(static_cast<int>(settings_.min_face_pixels)) + " px)");
  const FaceDetail detail = engine_.measure(rgb, pixels);
  FaceRecord face;
  face.box = box;
  face.confidence = 100;
  face.descriptor = engine_.describe(rgb, detail);
  face.external_image_id = photo_id;
  const auto thumb_key = [&](const std::string& person_id, int index) {
    return people_.thumbnails().key(person_id, photo_id, index);
  };
  face = collection_.add_to_photo(photo_id, std::move(face), settings_.match_threshold, thumb_key);
  objects_.put(people_.thumbnails().bucket, face.thumb_key, encode_thumbnail(rgb, face.box, settings_.thumb_jpeg_quality));
  auto keys = photos_.get(photo_id)->face_thumb_keys;
  keys.push_back(face.thumb_key);
  photos_.set_face_thumb_keys(photo_id, keys);
  spdlog::info("Photos: drawn face faceId={} photoId={} personId={}", face.face_id, photo_id, face.person_id);
  people_.merge_linked({face}, settings_.match_threshold);
  return *collection_.face(face.face_id);
}

}  // namespace beetroot
