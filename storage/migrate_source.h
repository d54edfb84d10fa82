// The read side of migration, verification and export: a store's records
// and nothing that could change them.
//
// A RecordSource offers only Count and Scan, so code given one cannot write
// to the store behind it: `parley migrate` never modifies its source by
// construction, not by care.
#ifndef PARLEY_STORAGE_MIGRATE_SOURCE_H_
#define PARLEY_STORAGE_MIGRATE_SOURCE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/backend.h"

namespace parley {

class RecordSource {
 public:
  virtual ~RecordSource() = default;

  // What messages call this source: a redacted URL or a file path.
  virtual const std::string& name() const = 0;

  // How many records of each kind the source holds, for progress estimates
  // only (the source may change, or, for a damaged store, not count at all).
  virtual absl::StatusOr<StoreCounts> Count() = 0;

  // As RecordStream::Scan: profiles, subscriptions, then conversations with
  // their messages, each kind in ascending (bytewise) id order; unreadable
  // records go to visitor.OnBadRecord.
  virtual absl::Status Scan(RecordVisitor& visitor) = 0;
};

// A RecordSource over `backend`, which must outlive it. `name` should be the
// redacted URL.
std::unique_ptr<RecordSource> BackendRecordSource(Backend& backend,
                                                  std::string name);

}  // namespace parley

#endif  // PARLEY_STORAGE_MIGRATE_SOURCE_H_
