#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "collection/face_collection.h"
#include "inference/face_engine.h"
#include "people/people.h"
#include "storage/object_store.h"
#include "storage/photo_table.h"

namespace beetroot {

// A face the collection would not index, with the cloud API's reason.
struct UnindexedFace {
  int detection_index;
  std::string reason;  // collection/admission.h
};

struct IngestResult {
  enum class Outcome { Processed, AlreadyDone, Failed, Skipped };
  Outcome outcome;
  std::string photo_id;
  std::vector<FaceRecord> faces;
  std::vector<UnindexedFace> unindexed;
  std::string error;
};

// Where ingestion time goes, summed over all photos (microseconds of wall time per stage).
struct StageTimes {
  std::atomic<int64_t> read_us{0}, decode_us{0}, detect_us{0}, describe_us{0}, assign_us{0}, encode_us{0}, store_us{0};
  std::atomic<int64_t> photos_detected{0};  // photos run through the detector
};

// What ingestion needs of the settings; app/settings.h fills it (names, defaults, meanings).
struct PipelineSettings {
  float match_threshold;      // FACE_MATCH_THRESHOLD
  float min_face_pixels;      // MIN_FACE_PIXELS
  float min_sharpness;        // MIN_SHARPNESS
  std::string raw_bucket;     // RAW_BUCKET
  std::string raw_prefix;     // RAW_PREFIX
  int thumb_jpeg_quality;     // THUMB_JPEG_QUALITY
};

// Turns one photo in the object store into filed faces. Re-running a photo is always safe:
// its row stays 'pending' until thumbnails and faces are stored, and face identities derive from
// (photoId, face index), so a retry finds and reuses what an earlier attempt wrote.
class Pipeline {
 public:
  Pipeline(FaceEngine& engine, ObjectStore& objects, PhotoTable& photos, FaceCollection& collection, People& people,
           PipelineSettings settings);

  // Stores the file's bytes under RAW_PREFIX in the raw bucket (unless already recorded) and ingests it.
  IngestResult ingest_bytes(const std::string& key, std::string_view bytes);
  // The first half of that: the bytes stored at `key` in the raw bucket unless its photo is
  // recorded already (a row always has its object, so the object goes first).
  void store_raw(const std::string& key, std::string_view bytes);
  // Where an uploaded file goes: RAW_PREFIX "uploads/<content hash>/<file name made safe>", so the
  // same photo uploaded twice is one photo and two photos of one name are two.
  std::string upload_key(const std::string& filename, std::string_view bytes) const;
  // Throws the Error ingesting these bytes would meet in decoding (corrupt, truncated, too many
  // pixels, not a photo): all of the data read, at 1/8 where the format allows, so little work.
  void check_decodes(std::string_view bytes) const;
  // Ingests an object already in the store (S3 "ObjectCreated" event).
  IngestResult ingest_object(const std::string& bucket, const std::string& key);
  // Finishes every photo left pending by an interrupted run.
  std::vector<IngestResult> resume_pending();

  // The two halves of ingest_object, for a queue between them: `record` inserts the row once and
  // returns it if it still needs processing (new or pending), `process_recorded` files its faces.
  std::optional<PhotoRow> record(const std::string& bucket, const std::string& key);
  IngestResult process_recorded(const PhotoRow& row) { return process(row, nullptr); }
  // The same with the photo's bytes already read (a library scan hashes them on the way).
  IngestResult process_recorded(const PhotoRow& row, const std::string& bytes) { return process(row, &bytes); }
  std::vector<PhotoRow> pending() const { return photos_.list(PhotoStatus::Pending); }
  std::optional<PhotoRow> photo(const std::string& photo_id) const { return photos_.get(photo_id); }
  // Files a face the detector missed, where a user drew its box (ratios of the photo): landmarks
  // and descriptor from that box, then a person, a thumbnail and the Photos row as for any face.
  // Error NotFound for a photo not filed (yet), InvalidParameter for a box off the photo.
  FaceRecord add_drawn_face(const std::string& photo_id, const cv::Rect2f& box);
  // Marks a photo that keeps failing without an error of its own (its workers died) as failed.
  void give_up(const PhotoRow& row, const std::string& reason);
  // Whether ingest_object would take this key (inside RAW_PREFIX); logs the skip if not.
  bool accepts(const std::string& bucket, const std::string& key) const;

  const PipelineSettings& settings() const { return settings_; }
  const StageTimes& stage_times() const { return times_; }

 private:
  IngestResult process(const PhotoRow& row, const std::string* bytes);
  IngestResult record_and_process(const std::string& bucket, const std::string& key, const std::string* bytes);

  FaceEngine& engine_;
  ObjectStore& objects_;
  PhotoTable& photos_;
  FaceCollection& collection_;
  People& people_;
  PipelineSettings settings_;
  StageTimes times_;
};

}  // namespace beetroot
