// What a migration, import or export did, per kind of record: the numbers
// behind the closing summary table.
#ifndef PARLEY_STORAGE_MIGRATE_STATS_H_
#define PARLEY_STORAGE_MIGRATE_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "storage/record_digest.h"

namespace parley {

struct KindStats {
  int64_t read = 0;       // records read from the source (bad ones excluded)
  int64_t added = 0;      // absent from the destination, now written
  int64_t updated = 0;    // different in the destination, now the source's
  int64_t unchanged = 0;  // already equal in the destination
  int64_t bad = 0;        // unreadable in the source, skipped (--skip-bad)
  absl::Duration time;    // from the kind's first record to the next kind's
};

// A record the source could not read back. The error names the record or
// file, never its contents.
struct BadRecord {
  RecordKind kind = RecordKind::kProfile;
  std::string id;
  std::string error;
};

struct MigrationStats {
  // At most this many bad records are listed; all are counted.
  static constexpr size_t kMaxListedBadRecords = 100;

  KindStats kinds[kRecordKinds];
  int64_t messages_read = 0;     // messages of the conversations read
  int64_t messages_written = 0;  // messages of the conversations written
  std::vector<BadRecord> bad;
  absl::Duration elapsed;  // the whole run, staging and commit included

  KindStats& of(RecordKind kind) { return kinds[static_cast<int>(kind)]; }
  const KindStats& of(RecordKind kind) const {
    return kinds[static_cast<int>(kind)];
  }
  int64_t records_read() const {
    return kinds[0].read + kinds[1].read + kinds[2].read;
  }
  int64_t records_bad() const {
    return kinds[0].bad + kinds[1].bad + kinds[2].bad;
  }
  int64_t records_written() const {
    int64_t n = 0;
    for (const KindStats& k : kinds) n += k.added + k.updated;
    return n;
  }
  void AddBad(RecordKind kind, std::string id, std::string error) {
    ++of(kind).bad;
    if (bad.size() < kMaxListedBadRecords) {
      bad.push_back(BadRecord{kind, std::move(id), std::move(error)});
    }
  }
  // A source record that cannot be read or put in canonical form: with
  // `skip_bad` (--skip-bad) counted and listed, and OK; else `status`, which
  // ends the run.
  absl::Status SkipOrFail(bool skip_bad, RecordKind kind, absl::string_view id,
                          const absl::Status& status) {
    if (!skip_bad) return status;
    AddBad(kind, std::string(id), status.ToString());
    return absl::OkStatus();
  }
};

// Charges wall time to the kind being read: Scan visits kinds in order, so
// the time between the first records of two kinds belongs to the first.
class KindTimer {
 public:
  explicit KindTimer(MigrationStats* stats) : stats_(stats) {}
  // Call before handling each record of `kind`.
  void Enter(RecordKind kind) {
    const absl::Time now = absl::Now();
    if (current_ >= 0) stats_->kinds[current_].time += now - since_;
    current_ = static_cast<int>(kind);
    since_ = now;
  }
  // Call once the scan is over.
  void Finish() {
    if (current_ >= 0) stats_->kinds[current_].time += absl::Now() - since_;
    current_ = -1;
  }

 private:
  MigrationStats* stats_;
  int current_ = -1;
  absl::Time since_;
};

}  // namespace parley

#endif  // PARLEY_STORAGE_MIGRATE_STATS_H_
