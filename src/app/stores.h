#pragma once
#include <memory>

#include "app/settings.h"
#include "collection/collections.h"
#include "ingest/pipeline.h"
#include "people/people.h"
#include "people/questions.h"
#include "storage/job_queue.h"
#include "storage/library_table.h"
#include "storage/object_store.h"
#include "storage/person_table.h"
#include "storage/photo_table.h"
#include "storage/sql/sql_database.h"

namespace beetroot {

// The composition root: the stores the settings point at, opened together. The only code that
// names SQLite, PostgreSQL or S3.
struct Stores {
  Settings config;
  std::shared_ptr<SqlDatabase> database;  // SQLite at DATABASE_PATH, or PostgreSQL at DATABASE_URL
  std::unique_ptr<LibraryTable> libraries;  // folders indexed in place
  std::unique_ptr<ObjectStore> objects;     // OBJECT_STORE_URL, with each library's folder as a bucket
  std::unique_ptr<PhotoTable> photos;
  std::unique_ptr<JobQueue> jobs;  // photos waiting for a worker
  std::unique_ptr<FaceStore> faces;
  std::unique_ptr<PersonTable> persons;  // names, hidden flags and covers of the faces' persons
  std::unique_ptr<Collections> collections;
  std::shared_ptr<FaceCollection> collection;  // REKOGNITION_COLLECTION_ID, which ingestion files into
  std::unique_ptr<People> people;               // the people of that collection
  std::unique_ptr<Questions> questions;         // what to ask a user about them

  static Stores open(const Settings& config);
  // Ingestion over these stores.
  Pipeline pipeline(FaceEngine& engine);
};

std::shared_ptr<SqlDatabase> open_database(const Settings& config);

}  // namespace beetroot
