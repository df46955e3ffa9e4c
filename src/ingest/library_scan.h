#pragma once
// A library folder brought in line with what is filed from it: new files filed, changed ones filed
// again, moved or renamed ones recognised by their content and carried over with no detection,
// deleted ones removed with their faces and thumbnails.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "ingest/pipeline.h"
#include "people/people.h"
#include "storage/job_queue.h"
#include "storage/library_table.h"
#include "storage/photo_table.h"

namespace beetroot {

struct ScanFailure {
  std::string path, reason;
};

struct ScanReport {
  size_t seen = 0;       // photo files found under the root
  size_t unchanged = 0;  // same size and modification time as the last scan (or the same content)
  size_t added = 0, changed = 0, moved = 0, deleted = 0;
  size_t queued = 0;       // of the added and changed, left to `beetroot worker` processes
  size_t to_file = 0, filed = 0;  // photos to detect in this scan, and those done so far
  int64_t photos_detected = 0;
  std::vector<ScanFailure> failures;
};

struct ScanOptions {
  size_t workers = 1;        // photos filed at once
  bool queue_only = false;   // queue added and changed photos for workers instead of filing them here
  bool accept_empty = false; // a root with no photo left deletes everything filed from it
  std::function<void(const ScanReport&)> on_progress;  // after each photo filed (from any thread)
};

// The photo files a scan looks at, by extension (any case); everything else is left alone.
bool is_photo_file_name(const std::string& name);
// Folders a scan and a watch leave out: hidden ones, NAS indexers' thumbnails, trash.
bool is_skipped_folder(const std::string& name);

class LibraryScan {
 public:
  // `pipeline` files photos here (none is needed when only queueing); `jobs` takes them for workers.
  LibraryScan(LibraryTable& libraries, PhotoTable& photos, People& people, Pipeline* pipeline, JobQueue* jobs);

  // Error Conflict, with nothing changed, when the root is missing or unreadable (a disk not
  // mounted), or holds no photo while photos were filed from it (unless `accept_empty`).
  ScanReport scan(const Library& library, const ScanOptions& options);

 private:
  LibraryTable& libraries_;
  PhotoTable& photos_;
  People& people_;
  Pipeline* pipeline_;
  JobQueue* jobs_;
};

}  // namespace beetroot
