// Parley's public API: the storage functions of a chat application, the same
// on every backend.
//
// A Storage keeps users' profiles, subscriptions, conversations and their
// messages, with exactly the function set and behaviour of the application's
// original JSON-file storage module (../shared/API.md in the project), on a
// backend chosen at run time by URL:
//
//   json:data                         a folder of JSON files (the default)
//   sqlite:///chat.db                 SQLite
//   postgresql://user:pw@host/chat    PostgreSQL
//
//   ASSIGN_OR_RETURN(auto storage, parley::Storage::OpenFromEnvironment());
//   ASSIGN_OR_RETURN(auto conv, storage->CreateConversation(id, "user_1"));
//   RETURN_IF_ERROR(storage->AddUserMessage(id, "Hello"));
//
// Errors are absl::Status codes chosen by what the caller should do next:
//   NotFound            the record does not exist (the contract's messages:
//                       "Conversation <id> not found", "Profile for user <id>
//                       not found", "Subscription for user <id> not found")
//   AlreadyExists       CreateConversation with an id that is taken
//   FailedPrecondition  "Profile is locked and cannot be edited"; a store
//                       whose schema is newer than this code
//   InvalidArgument     a malformed URL, an id that could escape the store
//                       (empty, "..", a leading dot, "/", "\", NUL, over 250
//                       bytes so that
//                       "<id>.json" fits a file name, invalid UTF-8), JSON text
//                       that does not parse
//   Unavailable         the store is busy or unreachable: retry the call
//   ResourceExhausted   no pooled connection within pool_timeout
//   DataLoss            a stored record cannot be read back
// Messages name the record and the cause; they never contain field contents
// or a password.
//
// JSON payloads (message stages, metadata, follow-up answers, update
// objects, profile data) go in as JSON text and come back in Parley's
// canonical compact form (storage/json_value.h): same values, same key
// order, same number text, same strings; no insignificant white space.
//
// Thread safety: a Storage is safe for concurrent use from many threads, and
// writes are safe against other processes using the same store.
#ifndef PARLEY_API_STORAGE_H_
#define PARLEY_API_STORAGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/options.h"
#include "proto/records.pb.h"
// IsoTimestamp(absl::Time), the original's datetime.utcnow().isoformat(),
// which embedders use for their own timestamps.
#include "storage/timestamp.h"  // IWYU pragma: export

namespace parley {

class Backend;

// Record counts, for `parley info` and migration summaries.
struct StorageCounts {
  int64_t profiles = 0;
  int64_t subscriptions = 0;
  int64_t conversations = 0;
  int64_t messages = 0;
};

class Storage {
 public:
  // Opens the store `url` names (README.md, "Database URLs", lists every
  // accepted form). InvalidArgument for a malformed URL or unknown scheme (the
  // message shows the URL redacted); Unavailable when the store cannot be
  // reached.
  static absl::StatusOr<std::unique_ptr<Storage>> Open(
      absl::string_view url, const StorageOptions& options = StorageOptions());

  // Opens $DATABASE_URL, or, when it is unset or empty, the JSON store in
  // ./data: exactly where the original application kept its files.
  static absl::StatusOr<std::unique_ptr<Storage>> OpenFromEnvironment(
      const StorageOptions& options = StorageOptions());

  // The URL this store was opened with, password replaced by "***".
  const std::string& redacted_url() const { return redacted_url_; }
  // "json", "sqlite" or "postgresql".
  const std::string& backend_name() const { return backend_name_; }
  // Whether the store admits one writer at a time (SQLite): AsyncStorage
  // then runs writes on one lane, in order.
  bool serialized_writes() const { return serialized_writes_; }

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  // ---- Conversations ------------------------------------------------------

  // create_conversation: a new record (title "New Conversation", not
  // starred, no messages, report_cycle 0, visible, expires_at = created_at
  // + 7 days when `subscription_tier` is "free", else null). Works for a
  // user without a profile. AlreadyExists when the id is taken (the
  // original overwrote it; nothing is lost here).
  absl::StatusOr<Conversation> CreateConversation(
      absl::string_view conversation_id, absl::string_view user_id,
      absl::string_view subscription_tier = "free");

  // get_conversation: the whole record with its messages, or nullopt.
  absl::StatusOr<std::optional<Conversation>> GetConversation(
      absl::string_view conversation_id);

  // save_conversation: stores `conversation` whole, replacing any record of
  // that id. Payload texts must be JSON (InvalidArgument otherwise).
  absl::Status SaveConversation(const Conversation& conversation);

  // list_conversations: summaries of `user_id`'s conversations (all
  // conversations when `user_id` is empty), newest created_at first; equal
  // created_at in ascending id order.
  absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id = "");

  // add_user_message: appends {"role": "user", "content": content}.
  // NotFound "Conversation <id> not found".
  absl::Status AddUserMessage(absl::string_view conversation_id,
                              absl::string_view content);

  // add_assistant_message: appends {"role": "assistant", "stage1", "stage2",
  // "stage3"} and "metadata" when given. Each argument is JSON text.
  // NotFound as AddUserMessage.
  absl::Status AddAssistantMessage(
      absl::string_view conversation_id, absl::string_view stage1_json,
      absl::string_view stage2_json, absl::string_view stage3_json,
      std::optional<absl::string_view> metadata_json = std::nullopt);

  // update_conversation: shallow merge of the JSON object `updates_json`
  // into the record (existing keys keep their place, new keys go last).
  // NotFound; InvalidArgument when the updates are not an object or name
  // "id" or "messages".
  absl::Status UpdateConversation(absl::string_view conversation_id,
                                  absl::string_view updates_json);

  // update_conversation_title. NotFound.
  absl::Status UpdateConversationTitle(absl::string_view conversation_id,
                                       absl::string_view title);

  // toggle_conversation_starred: flips `starred`, returns the new value.
  // NotFound.
  absl::StatusOr<bool> ToggleConversationStarred(
      absl::string_view conversation_id);

  // delete_conversation: removes it and its messages; an unknown id is not
  // an error.
  absl::Status DeleteConversation(absl::string_view conversation_id);

  // save_follow_up_answers: follow_up_answers = answers (JSON text),
  // has_follow_up = true, report_cycle += 1. NotFound.
  absl::Status SaveFollowUpAnswers(absl::string_view conversation_id,
                                   absl::string_view answers_json);

  // restore_all_expired_reports: each of the user's conversations with
  // expires_at set or is_visible false becomes visible with expires_at
  // null. Returns how many changed.
  absl::StatusOr<int64_t> RestoreAllExpiredReports(absl::string_view user_id);

  // count_user_conversations.
  absl::StatusOr<int64_t> CountUserConversations(absl::string_view user_id);

  // get_active_conversations_count: the user's conversations whose
  // expires_at is null or later than now.
  absl::StatusOr<int64_t> GetActiveConversationsCount(
      absl::string_view user_id);

  // ---- Profiles -----------------------------------------------------------

  // create_user_profile: {user_id, email ("unknown@clerk.local" when empty),
  // profile = profile_data (a JSON object), created_at, profile_locked =
  // true}, replacing any profile of that user as the original did.
  absl::StatusOr<Profile> CreateUserProfile(
      absl::string_view user_id, absl::string_view email,
      absl::string_view profile_data_json);

  // get_user_profile: the profile, or nullopt for a user who never created
  // one (even one with conversations or a subscription).
  absl::StatusOr<std::optional<Profile>> GetUserProfile(
      absl::string_view user_id);

  // update_user_profile: merges the JSON object into `profile`. NotFound
  // "Profile for user <id> not found"; FailedPrecondition "Profile is locked
  // and cannot be edited".
  absl::StatusOr<Profile> UpdateUserProfile(
      absl::string_view user_id, absl::string_view profile_data_json);

  // ---- Subscriptions ------------------------------------------------------

  // create_subscription: {user_id, tier, status "active",
  // stripe_subscription_id null, current_period_end null, created_at,
  // updated_at}, replacing any subscription of that user as the original did.
  absl::StatusOr<Subscription> CreateSubscription(
      absl::string_view user_id, absl::string_view tier = "free");

  // get_subscription: the record or nullopt.
  absl::StatusOr<std::optional<Subscription>> GetSubscription(
      absl::string_view user_id);

  // update_subscription: shallow merge of the JSON object `data_json`,
  // updated_at = now. NotFound "Subscription for user <id> not found".
  absl::StatusOr<Subscription> UpdateSubscription(absl::string_view user_id,
                                                  absl::string_view data_json);

  // update_subscription_by_stripe_id: the same merge on the subscription
  // with that Stripe id; nullopt when there is none.
  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      absl::string_view stripe_subscription_id, absl::string_view data_json);

  // ---- Beyond the original module -----------------------------------------

  // Runs `fn` so that all of its calls on the Storage it is given commit
  // together or not at all: committed when `fn` returns OK, rolled back when
  // it returns an error (which is returned). The inner Storage is valid only
  // during the call. JSON stores: see README.md for what this gives there.
  absl::Status RunInTransaction(absl::FunctionRef<absl::Status(Storage&)> fn);

  // How many records of each kind the store holds.
  absl::StatusOr<StorageCounts> Count();

 private:
  friend class StorageTestPeer;  // tests reach the backend underneath

  Storage(std::unique_ptr<Backend> owned, Backend* backend,
          StorageOptions options, std::string redacted_url,
          std::string backend_name, bool serialized_writes);

  std::string Now() const;

  std::unique_ptr<Backend> owned_backend_;  // null for a transaction's view
  Backend* backend_;
  StorageOptions options_;
  std::string redacted_url_;
  std::string backend_name_;
  bool serialized_writes_;
};

// True when `status` reports a write whose outcome is unknown: the
// connection to the store was lost after COMMIT was sent and before its
// answer came (code Unknown, message "... commit outcome unknown ..."). The
// write may or may not have been applied: read back before retrying a write
// that is not idempotent (an append, a toggle). Every other error means the
// write was not applied.
bool IsCommitOutcomeUnknown(const absl::Status& status);

}  // namespace parley

#endif  // PARLEY_API_STORAGE_H_
