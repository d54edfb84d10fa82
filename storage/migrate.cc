#include "storage/migrate.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "storage/backend_type.h"
#include "storage/executor.h"
#include "storage/record_digest.h"
#include "storage/status_macros.h"
#include "storage/status_util.h"

namespace parley {
namespace {

const std::string& IdOf(const Profile& p) { return p.user_id(); }
const std::string& IdOf(const Subscription& s) { return s.user_id(); }
const std::string& IdOf(const Conversation& c) { return c.id(); }

std::vector<Profile>& RecordsOf(RecordBatch& b, const Profile*) {
  return b.profiles;
}
std::vector<Subscription>& RecordsOf(RecordBatch& b, const Subscription*) {
  return b.subscriptions;
}
std::vector<Conversation>& RecordsOf(RecordBatch& b, const Conversation*) {
  return b.conversations;
}
std::vector<std::string>& IdsOf(RecordIds& ids, RecordKind kind) {
  switch (kind) {
    case RecordKind::kProfile:
      return ids.profiles;
    case RecordKind::kSubscription:
      return ids.subscriptions;
    case RecordKind::kConversation:
      break;
  }
  return ids.conversations;
}

// What became of one record of a batch. kBad: it cannot be put in canonical
// form; counted (or the run failed) when the scan prepared the batch.
enum class Outcome : uint8_t { kUnchanged, kAdded, kUpdated, kBad };

// A batch of source records of one kind, in scan order, on its way to the
// destination: gathered by the scan, written by the writer thread, then
// counted by the scan.
struct Batch {
  RecordKind kind = RecordKind::kProfile;
  RecordBatch records;
  std::vector<int64_t> messages;  // per record
  // Filled by CopyVisitor::Prepare.
  std::vector<std::string> texts;  // canonical, per record ("" when bad)
  RecordIds ids;                   // of the records that are not bad
  // Filled by Prepare, then by WriteBatch.
  std::vector<Outcome> outcomes;  // per record
  absl::Status status;  // the writer failed: nothing of the batch counts
};

// A batch handed to the writer thread, and the writer's word that it is done.
struct InFlight {
  explicit InFlight(Batch b) : batch(std::move(b)) {}
  Batch batch;
  absl::Notification written;
};

// The writer's half of a batch: reads the destination's records of the batch's
// ids in one RecordStream::GetBatch, compares, and writes the absent or
// different ones in one PutBatch.
template <typename Record>
absl::Status WriteBatch(RecordStream& destination, std::vector<Record>& records,
                        Batch& batch) {
  const std::vector<std::string>& kind_ids = IdsOf(batch.ids, batch.kind);
  if (kind_ids.empty()) return absl::OkStatus();
  // "conversations a ... z": what a batch's errors name.
  const std::string what = absl::StrCat(
      kind_ids.size(), " ", RecordKindName(batch.kind), "s (", kind_ids.front(),
      kind_ids.size() > 1 ? absl::StrCat(" ... ", kind_ids.back()) : "", ")");
  absl::StatusOr<RecordBatch> existing = destination.GetBatch(batch.ids);
  if (!existing.ok()) {
    return Annotate(existing.status(),
                    absl::StrCat("read ", what, " in the destination"));
  }
  // A destination record that cannot be put in canonical form is different
  // by definition: the source's replaces it.
  absl::flat_hash_map<std::string, std::string> old;
  for (const Record& r : RecordsOf(*existing, &records.front())) {
    absl::StatusOr<std::string> text = CanonicalRecordJson(r);
    old[IdOf(r)] = text.ok() ? *std::move(text) : std::string();
  }
  RecordBatch writes;
  std::vector<Record>& to_write = RecordsOf(writes, &records.front());
  for (size_t i = 0; i < records.size(); ++i) {
    if (batch.outcomes[i] == Outcome::kBad) continue;
    auto it = old.find(IdOf(records[i]));
    if (it != old.end() && !it->second.empty() &&
        it->second == batch.texts[i]) {
      continue;
    }
    batch.outcomes[i] = it == old.end() ? Outcome::kAdded : Outcome::kUpdated;
    to_write.push_back(std::move(records[i]));
  }
  if (to_write.empty()) return absl::OkStatus();
  return Annotate(destination.PutBatch(writes),
                  absl::StrCat("write ", what, " to the destination"));
}

// Runs `step` on the batch's records, whichever kind they are.
template <typename Step>
auto OnRecords(Batch& batch, Step step) {
  switch (batch.kind) {
    case RecordKind::kProfile:
      return step(batch.records.profiles);
    case RecordKind::kSubscription:
      return step(batch.records.subscriptions);
    case RecordKind::kConversation:
      break;
  }
  return step(batch.records.conversations);
}

ExecutorOptions WriterOptions() {
  ExecutorOptions options;
  options.workers = 1;
  options.max_queued = 1;
  return options;
}

// Copies the source records a batch at a time. A batch holds records of one
// kind (Scan gives the kinds in turn), so each kind's time and each error's
// context is that kind's.
//
// Reading and writing overlap: while the writer thread writes one batch
// (the destination's round trips and its work), the scan reads the next and
// puts it in canonical form; a batch is counted (stats, progress, the test
// hook) on the scan's thread once it is written, its bad records when it is
// prepared. At most two batches are in
// memory: the one being written and the one being gathered. A kind's time
// includes writing its last batch (the scan waits for it before the next
// kind).
class CopyVisitor final : public RecordVisitor {
 public:
  CopyVisitor(Backend& destination, const MigrateOptions& options,
              MigrationStats* stats)
      : destination_(destination.stream()),
        options_(options),
        batch_size_(std::max<int64_t>(options.batch_size, 1)),
        stats_(stats),
        timer_(stats) {}

  // Waits for a batch still being written when the scan failed.
  ~CopyVisitor() override { Wait().IgnoreError(); }

  absl::Status OnProfile(const Profile& profile) override {
    return Add(RecordKind::kProfile, profile, 0);
  }
  absl::Status OnSubscription(const Subscription& subscription) override {
    return Add(RecordKind::kSubscription, subscription, 0);
  }
  absl::Status OnConversation(const Conversation& conversation) override {
    return Add(RecordKind::kConversation, conversation,
               conversation.messages_size());
  }
  absl::Status OnBadRecord(absl::string_view kind, absl::string_view id,
                           const absl::Status& status) override {
    ASSIGN_OR_RETURN(RecordKind parsed, ParseRecordKind(kind));
    RETURN_IF_ERROR(Enter(parsed));
    RETURN_IF_ERROR(Bad(parsed, id, status));
    return Done();
  }

  // Writes what is still pending; call once the scan is over.
  absl::Status Finish() {
    RETURN_IF_ERROR(Flush());
    RETURN_IF_ERROR(Wait());
    timer_.Finish();
    if (options_.on_progress) options_.on_progress(done_);
    return absl::OkStatus();
  }

 private:
  absl::Status Bad(RecordKind kind, absl::string_view id,
                   const absl::Status& status) {
    return stats_->SkipOrFail(options_.skip_bad, kind, id, status);
  }

  absl::Status Done() {
    ++done_;
    if (options_.on_progress && done_ % batch_size_ == 0) {
      options_.on_progress(done_);
    }
    if (options_.after_record_for_testing) {
      options_.after_record_for_testing(done_);
    }
    return absl::OkStatus();
  }

  // Starts the records of `kind`: a batch of another kind is written and
  // counted first.
  absl::Status Enter(RecordKind kind) {
    if (kind != gathering_.kind) {
      RETURN_IF_ERROR(Flush());
      RETURN_IF_ERROR(Wait());
      gathering_.kind = kind;
    }
    timer_.Enter(kind);
    return absl::OkStatus();
  }

  template <typename Record>
  absl::Status Add(RecordKind kind, const Record& record, int64_t messages) {
    RETURN_IF_ERROR(Enter(kind));
    RecordsOf(gathering_.records, &record).push_back(record);
    gathering_.messages.push_back(messages);
    if (static_cast<int64_t>(gathering_.messages.size()) >= batch_size_) {
      return Flush();
    }
    return absl::OkStatus();
  }

  // The scan's half of the batch gathered so far, before it goes to the
  // writer: puts each record in canonical form and lists the ids of the
  // others. A record that cannot be is bad: the run's error, or with
  // skip_bad counted here and left out of the write.
  template <typename Record>
  absl::Status Prepare(const std::vector<Record>& records) {
    Batch& batch = gathering_;
    batch.outcomes.assign(records.size(), Outcome::kUnchanged);
    batch.texts.resize(records.size());
    std::vector<std::string>& kind_ids = IdsOf(batch.ids, batch.kind);
    kind_ids.reserve(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      absl::StatusOr<std::string> text = CanonicalRecordJson(records[i]);
      if (!text.ok()) {
        RETURN_IF_ERROR(
            Bad(batch.kind, IdOf(records[i]),
                Annotate(text.status(), absl::StrCat(RecordKindName(batch.kind),
                                                     " ", IdOf(records[i])))));
        RETURN_IF_ERROR(Done());
        batch.outcomes[i] = Outcome::kBad;
        continue;
      }
      batch.texts[i] = *std::move(text);
      kind_ids.push_back(IdOf(records[i]));
    }
    return absl::OkStatus();
  }

  // Prepares the batch gathered so far and hands it to the writer, once the
  // one before it is written and counted.
  absl::Status Flush() {
    if (gathering_.messages.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(OnRecords(
        gathering_, [&](const auto& records) { return Prepare(records); }));
    RETURN_IF_ERROR(Wait());
    writing_ = std::make_unique<InFlight>(std::move(gathering_));
    gathering_ = Batch();
    gathering_.kind = writing_->batch.kind;
    InFlight& in_flight = *writing_;
    RecordStream& destination = destination_;
    absl::Status queued =
        writer_.Submit(Executor::Lane::kRead, [&destination, &in_flight] {
          Batch& batch = in_flight.batch;
          batch.status = OnRecords(batch, [&](auto& records) {
            return WriteBatch(destination, records, batch);
          });
          in_flight.written.Notify();
        });
    if (!queued.ok()) {  // never: one task at a time on a running executor
      writing_.reset();
      return queued;
    }
    return absl::OkStatus();
  }

  // Waits for the batch being written, if any, and counts it.
  absl::Status Wait() {
    if (writing_ == nullptr) return absl::OkStatus();
    writing_->written.WaitForNotification();
    const std::unique_ptr<InFlight> done = std::move(writing_);
    const Batch& batch = done->batch;
    RETURN_IF_ERROR(batch.status);
    KindStats& stats = stats_->of(batch.kind);
    for (size_t i = 0; i < batch.outcomes.size(); ++i) {
      const Outcome outcome = batch.outcomes[i];
      if (outcome == Outcome::kBad) continue;  // counted by Prepare
      ++stats.read;
      stats_->messages_read += batch.messages[i];
      if (outcome == Outcome::kUnchanged) {
        ++stats.unchanged;
      } else {
        ++(outcome == Outcome::kAdded ? stats.added : stats.updated);
        stats_->messages_written += batch.messages[i];
      }
      RETURN_IF_ERROR(Done());
    }
    return absl::OkStatus();
  }

  RecordStream& destination_;
  const MigrateOptions& options_;
  const int64_t batch_size_;
  MigrationStats* const stats_;
  KindTimer timer_;
  int64_t done_ = 0;
  Batch gathering_;                    // the scan adds to it
  std::unique_ptr<InFlight> writing_;  // null when the writer is idle
  // Declared last: destroyed (its thread joined) first.
  Executor writer_{WriterOptions()};
};

// The import through the destination backend's staging store
// (BackendType::BeginImport).
absl::StatusOr<MigrationStats> MigrateThroughStaging(
    RecordSource& source, ImportStaging& staging, const BackendOpener& open,
    const MigrateOptions& options) {
  MigrationStats stats;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<Backend> store,
                     open(staging.url(), BackendOptions()));
    ASSIGN_OR_RETURN(stats, CopyRecords(source, *store, options));
  }
  RETURN_IF_ERROR(staging.Commit(stats.records_written() > 0));
  return stats;
}

// The import in one transaction of the destination.
absl::StatusOr<MigrationStats> MigrateInTransaction(
    RecordSource& source, const StorageUrl& destination,
    const BackendOpener& open, const MigrateOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend,
                   open(destination, BackendOptions()));
  MigrationStats stats;
  RETURN_IF_ERROR(backend->RunInTransaction([&](Backend& transaction) {
    ASSIGN_OR_RETURN(stats, CopyRecords(source, transaction, options));
    return absl::OkStatus();
  }));
  return stats;
}

}  // namespace

absl::StatusOr<MigrationStats> CopyRecords(RecordSource& source,
                                           Backend& destination,
                                           const MigrateOptions& options) {
  MigrationStats stats;
  CopyVisitor visitor(destination, options, &stats);
  RETURN_IF_ERROR(source.Scan(visitor));
  RETURN_IF_ERROR(visitor.Finish());
  return stats;
}

absl::StatusOr<MigrationStats> MigrateInto(RecordSource& source,
                                           const StorageUrl& destination,
                                           const BackendOpener& open,
                                           const MigrateOptions& options) {
  const absl::Time start = absl::Now();
  absl::StatusOr<MigrationStats> stats;
  absl::StatusOr<std::unique_ptr<ImportStaging>> staging =
      destination.type().BeginImport(destination);
  if (!staging.ok()) {
    stats = staging.status();
  } else if (*staging != nullptr) {
    stats = MigrateThroughStaging(source, **staging, open, options);
  } else {
    stats = MigrateInTransaction(source, destination, open, options);
  }
  if (!stats.ok()) {
    return Annotate(stats.status(),
                    absl::StrCat("migrate ", source.name(), " into ",
                                 destination.Redacted(),
                                 " (the destination is unchanged)"));
  }
  stats->elapsed = absl::Now() - start;
  return stats;
}

absl::StatusOr<std::unique_ptr<Backend>> OpenSourceStore(
    const StorageUrl& url, const BackendOpener& open) {
  absl::Status exists = url.type().CheckExists(url);
  if (!exists.ok()) {
    return Annotate(exists, absl::StrCat("source ", url.Redacted()));
  }
  BackendOptions options;
  options.schema_policy = BackendOptions::SchemaPolicy::kRefuseOlder;
  return open(url, options);
}

absl::Status CheckDistinctStores(const StorageUrl& a, const StorageUrl& b) {
  if (&a.type() != &b.type() || !a.type().SameStore(a, b)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "source and destination are the same store (", a.Redacted(), ")"));
}

}  // namespace parley
