// The narrow interface every storage backend implements.
//
// A Backend stores records; it knows nothing of the contract's defaults,
// timestamps, id rules or error wording, which live once in the facade
// (api/storage.h). Each operation is one unit of work a backend can do
// atomically (one statement, one transaction, or one locked file rewrite).
//
// Thread safety: a Backend is safe for concurrent use from many threads, and
// its writes are safe against other processes using the same store.
//
// Error codes every method may return besides those listed: Unavailable (the
// store is busy or unreachable; retry the call), Aborted (retry the whole
// transaction), ResourceExhausted (no connection free within the pool
// timeout), DataLoss (a stored record cannot be read back), Internal (a bug).
#ifndef PARLEY_STORAGE_BACKEND_H_
#define PARLEY_STORAGE_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/records.pb.h"

namespace parley {

// Changes a record in place; a non-OK status abandons the change and is
// returned to the caller unchanged.
template <typename Record>
using Mutation = absl::FunctionRef<absl::Status(Record&)>;

// Counts of what a store holds (`parley info`).
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

// What every backend factory is given besides the URL.
struct BackendOptions {
  enum class SchemaPolicy {
    // Create the schema in an empty store and upgrade an older one (the
    // original application's tables included) when opening.
    kUpgrade,
    // Refuse an older schema with FailedPrecondition naming the versions and
    // `parley schema upgrade`.
    kRefuseOlder,
    // Open without creating or checking anything: for `parley schema status`
    // and `parley schema upgrade`, which call GetSchemaStatus/UpgradeSchema.
    kInspectOnly,
  };
  // Whatever the policy, a schema newer than the code is refused with
  // FailedPrecondition (except under kInspectOnly, where only
  // GetSchemaStatus works).
  SchemaPolicy schema_policy = SchemaPolicy::kUpgrade;
};

// Whole records to store (BulkBackend::PutBatch) or that were read
// (BulkBackend::GetBatch).
struct RecordBatch {
  std::vector<Profile> profiles;
  std::vector<Subscription> subscriptions;
  std::vector<Conversation> conversations;  // each with all its messages

  size_t size() const {
    return profiles.size() + subscriptions.size() + conversations.size();
  }
  bool empty() const { return size() == 0; }
};

// The ids of records to read with BulkBackend::GetBatch.
struct RecordIds {
  std::vector<std::string> profiles;       // user ids
  std::vector<std::string> subscriptions;  // user ids
  std::vector<std::string> conversations;  // conversation ids
};

// Many whole records in one call, for migration: what a backend can do in a
// few statements instead of several per record. A separate interface rather
// than more Backend methods (see the note on Backend); a Backend that has
// one returns it from Backend::bulk().
//
// Thread safety and the codes that may be returned besides those listed:
// as Backend.
class BulkBackend {
 public:
  virtual ~BulkBackend() = default;

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

// Where a store's schema stands.
struct SchemaStatus {
  // The version the store is at: 0 for an empty store (no tables), -1 for
  // the original application's tables without a version table (adoptable).
  int stored_version = 0;
  // The newest version this code knows.
  int code_version = 0;
  // One line per migration not yet applied ("3: add messages.position").
  std::vector<std::string> pending;
};

// The interface is deliberately narrow: one method per operation of the
// contract, each doing its work in one unit (see the file comment). It has
// reached about 20 methods, so new groups of operations go in interfaces of
// their own rather than here (BulkBackend, for migration), reached through
// one accessor each, and flags or option bags are never added to existing
// methods.
class Backend {
 public:
  virtual ~Backend() = default;

  // ---- Conversations ----------------------------------------------------

  // Stores a new conversation with the messages it carries.
  // AlreadyExists when the id is taken.
  virtual absl::Status CreateConversation(const Conversation& conversation) = 0;

  // Stores the whole record, replacing any conversation with the same id
  // (messages included), or creating it.
  virtual absl::Status PutConversation(const Conversation& conversation) = 0;

  // The whole record with its messages in order; nullopt when absent.
  virtual absl::StatusOr<std::optional<Conversation>> GetConversation(
      absl::string_view conversation_id) = 0;

  // Summaries of `user_id`'s conversations, or of all conversations when
  // `user_id` is empty, in no particular order.
  virtual absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id) = 0;

  // Appends `message` after the last message. NotFound when the
  // conversation does not exist.
  virtual absl::Status AppendMessage(absl::string_view conversation_id,
                                     const Message& message) = 0;

  // Reads the conversation without its messages, applies `mutate`, and
  // stores the result, atomically with respect to other writers. Returns
  // the stored record (without messages). NotFound when absent; the
  // mutation's own error when it fails (nothing is stored then).
  // REQUIRES: `mutate` does not change the id or the messages.
  virtual absl::StatusOr<Conversation> UpdateConversation(
      absl::string_view conversation_id, Mutation<Conversation> mutate) = 0;

  // Applies `changed = mutate(c)` to every conversation of `user_id`
  // (without messages) and stores those it changed, atomically. Returns how
  // many changed. `mutate` returns true when it changed the record.
  virtual absl::StatusOr<int64_t> UpdateUserConversations(
      absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate) = 0;

  // Removes a conversation and its messages. Returns whether it existed.
  virtual absl::StatusOr<bool> DeleteConversation(
      absl::string_view conversation_id) = 0;

  // The number of `user_id`'s conversations; with `active_at`, only those
  // whose expires_at is null or later than `active_at` (timestamp text,
  // compared as text: both are isoformat() strings).
  virtual absl::StatusOr<int64_t> CountConversations(
      absl::string_view user_id,
      std::optional<absl::string_view> active_at) = 0;

  // ---- Profiles -----------------------------------------------------------

  // Stores the profile, replacing any profile of the same user.
  virtual absl::Status PutProfile(const Profile& profile) = 0;
  virtual absl::StatusOr<std::optional<Profile>> GetProfile(
      absl::string_view user_id) = 0;
  // Read-modify-write as UpdateConversation. NotFound when absent.
  virtual absl::StatusOr<Profile> UpdateProfile(absl::string_view user_id,
                                                Mutation<Profile> mutate) = 0;

  // ---- Subscriptions ------------------------------------------------------

  // Stores the subscription, replacing any subscription of the same user.
  virtual absl::Status PutSubscription(const Subscription& subscription) = 0;
  virtual absl::StatusOr<std::optional<Subscription>> GetSubscription(
      absl::string_view user_id) = 0;
  // Read-modify-write of the subscription of `user_id` (NotFound when
  // absent), or, by Stripe id, of the subscription whose
  // stripe_subscription_id equals it (the smallest user_id when several do;
  // nullopt when none does).
  virtual absl::StatusOr<Subscription> UpdateSubscription(
      absl::string_view user_id, Mutation<Subscription> mutate) = 0;
  virtual absl::StatusOr<std::optional<Subscription>>
  UpdateSubscriptionByStripeId(absl::string_view stripe_subscription_id,
                               Mutation<Subscription> mutate) = 0;

  // ---- Whole store --------------------------------------------------------

  virtual absl::StatusOr<StoreCounts> Count() = 0;

  // Visits every profile, then every subscription, then every conversation
  // (with messages), each kind in ascending id order (bytewise, as
  // std::string compares). Stops at, and returns, the first error the
  // visitor returns. A record that cannot be read back (DataLoss) goes to
  // visitor.OnBadRecord, and the scan goes on when that returns OK.
  virtual absl::Status Scan(RecordVisitor& visitor) = 0;

  // ---- Schema versions (SQL stores; a JSON store reports 0 and 0) -----------

  virtual absl::StatusOr<SchemaStatus> GetSchemaStatus() = 0;

  // Applies every pending migration in order, each in its own transaction,
  // under a lock that lets only one process migrate at a time (another
  // waits, then finds nothing left to do). FailedPrecondition when the
  // stored schema is newer than the code. Returns the status afterwards.
  virtual absl::StatusOr<SchemaStatus> UpgradeSchema() = 0;

  // Runs `fn` with a Backend whose calls form one transaction: committed
  // when `fn` returns OK, rolled back (no trace) when it returns an error,
  // which is then returned. The Backend given to `fn` is valid only during
  // the call. See each backend for the isolation it gives.
  virtual absl::Status RunInTransaction(
      absl::FunctionRef<absl::Status(Backend&)> fn) = 0;

  // ---- Other interfaces -----------------------------------------------------

  // This backend's bulk operations, or null when it has none (a caller then
  // uses the per-record methods above). The object belongs to this Backend
  // and lives as long as it; a transaction view's bulk() writes inside that
  // transaction. Every built-in backend has one; wrappers (such as a test's
  // fault injector) may not.
  virtual BulkBackend* bulk() { return nullptr; }
};

}  // namespace parley

#endif  // PARLEY_STORAGE_BACKEND_H_
