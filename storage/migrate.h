// Copying every record of one store into another: `parley migrate` and
// `parley import`.
//
// Design.
// - Streaming, in batches: the source is read with RecordSource::Scan
//   (RecordStream::Scan) and its records gathered into batches of
//   MigrateOptions::batch_size records of one kind. The destination's records
//   of a batch's ids are read with one RecordStream::GetBatch of its
//   Backend::stream(), compared, and the absent or different ones written
//   with one RecordStream::PutBatch: on SQL stores a few multi-row
//   statements per batch instead of several round trips per record. Memory
//   holds one batch, not the store.
// - Idempotent: equal records (same canonical text, storage/record_digest.h)
//   are skipped, so a second run adds nothing and changes nothing. When the
//   destination's record differs, the source wins ("updated"). Records only
//   the destination holds are kept (`parley verify` reports them as extra).
// - Read-only source: the copy sees the source only as a RecordSource
//   (Count and Scan); OpenSourceStore never creates or upgrades anything.
// - All-or-nothing destination:
//     A backend whose transaction can hold the whole copy (a database):
//       the copy runs inside ONE Backend::RunInTransaction of the
//       destination; an error or a killed process rolls it back. --batch
//       sets the batch size, not the transaction's.
//     A backend without one (a folder of files) stages the import
//       (BackendType::BeginImport): the records go into a staging store that
//       Commit puts in place of the destination at once, or not at all (a
//       folder beside the destination, say, swapped in with one rename, the
//       destination's writers held off meanwhile).
// - Bad records: a record the source cannot read back (DataLoss) stops the
//   run with an error naming it, unless skip_bad, which skips, lists and
//   counts it (RecordVisitor::OnBadRecord).
#ifndef PARLEY_STORAGE_MIGRATE_H_
#define PARLEY_STORAGE_MIGRATE_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "storage/backend.h"
#include "storage/migrate_source.h"
#include "storage/migrate_stats.h"
#include "storage/url.h"

namespace parley {

// Opens the backend a URL names (OpenBackend in the tool; a wrapping opener
// in tests). storage/ never includes a backend.
using BackendOpener = std::function<absl::StatusOr<std::unique_ptr<Backend>>(
    const StorageUrl&, const BackendOptions&)>;

struct MigrateOptions {
  // Skip, list and count unreadable source records instead of failing.
  bool skip_bad = false;
  // Records per batch (read and written together; values below 1 mean 1).
  // Larger batches mean fewer round trips and more memory: a batch of
  // conversations holds them with all their messages. on_progress is called
  // every `batch_size` records (and at the end).
  int64_t batch_size = 100;
  std::function<void(int64_t records_done)> on_progress;
  // Called after each record is handled, that is once its batch is written
  // (tests: inject a crash midway).
  std::function<void(int64_t records_done)> after_record_for_testing;
};

// Copies every record of `source` into `destination`, as described above,
// with no atomicity of its own (the caller gives a transaction's Backend).
// Errors keep their code and name the record (kind and id), or the batch
// (kind, first and last id) when the destination failed a batch.
absl::StatusOr<MigrationStats> CopyRecords(RecordSource& source,
                                           Backend& destination,
                                           const MigrateOptions& options);

// The all-or-nothing migration into the store `destination` names: through
// its backend's staging store when it has one, in one transaction
// otherwise. The destination (or its staging store) is opened with `open`
// (schema created or upgraded as needed).
absl::StatusOr<MigrationStats> MigrateInto(RecordSource& source,
                                           const StorageUrl& destination,
                                           const BackendOpener& open,
                                           const MigrateOptions& options);

// Opens a store to read from. NotFound when its folder or file does not
// exist (BackendType::CheckExists; instead of an empty store created on the
// way); the schema is never created or upgraded (an older one is
// FailedPrecondition).
absl::StatusOr<std::unique_ptr<Backend>> OpenSourceStore(
    const StorageUrl& url, const BackendOpener& open);

// InvalidArgument when `a` and `b` name the same store, however written
// (BackendType::SameStore).
absl::Status CheckDistinctStores(const StorageUrl& a, const StorageUrl& b);

}  // namespace parley

#endif  // PARLEY_STORAGE_MIGRATE_H_
