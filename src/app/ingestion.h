#pragma once
#include "app/stores.h"
#include "ingest/ingest_queue.h"
#include "ingest/pipeline.h"

namespace beetroot {

// One process's ingestion over the stores: the pipeline, and the queue whose threads feed it.
// `beetroot serve` and `beetroot worker` build one; built in place, as a Pipeline does not move.
struct Ingestion {
  Ingestion(Stores& stores, FaceEngine& engine, WorkerOptions workers)
      : pipeline(stores.pipeline(engine)), queue(pipeline, *stores.jobs, workers) {}
  Pipeline pipeline;
  IngestQueue queue;
};

}  // namespace beetroot
