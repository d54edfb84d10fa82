#include "storage/migrate.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/backend_type.h"
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

// Handles the source records a batch at a time: reads the destination's
// records of the batch's ids in one RecordStream::GetBatch, compares, and
// writes the absent or different ones in one PutBatch. A batch holds records
// of one kind (Scan gives the kinds in turn), so each kind's time and each
// error's context is that kind's.
class CopyVisitor final : public RecordVisitor {
 public:
  CopyVisitor(Backend& destination, const MigrateOptions& options,
              MigrationStats* stats)
      : destination_(destination.stream()),
        options_(options),
        batch_size_(std::max<int64_t>(options.batch_size, 1)),
        stats_(stats),
        timer_(stats) {}

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
    if (parsed != kind_) RETURN_IF_ERROR(Flush());
    timer_.Enter(parsed);
    RETURN_IF_ERROR(Bad(parsed, id, status));
    return Done();
  }

  // Writes what is still pending; call once the scan is over.
  absl::Status Finish() {
    RETURN_IF_ERROR(Flush());
    timer_.Finish();
    if (options_.on_progress) options_.on_progress(done_);
    return absl::OkStatus();
  }

 private:
  absl::Status Bad(RecordKind kind, absl::string_view id,
                   const absl::Status& status) {
    if (!options_.skip_bad) return status;
    stats_->AddBad(kind, std::string(id), status.ToString());
    return absl::OkStatus();
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

  template <typename Record>
  absl::Status Add(RecordKind kind, const Record& record, int64_t messages) {
    if (kind != kind_) RETURN_IF_ERROR(Flush());
    kind_ = kind;
    timer_.Enter(kind);
    absl::StatusOr<std::string> text = CanonicalRecordJson(record);
    if (!text.ok()) {
      RETURN_IF_ERROR(
          Bad(kind, IdOf(record),
              Annotate(text.status(),
                       absl::StrCat(RecordKindName(kind), " ", IdOf(record)))));
      return Done();
    }
    ++stats_->of(kind).read;
    stats_->messages_read += messages;
    RecordsOf(pending_, &record).push_back(record);
    texts_.push_back(*std::move(text));
    messages_.push_back(messages);
    if (static_cast<int64_t>(texts_.size()) >= batch_size_) return Flush();
    return absl::OkStatus();
  }

  absl::Status Flush() {
    if (texts_.empty()) return absl::OkStatus();
    switch (kind_) {
      case RecordKind::kProfile:
        RETURN_IF_ERROR(FlushKind(pending_.profiles));
        break;
      case RecordKind::kSubscription:
        RETURN_IF_ERROR(FlushKind(pending_.subscriptions));
        break;
      case RecordKind::kConversation:
        RETURN_IF_ERROR(FlushKind(pending_.conversations));
        break;
    }
    pending_ = RecordBatch();
    texts_.clear();
    messages_.clear();
    return absl::OkStatus();
  }

  template <typename Record>
  absl::Status FlushKind(const std::vector<Record>& records) {
    // "conversations a ... z": what a batch's errors name.
    const std::string what = absl::StrCat(
        records.size(), " ", RecordKindName(kind_), "s (",
        IdOf(records.front()),
        records.size() > 1 ? absl::StrCat(" ... ", IdOf(records.back())) : "",
        ")");
    RecordIds ids;
    std::vector<std::string>& kind_ids = IdsOf(ids, kind_);
    kind_ids.reserve(records.size());
    for (const Record& r : records) kind_ids.push_back(IdOf(r));
    absl::StatusOr<RecordBatch> existing = destination_.GetBatch(ids);
    if (!existing.ok()) {
      return Annotate(existing.status(),
                      absl::StrCat("read ", what, " in the destination"));
    }
    // A destination record that cannot be put in canonical form is
    // different by definition: the source's replaces it.
    absl::flat_hash_map<std::string, std::string> old;
    for (const Record& r : RecordsOf(*existing, &records.front())) {
      absl::StatusOr<std::string> text = CanonicalRecordJson(r);
      old[IdOf(r)] = text.ok() ? *std::move(text) : std::string();
    }
    RecordBatch writes;
    std::vector<Record>& to_write = RecordsOf(writes, &records.front());
    // 0 unchanged, 1 added, 2 updated.
    std::vector<int> outcome(records.size(), 0);
    for (size_t i = 0; i < records.size(); ++i) {
      auto it = old.find(IdOf(records[i]));
      if (it != old.end() && !it->second.empty() && it->second == texts_[i]) {
        continue;
      }
      outcome[i] = it == old.end() ? 1 : 2;
      to_write.push_back(records[i]);
    }
    if (!to_write.empty()) {
      RETURN_IF_ERROR(
          Annotate(destination_.PutBatch(writes),
                   absl::StrCat("write ", what, " to the destination")));
    }
    KindStats& stats = stats_->of(kind_);
    for (size_t i = 0; i < records.size(); ++i) {
      if (outcome[i] == 0) {
        ++stats.unchanged;
      } else {
        ++(outcome[i] == 1 ? stats.added : stats.updated);
        stats_->messages_written += messages_[i];
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
  // The batch being gathered: records of kind_, their canonical texts and
  // message counts, in scan order.
  RecordKind kind_ = RecordKind::kProfile;
  RecordBatch pending_;
  std::vector<std::string> texts_;
  std::vector<int64_t> messages_;
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
