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

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/records.pb.h"
#include "storage/record_stream.h"
#include "storage/schema_admin.h"

namespace parley {

// Changes a record in place; a non-OK status abandons the change and is
// returned to the caller unchanged.
template <typename Record>
using Mutation = absl::FunctionRef<absl::Status(Record&)>;

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
    // and `parley schema upgrade`, which use schema_admin().
    kInspectOnly,
  };
  // Whatever the policy, a schema newer than the code is refused with
  // FailedPrecondition (except under kInspectOnly, where only
  // GetSchemaStatus works).
  SchemaPolicy schema_policy = SchemaPolicy::kUpgrade;
};

// The record operations: one method per operation of the contract, each
// doing its work in one unit (see the file comment). The other jobs of a
// store have interfaces of their own, reached through one accessor each:
// streaming for migration (RecordStream, stream()) and schema versions
// (SchemaAdmin, schema_admin()). New groups of operations likewise get an
// interface rather than more methods here, and flags or option bags are
// never added to existing methods. BackendWrapper
// (storage/backend_wrapper.h) forwards every method, for wrappers that
// change a few.
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

  // ---- Transactions -------------------------------------------------------

  // Runs `fn` with a Backend whose calls form one transaction: committed
  // when `fn` returns OK, rolled back (no trace) when it returns an error,
  // which is then returned. The Backend given to `fn` is valid only during
  // the call. See each backend for the isolation it gives.
  virtual absl::Status RunInTransaction(
      absl::FunctionRef<absl::Status(Backend&)> fn) = 0;

  // ---- Other interfaces -----------------------------------------------------

  // This backend's count, scan and batch operations. The object belongs to
  // this Backend and lives as long as it; a transaction view's stream() runs
  // inside that transaction.
  virtual RecordStream& stream() = 0;

  // This backend's schema versions, or null for an unversioned store (JSON).
  // The object belongs to this Backend and lives as long as it.
  virtual SchemaAdmin* schema_admin() { return nullptr; }
};

}  // namespace parley

#endif  // PARLEY_STORAGE_BACKEND_H_
