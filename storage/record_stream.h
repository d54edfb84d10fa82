// A store's records as a stream: counting, scanning and whole batches, the
// job of migration, verification and export (storage/migrate.h). Separate
// from the record operations of storage/backend.h, which every request of
// the facade uses; a Backend hands out its stream with Backend::stream().
//
// Thread safety and the codes every method may return besides those listed:
// as Backend (storage/backend.h).
#ifndef PARLEY_STORAGE_RECORD_STREAM_H_
#define PARLEY_STORAGE_RECORD_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/records.pb.h"

namespace parley {

// Counts of what a store holds (`parley info`). The public StorageCounts
// (api/storage.h) has the same fields and stays a type of its own, because
// a public header includes nothing of storage/'s interfaces; Storage::Count is
// the one place one becomes the other.
struct StoreCounts {
  int64_t profiles = 0;
  int64_t subscriptions = 0;
  int64_t conversations = 0;
  int64_t messages = 0;
};

// Receives every record of a store, for migration, verification and export.
class RecordVisitor {
 public:
  virtual ~RecordVisitor() = default;
  virtual absl::Status OnProfile(const Profile& profile) = 0;
  virtual absl::Status OnSubscription(const Subscription& subscription) = 0;
  virtual absl::Status OnConversation(const Conversation& conversation) = 0;

  // Called by Scan instead of stopping when the stored record `id` of `kind`
  // ("profile", "subscription" or "conversation") cannot be read back
  // (`status` is its DataLoss error, naming the record or file). Returning OK
  // skips the record and lets the scan go on; returning an error stops the
  // scan with it. The default returns `status`: a scan stops at the first
  // unreadable record.
  virtual absl::Status OnBadRecord(absl::string_view kind, absl::string_view id,
                                   const absl::Status& status) {
    (void)kind;
    (void)id;
    return status;
  }
};

// Whole records to store (RecordStream::PutBatch) or that were read
// (RecordStream::GetBatch).
struct RecordBatch {
  std::vector<Profile> profiles;
  std::vector<Subscription> subscriptions;
  std::vector<Conversation> conversations;  // each with all its messages

  size_t size() const {
    return profiles.size() + subscriptions.size() + conversations.size();
  }
  bool empty() const { return size() == 0; }
};

// The ids of records to read with RecordStream::GetBatch.
struct RecordIds {
  std::vector<std::string> profiles;       // user ids
  std::vector<std::string> subscriptions;  // user ids
  std::vector<std::string> conversations;  // conversation ids
};

// A store with no statement that covers several records implements PutBatch
// and GetBatch record by record with RecordByRecordStream
// (storage/record_by_record_stream.h); SQL stores use multi-row statements.
class RecordStream {
 public:
  virtual ~RecordStream() = default;

  virtual absl::StatusOr<StoreCounts> Count() = 0;

  // Visits every profile, then every subscription, then every conversation
  // (with messages), each kind in ascending id order (bytewise, as
  // std::string compares). Stops at, and returns, the first error the
  // visitor returns. A record that cannot be read back (DataLoss) goes to
  // visitor.OnBadRecord, and the scan goes on when that returns OK.
  virtual absl::Status Scan(RecordVisitor& visitor) = 0;

  // Stores every record of `batch` with the meaning of PutProfile,
  // PutSubscription and PutConversation called for each in that order
  // (profiles, subscriptions, conversations; a later record with the same id
  // as an earlier one wins): each replaces the stored record of its id,
  // messages included. SQL stores write the batch in one transaction with
  // multi-row statements; a JSON store writes record by record (all or
  // nothing only inside RunInTransaction). InvalidArgument, as Put*, when a
  // record holds a value that is not JSON where JSON is required.
  virtual absl::Status PutBatch(const RecordBatch& batch) = 0;

  // The stored records with the ids `ids` lists, as GetProfile,
  // GetSubscription and GetConversation (messages included, in order) would
  // return them, from one snapshot on SQL stores. Ids with no record are
  // left out, and an id listed twice gives its record once; the order within
  // each kind is unspecified.
  virtual absl::StatusOr<RecordBatch> GetBatch(const RecordIds& ids) = 0;
};

}  // namespace parley

#endif  // PARLEY_STORAGE_RECORD_STREAM_H_
