#include "backends/json/json_backend.h"

#include <sys/stat.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/json/json_backend_internal.h"
#include "backends/json/json_store.h"
#include "storage/posix_error.h"
#include "storage/record_by_record_stream.h"
#include "storage/status_macros.h"
#include "storage/status_util.h"

namespace parley {
namespace json_backend {
namespace {

// A Backend over a JSON-file store (see json_store.h for the locking and
// json_index.h for how listings avoid re-reading the store).
//
// The object OpenJsonBackend returns has `txn_` null: each call locks what
// it changes. RunInTransaction holds the whole-store lock (every thread and
// process) while `fn` runs and gives it a JsonBackend with a Txn, whose
// calls take no lock and journal the prior bytes of each file before its
// first change; an error from `fn` restores those files.
//
// Isolation holds against every other writer. Crash-atomicity does not: a
// crash in the middle of a transaction leaves the files written so far (each
// file itself is whole, old or new). A rolled-back transaction leaves the
// store folder and its lock file if it created them.
//
// Its RecordStream (stream() returns `this`) writes and reads batches
// record by record through this Backend's own methods: a JSON store has no
// statement that covers several files, so a batch costs what its records
// cost one by one, and a transaction view's batches join its transaction.
// It is unversioned: schema_admin() is null.
//
// Thread-safe; a transaction view is valid only during its `fn`.
class JsonBackend final : public Backend, public RecordByRecordStream {
 public:
  // The cast picks RecordByRecordStream(Backend&), not its copy constructor.
  JsonBackend(std::shared_ptr<JsonStore> store, Txn* txn)
      : RecordByRecordStream(static_cast<Backend&>(*this)),
        store_(std::move(store)),
        txn_(txn) {}

  absl::Status CreateConversation(const Conversation& conversation) override {
    return store_->CreateConversation(txn_, conversation);
  }
  absl::Status PutConversation(const Conversation& conversation) override {
    return store_->Put(txn_, conversation);
  }
  absl::StatusOr<std::optional<Conversation>> GetConversation(
      absl::string_view conversation_id) override {
    return store_->Get<Conversation>(conversation_id);
  }
  absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id) override {
    return store_->ListConversations(user_id);
  }
  absl::Status AppendMessage(absl::string_view conversation_id,
                             const Message& message) override {
    return store_->AppendMessage(txn_, conversation_id, message);
  }
  absl::StatusOr<Conversation> UpdateConversation(
      absl::string_view conversation_id,
      Mutation<Conversation> mutate) override {
    return store_->Update(txn_, conversation_id, mutate);
  }
  absl::StatusOr<int64_t> UpdateUserConversations(
      absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate) override {
    return store_->UpdateUserConversations(txn_, user_id, mutate);
  }
  absl::StatusOr<bool> DeleteConversation(
      absl::string_view conversation_id) override {
    return store_->DeleteConversation(txn_, conversation_id);
  }
  absl::StatusOr<int64_t> CountConversations(
      absl::string_view user_id,
      std::optional<absl::string_view> active_at) override {
    return store_->CountConversations(user_id, active_at);
  }

  absl::Status PutProfile(const Profile& profile) override {
    return store_->Put(txn_, profile);
  }
  absl::StatusOr<std::optional<Profile>> GetProfile(
      absl::string_view user_id) override {
    return store_->Get<Profile>(user_id);
  }
  absl::StatusOr<Profile> UpdateProfile(absl::string_view user_id,
                                        Mutation<Profile> mutate) override {
    return store_->Update(txn_, user_id, mutate);
  }

  absl::Status PutSubscription(const Subscription& subscription) override {
    return store_->Put(txn_, subscription);
  }
  absl::StatusOr<std::optional<Subscription>> GetSubscription(
      absl::string_view user_id) override {
    return store_->Get<Subscription>(user_id);
  }
  absl::StatusOr<Subscription> UpdateSubscription(
      absl::string_view user_id, Mutation<Subscription> mutate) override {
    return store_->Update(txn_, user_id, mutate);
  }
  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      absl::string_view stripe_subscription_id,
      Mutation<Subscription> mutate) override {
    return store_->UpdateSubscriptionByStripeId(txn_, stripe_subscription_id,
                                                mutate);
  }

  absl::Status RunInTransaction(
      absl::FunctionRef<absl::Status(Backend&)> fn) override;

  RecordStream& stream() override { return *this; }

  absl::StatusOr<StoreCounts> Count() override { return store_->Count(); }
  absl::Status Scan(RecordVisitor& visitor) override {
    return store_->Scan(visitor);
  }

  JsonStore& store() { return *store_; }

 private:
  // Runs `fn` on a view journaling into a fresh Txn; rolls back on error,
  // else hands the journal to `parent` (a nested transaction) if any.
  absl::Status RunWithJournal(absl::FunctionRef<absl::Status(Backend&)> fn,
                              Txn* parent);

  const std::shared_ptr<JsonStore> store_;
  Txn* const txn_;  // null outside a transaction
};

absl::Status JsonBackend::RunInTransaction(
    absl::FunctionRef<absl::Status(Backend&)> fn) {
  if (txn_ != nullptr) return RunWithJournal(fn, txn_);
  ASSIGN_OR_RETURN(LockGuard guard, store_->LockStore());
  return RunWithJournal(fn, nullptr);
}

absl::Status JsonBackend::RunWithJournal(
    absl::FunctionRef<absl::Status(Backend&)> fn, Txn* parent) {
  Txn txn;
  JsonBackend view(store_, &txn);
  absl::Status status = fn(view);
  if (status.ok()) {
    if (parent != nullptr) txn.journal.MergeInto(parent->journal);
    return status;
  }
  absl::Status rolled_back = store_->RollBack(&txn);
  if (!rolled_back.ok()) {
    // The store may now hold part of the transaction: that is worse than
    // `fn`'s error, so its code wins and both are named.
    return Annotate(rolled_back, absl::StrCat("roll back transaction after \"",
                                              status.message(), "\""));
  }
  return status;
}

}  // namespace

int64_t FilesParsedForTesting(Backend& backend) {
  return dynamic_cast<JsonBackend&>(backend).store().files_parsed();
}

}  // namespace json_backend

absl::StatusOr<std::unique_ptr<Backend>> OpenJsonBackend(
    const StorageUrl& url, const BackendOptions& options) {
  (void)options;     // unversioned: every schema policy opens the store
  bool sync = true;  // the option's value was checked by JsonType::CheckUrl
  if (const std::string* value = url.FindOption("fsync")) {
    ASSIGN_OR_RETURN(sync, ParseBoolOption("fsync", *value));
  }
  const std::string& root = url.path();  // not empty: CheckUrl refuses it
  struct stat st;
  if (::stat(root.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("open ", url.Redacted(), ": the path is not a folder"));
    }
  } else if (errno != ENOENT) {
    return PosixError(absl::StrCat("open ", url.Redacted()), errno);
  }
  return std::make_unique<json_backend::JsonBackend>(
      std::make_shared<json_backend::JsonStore>(root, sync), nullptr);
}

}  // namespace parley
