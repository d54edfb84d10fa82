#include "storage/migrate.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/migrate_staging.h"
#include "storage/record_digest.h"
#include "storage/status_macros.h"
#include "storage/status_util.h"

namespace parley {
namespace {

// Handles each source record: compare with the destination, write when it
// differs, count.
class CopyVisitor final : public RecordVisitor {
 public:
  CopyVisitor(Backend& destination, const MigrateOptions& options,
              MigrationStats* stats)
      : destination_(destination),
        options_(options),
        stats_(stats),
        timer_(stats) {}

  absl::Status OnProfile(const Profile& profile) override {
    return Copy(
        RecordKind::kProfile, profile.user_id(), profile, 0,
        [&]() { return destination_.GetProfile(profile.user_id()); },
        [&]() { return destination_.PutProfile(profile); });
  }
  absl::Status OnSubscription(const Subscription& subscription) override {
    return Copy(
        RecordKind::kSubscription, subscription.user_id(), subscription, 0,
        [&]() { return destination_.GetSubscription(subscription.user_id()); },
        [&]() { return destination_.PutSubscription(subscription); });
  }
  absl::Status OnConversation(const Conversation& conversation) override {
    return Copy(
        RecordKind::kConversation, conversation.id(), conversation,
        conversation.messages_size(),
        [&]() { return destination_.GetConversation(conversation.id()); },
        [&]() { return destination_.PutConversation(conversation); });
  }
  absl::Status OnBadRecord(absl::string_view kind, absl::string_view id,
                           const absl::Status& status) override {
    ASSIGN_OR_RETURN(RecordKind parsed, ParseRecordKind(kind));
    timer_.Enter(parsed);
    RETURN_IF_ERROR(Bad(parsed, id, status));
    return Done();
  }

  void Finish() {
    timer_.Finish();
    if (options_.on_progress) options_.on_progress(done_);
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
    if (options_.on_progress && options_.batch_size > 0 &&
        done_ % options_.batch_size == 0) {
      options_.on_progress(done_);
    }
    if (options_.after_record_for_testing) {
      options_.after_record_for_testing(done_);
    }
    return absl::OkStatus();
  }

  template <typename Record, typename GetFn, typename PutFn>
  absl::Status Copy(RecordKind kind, const std::string& id,
                    const Record& record, int64_t messages, GetFn get,
                    PutFn put) {
    timer_.Enter(kind);
    const std::string what = absl::StrCat(RecordKindName(kind), " ", id);
    absl::StatusOr<std::string> text = CanonicalRecordJson(record);
    if (!text.ok()) {
      RETURN_IF_ERROR(Bad(kind, id, Annotate(text.status(), what)));
      return Done();
    }
    KindStats& stats = stats_->of(kind);
    ++stats.read;
    stats_->messages_read += messages;
    auto existing = get();
    if (!existing.ok()) {
      return Annotate(existing.status(),
                      absl::StrCat("read ", what, " in the destination"));
    }
    if (existing->has_value()) {
      // A destination record that cannot be put in canonical form is
      // different by definition: the source's replaces it.
      absl::StatusOr<std::string> old = CanonicalRecordJson(**existing);
      if (old.ok() && *old == *text) {
        ++stats.unchanged;
        return Done();
      }
    }
    RETURN_IF_ERROR(
        Annotate(put(), absl::StrCat("write ", what, " to the destination")));
    ++(existing->has_value() ? stats.updated : stats.added);
    stats_->messages_written += messages;
    return Done();
  }

  Backend& destination_;
  const MigrateOptions& options_;
  MigrationStats* const stats_;
  KindTimer timer_;
  int64_t done_ = 0;
};

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

absl::StatusOr<MigrationStats> MigrateIntoJson(RecordSource& source,
                                               const StorageUrl& destination,
                                               const BackendOpener& open,
                                               const MigrateOptions& options) {
  bool sync = true;
  std::vector<std::pair<std::string, std::string>> staging_options;
  for (const auto& [key, value] : destination.options()) {
    if (key == "fsync") {
      ASSIGN_OR_RETURN(sync, ParseBoolOption(key, value));
    } else {
      staging_options.emplace_back(key, value);
    }
  }
  // The staging store is written without fsync; Commit makes it durable
  // with one syncfs before the swap.
  staging_options.emplace_back("fsync", "false");

  MigrationStats stats;
  auto migrate = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<JsonStaging> staging,
                     JsonStaging::Create(destination.path()));
    ASSIGN_OR_RETURN(StorageUrl staging_url,
                     JsonFolderUrl(staging->path(), staging_options));
    {
      ASSIGN_OR_RETURN(std::unique_ptr<Backend> store,
                       open(staging_url, BackendOptions()));
      ASSIGN_OR_RETURN(stats, CopyRecords(source, *store, options));
    }
    if (stats.records_written() == 0 && staging->destination_existed()) {
      staging->Abandon();  // nothing to change: leave every file alone
      return absl::OkStatus();
    }
    return staging->Commit(sync);
  };
  if (!PathExists(destination.path())) {
    RETURN_IF_ERROR(migrate());
    return stats;
  }
  // Hold the destination's whole-store lock while staging and swapping, so
  // that no write through Parley lands in the destination and is then lost
  // at the swap. The transaction itself changes nothing.
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> live,
                   open(destination, BackendOptions()));
  RETURN_IF_ERROR(live->RunInTransaction([&](Backend&) { return migrate(); }));
  return stats;
}

}  // namespace

absl::StatusOr<MigrationStats> CopyRecords(RecordSource& source,
                                           Backend& destination,
                                           const MigrateOptions& options) {
  MigrationStats stats;
  CopyVisitor visitor(destination, options, &stats);
  RETURN_IF_ERROR(source.Scan(visitor));
  visitor.Finish();
  return stats;
}

absl::StatusOr<MigrationStats> MigrateInto(RecordSource& source,
                                           const StorageUrl& destination,
                                           const BackendOpener& open,
                                           const MigrateOptions& options) {
  const absl::Time start = absl::Now();
  absl::StatusOr<MigrationStats> stats;
  if (destination.kind() == StorageUrl::Kind::kJson) {
    stats = MigrateIntoJson(source, destination, open, options);
  } else {
    absl::StatusOr<std::unique_ptr<Backend>> backend =
        open(destination, BackendOptions());
    if (!backend.ok()) {
      stats = backend.status();
    } else {
      MigrationStats copied;
      absl::Status status =
          (*backend)->RunInTransaction([&](Backend& transaction) {
            ASSIGN_OR_RETURN(copied, CopyRecords(source, transaction, options));
            return absl::OkStatus();
          });
      if (status.ok()) {
        stats = std::move(copied);
      } else {
        stats = status;
      }
    }
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
  const bool file_store =
      url.kind() == StorageUrl::Kind::kJson ||
      (url.kind() == StorageUrl::Kind::kSqlite && url.path() != ":memory:");
  if (file_store && !PathExists(url.path())) {
    return absl::NotFoundError(absl::StrCat(
        "source ", url.Redacted(), ": ",
        url.kind() == StorageUrl::Kind::kJson ? "folder" : "database file",
        " does not exist"));
  }
  BackendOptions options;
  options.schema_policy = BackendOptions::SchemaPolicy::kRefuseOlder;
  return open(url, options);
}

absl::Status CheckDistinctStores(const StorageUrl& a, const StorageUrl& b) {
  if (a.kind() != b.kind()) return absl::OkStatus();
  bool same = false;
  if (a.kind() == StorageUrl::Kind::kPostgres) {
    same = a.Redacted() == b.Redacted();
  } else if (a.path() != ":memory:") {
    std::error_code ec;
    same = a.path() == b.path() ||
           std::filesystem::equivalent(a.path(), b.path(), ec);
  }
  if (!same) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "source and destination are the same store (", a.Redacted(), ")"));
}

}  // namespace parley
