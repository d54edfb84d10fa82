// Record-by-record comparison of two stores: `parley verify` and
// `parley migrate --verify`.
//
// Both sides are scanned at once, each by its own thread feeding a bounded
// queue, and merged by (kind, id): Scan gives every kind in ascending id
// order, so a record is missing, extra or present on both sides without any
// side being held in memory. Records present on both sides are compared by
// their canonical text (storage/record_digest.h) byte for byte, so equal
// means equal in every key, key order, number text and unknown key; there is
// no hash collision to worry about. A per-kind FNV-1a-128 digest of each
// side is also computed, as a one-line summary.
#ifndef PARLEY_STORAGE_MIGRATE_VERIFY_H_
#define PARLEY_STORAGE_MIGRATE_VERIFY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/migrate_source.h"
#include "storage/migrate_stats.h"
#include "storage/record_digest.h"

namespace parley {

struct KindComparison {
  int64_t in_source = 0;
  int64_t in_destination = 0;
  int64_t missing = 0;             // in the source only
  int64_t extra = 0;               // in the destination only
  int64_t different = 0;           // on both sides, not equal
  int64_t bad_source = 0;          // unreadable in the source
  int64_t bad_destination = 0;     // unreadable in the destination
  std::string source_digest;       // FNV-1a-128 of (id, text) in id order
  std::string destination_digest;  // (empty for messages)
};

struct RecordDifference {
  RecordKind kind = RecordKind::kProfile;
  std::string id;
  // Where it differs: "missing in destination", "only in destination", or
  // DescribeDifference's text. Never a field's contents.
  std::string what;
};

struct VerifyReport {
  KindComparison kinds[kRecordKinds];
  // Messages: counted inside conversations; a conversation that is missing
  // or extra counts all its messages so; a different one is compared
  // position by position.
  KindComparison messages;
  std::vector<RecordDifference> first_differences;
  std::vector<BadRecord> bad_source;       // listed, up to the limit
  std::vector<BadRecord> bad_destination;  // listed, up to the limit
  absl::Duration elapsed;

  const KindComparison& of(RecordKind kind) const {
    return kinds[static_cast<int>(kind)];
  }
  // Missing + extra + different records (messages not counted again).
  int64_t differences() const;
  int64_t bad_in_source() const;
  int64_t bad_in_destination() const;
  // No difference, nothing unreadable in the destination, and nothing
  // unreadable in the source unless `allow_bad_source` (--skip-bad).
  bool clean(bool allow_bad_source) const;
};

struct VerifyOptions {
  // How many differing records (and bad records) to list.
  size_t max_listed = 10;
  // Queue length per side: bounds memory to about this many records each.
  size_t queue_records = 64;
};

// Compares every record of `source` with `destination`. Errors (a scan that
// fails, or gives ids out of order: Internal) stop the comparison.
absl::StatusOr<VerifyReport> VerifyStores(RecordSource& source,
                                          RecordSource& destination,
                                          const VerifyOptions& options);

// Counts and per-kind digests of one store, in one scan (unreadable records
// are an error): equal StoreDigests mean equal stores.
struct StoreDigest {
  int64_t counts[kRecordKinds] = {0, 0, 0};
  int64_t messages = 0;
  std::string digests[kRecordKinds];

  friend bool operator==(const StoreDigest& a, const StoreDigest& b);
  friend bool operator!=(const StoreDigest& a, const StoreDigest& b) {
    return !(a == b);
  }
  std::string DebugString() const;
};
absl::StatusOr<StoreDigest> DigestStore(RecordSource& source);

}  // namespace parley

#endif  // PARLEY_STORAGE_MIGRATE_VERIFY_H_
