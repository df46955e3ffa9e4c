#include "ingest/library_scan.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/error.h"
#include "base/hash.h"
#include "inference/image.h"
#include "storage/object_store.h"

namespace beetroot {
namespace {

namespace fs = std::filesystem;

// What phones, cameras and scanners write; sidecars (.xmp), videos and the rest are not photos.
const std::set<std::string> kPhotoExtensions = {
    "jpg", "jpeg", "jpe", "png", "webp", "heic", "heif", "hif", "avif", "tif", "tiff", "gif", "bmp", "jxl",
    "dng", "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "raf", "orf", "rw2", "pef", "srw", "x3f", "3fr", "iiq", "erf", "mrw"};

struct FoundFile {
  std::string path;
  fs::path full;
  int64_t size = 0, mtime_ns = 0;
};

struct Walk {
  std::vector<FoundFile> files;
  std::vector<std::string> unreadable;  // folders (relative) that could not be listed
};

// Nanoseconds since 1970, as stat(2) gives them (the file clock's own epoch is the library's choice).
int64_t mtime_ns(const fs::file_time_type& t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::file_clock::to_sys(t).time_since_epoch()).count();
}

// Folder by folder, so that one unreadable folder is known as such instead of ending the walk.
Walk walk(const fs::path& root) {
  Walk out;
  std::vector<fs::path> folders = {root};
  while (!folders.empty()) {
    const fs::path folder = folders.back();
    folders.pop_back();
    std::error_code error;
    fs::directory_iterator it(folder, error), end;
    for (; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      std::error_code status_error;
      const auto status = it->status(status_error);
      if (status_error) continue;  // a dangling link
      if (fs::is_directory(status)) {
        if (!is_skipped_folder(name) && !it->is_symlink()) folders.push_back(it->path());
      } else if (fs::is_regular_file(status) && is_photo_file_name(name)) {
        FoundFile f;
        f.full = it->path();
        f.path = fs::relative(it->path(), root).generic_string();
        f.size = static_cast<int64_t>(it->file_size(status_error));
        f.mtime_ns = mtime_ns(it->last_write_time(status_error));
        if (!status_error) out.files.push_back(std::move(f));
      }
    }
    if (error) out.unreadable.push_back(fs::relative(folder, root).generic_string());
  }
  std::sort(out.files.begin(), out.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

bool under_any(const std::string& path, const std::vector<std::string>& folders) {
  return std::any_of(folders.begin(), folders.end(), [&](const std::string& f) {
    return f == "." || (path.size() > f.size() && path.starts_with(f) && path[f.size()] == '/');
  });
}

}  // namespace

bool is_skipped_folder(const std::string& name) {
  return name.empty() || name[0] == '.' || name == "@eaDir" || name == "#recycle" || name == "$RECYCLE.BIN" ||
         name == "lost+found";
}

bool is_photo_file_name(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return false;
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return kPhotoExtensions.count(ext) > 0;
}

LibraryScan::LibraryScan(LibraryTable& libraries, PhotoTable& photos, People& people, Pipeline* pipeline, JobQueue* jobs)
    : libraries_(libraries), photos_(photos), people_(people), pipeline_(pipeline), jobs_(jobs) {}

ScanReport LibraryScan::scan(const Library& library, const ScanOptions& options) {
  const fs::path root(library.root);
  const std::string refusal = "library '" + library.name + "': ";
  std::error_code error;
  if (!fs::is_directory(root, error) || error)
    throw Error(ErrorKind::Conflict, refusal + library.root +
                                         " is missing or not a folder (a disk not mounted?); nothing was changed");
  const Walk found = walk(root);
  if (std::find(found.unreadable.begin(), found.unreadable.end(), ".") != found.unreadable.end())
    throw Error(ErrorKind::Conflict, refusal + library.root + " cannot be read; nothing was changed");
  std::map<std::string, LibraryFile> recorded;
  for (auto& f : libraries_.files(library.name)) recorded.emplace(f.path, std::move(f));
  if (found.files.empty() && !recorded.empty() && !options.accept_empty)
    throw Error(ErrorKind::Conflict, refusal + library.root + " holds no photo, but " + std::to_string(recorded.size()) +
                                         " were filed from it (a disk not mounted?); nothing was changed. If they "
                                         "were all deleted, scan with --accept-empty");

  ScanReport report;
  report.seen = found.files.size();
  std::mutex report_mutex;
  auto fail = [&](const std::string& path, const std::string& reason) {
    std::lock_guard lock(report_mutex);
    report.failures.push_back({path, reason});
    spdlog::warn("Library: {}/{}: {}", library.name, path, reason);
  };

  // Compare what is there with what was recorded: size and time first, content only when they differ.
  std::vector<const FoundFile*> fresh;           // paths not recorded
  std::vector<std::pair<const FoundFile*, std::string>> changed;  // with the content hash found
  std::set<std::string> present;
  for (const auto& f : found.files) {
    present.insert(f.path);
    const auto r = recorded.find(f.path);
    if (r == recorded.end()) {
      fresh.push_back(&f);
      continue;
    }
    if (r->second.size == f.size && r->second.mtime_ns == f.mtime_ns) {
      ++report.unchanged;
      continue;
    }
    try {
      const std::string hash = sha256_file_hex(f.full.string());
      if (hash == r->second.content_hash) {  // touched, not changed
        ++report.unchanged;
        libraries_.put_file(library.name, {f.path, f.size, f.mtime_ns, hash, r->second.photo_id});
      } else {
        changed.emplace_back(&f, hash);
      }
    } catch (const Error& e) {
      fail(f.path, e.what());
    }
  }
  // Gone: recorded, not found, and not under a folder that could not be read this time.
  std::vector<const LibraryFile*> gone;
  for (const auto& [path, file] : recorded)
    if (!present.count(path) && !under_any(path, found.unreadable)) gone.push_back(&file);
  for (const auto& folder : found.unreadable) fail(folder + "/", "folder cannot be read; its photos are kept as they were");

  // A new path with the content of a gone one is that photo, moved or renamed. The new files are
  // read for their hash here only when something is gone; otherwise while they are filed.
  std::map<std::string, std::string> fresh_hash;  // path -> content hash
  if (!gone.empty()) {
    std::multimap<std::string, const LibraryFile*> gone_by_hash;
    for (const auto* g : gone) gone_by_hash.emplace(g->content_hash, g);
    std::set<const LibraryFile*> moved_away;
    std::vector<const FoundFile*> still_fresh;
    for (const auto* f : fresh) {
      std::string hash;
      try {
        hash = sha256_file_hex(f->full.string());
      } catch (const Error& e) {
        fail(f->path, e.what());
        continue;
      }
      fresh_hash[f->path] = hash;
      const auto match = gone_by_hash.find(hash);
      if (match == gone_by_hash.end()) {
        still_fresh.push_back(f);
        continue;
      }
      const LibraryFile* from = match->second;
      gone_by_hash.erase(match);
      try {
        std::string photo_id = photo_id_for(library.name, f->path);
        if (photos_.get(from->photo_id)) photo_id = people_.move_photo(from->photo_id, library.name, f->path);
        libraries_.put_file(library.name, {f->path, f->size, f->mtime_ns, hash, photo_id});
        libraries_.remove_file(library.name, from->path);
        moved_away.insert(from);
        ++report.moved;
        spdlog::info("Library: {}/{} moved to {}", library.name, from->path, f->path);
      } catch (const Error& e) {
        fail(f->path, std::string("moved from ") + from->path + ", but: " + e.what());
      }
    }
    fresh = std::move(still_fresh);
    std::erase_if(gone, [&](const LibraryFile* g) { return moved_away.count(g) > 0; });
  }

  for (const auto* g : gone) {
    try {
      if (photos_.get(g->photo_id)) people_.delete_photo(g->photo_id);
      libraries_.remove_file(library.name, g->path);
      ++report.deleted;
      spdlog::info("Library: {}/{} deleted", library.name, g->path);
    } catch (const Error& e) {
      fail(g->path, std::string("deleted, but its photo stays for now: ") + e.what());
    }
  }

  // Changed content: the old photo goes, the file is filed again under the same photoId.
  std::vector<const FoundFile*> to_file = fresh;
  for (const auto& [f, hash] : changed) {
    try {
      const std::string photo_id = photo_id_for(library.name, f->path);
      if (photos_.get(photo_id)) people_.delete_photo(photo_id);
      fresh_hash[f->path] = hash;
      to_file.push_back(f);
      ++report.changed;
    } catch (const Error& e) {
      fail(f->path, std::string("changed, but its photo cannot be filed again yet: ") + e.what());
    }
  }
  report.added = fresh.size();

  const int64_t detected_before = pipeline_ ? pipeline_->stage_times().photos_detected.load() : 0;
  if (options.queue_only) {
    if (!jobs_) throw Error(ErrorKind::Internal, "no job queue to queue library photos on");
    for (const auto* f : to_file) {
      try {
        const std::string hash = fresh_hash.count(f->path) ? fresh_hash[f->path] : sha256_file_hex(f->full.string());
        const std::string photo_id = photo_id_for(library.name, f->path);
        photos_.insert_once({photo_id, library.name, f->path, utc_now_iso8601(), PhotoStatus::Pending, 0, {}, "", ""});
        if (photos_.get(photo_id)->status == PhotoStatus::Pending) jobs_->enqueue(photo_id, library.name, f->path);
        libraries_.put_file(library.name, {f->path, f->size, f->mtime_ns, hash, photo_id});
        ++report.queued;
      } catch (const Error& e) {
        fail(f->path, e.what());
      }
    }
    return report;
  }
  if (!pipeline_) throw Error(ErrorKind::Internal, "no pipeline to file library photos with");
  report.to_file = to_file.size();
  std::atomic<size_t> next{0};
  auto file_photos = [&] {
    for (size_t i; (i = next++) < to_file.size();) {
      const FoundFile& f = *to_file[i];
      try {
        validate_key(f.path);
        const std::string bytes = read_file_bytes(f.full.string());
        const std::string hash = sha256_hex(bytes);
        const std::string photo_id = photo_id_for(library.name, f.path);
        if (const auto row = pipeline_->record(library.name, f.path)) {
          const IngestResult r = pipeline_->process_recorded(*row, bytes);
          if (r.outcome == IngestResult::Outcome::Failed) fail(f.path, r.error);
        }
        libraries_.put_file(library.name, {f.path, f.size, f.mtime_ns, hash, photo_id});
      } catch (const Error& e) {
        fail(f.path, e.what());
      }
      std::lock_guard lock(report_mutex);
      ++report.filed;
      if (options.on_progress) options.on_progress(report);
    }
  };
  std::vector<std::thread> threads;
  for (size_t w = 0; w < std::max<size_t>(1, std::min(options.workers, to_file.size())); ++w) threads.emplace_back(file_photos);
  for (auto& t : threads) t.join();
  report.photos_detected = pipeline_->stage_times().photos_detected.load() - detected_before;
  return report;
}

}  // namespace beetroot
