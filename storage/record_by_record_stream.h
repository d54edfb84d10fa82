// RecordStream's batches done one record at a time through a Backend's
// per-record methods: for a store with no statement that covers several
// records (a folder of JSON files), where a batch costs what its records
// cost one by one.
#ifndef PARLEY_STORAGE_RECORD_BY_RECORD_STREAM_H_
#define PARLEY_STORAGE_RECORD_BY_RECORD_STREAM_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/record_stream.h"

namespace parley {

// PutBatch calls PutProfile, PutSubscription and PutConversation of
// `records` for each record in batch order, stopping at the first error
// (records before it stay written unless the caller runs inside
// RunInTransaction). GetBatch calls GetProfile, GetSubscription and
// GetConversation once per distinct id. A subclass supplies Count and Scan.
//
// Thread-safe when `records` is.
class RecordByRecordStream : public RecordStream {
 public:
  // `records` must outlive this object; it may be the Backend that owns it
  // (only the reference is kept, so it may be under construction).
  explicit RecordByRecordStream(Backend& records) : records_(records) {}

  absl::Status PutBatch(const RecordBatch& batch) override;
  absl::StatusOr<RecordBatch> GetBatch(const RecordIds& ids) override;

 private:
  Backend& records_;
};

}  // namespace parley

#endif  // PARLEY_STORAGE_RECORD_BY_RECORD_STREAM_H_
