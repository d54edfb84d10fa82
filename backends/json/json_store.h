// The operations of a JSON-file store (its records' meaning: keys, updates
// that keep a conversation's messages byte for byte, listings from the
// index) over its record files (json_record_files.h). The Backend in
// json_backend.cc is a thin view over a JsonStore.
//
// Each mutating operation takes a `Txn*`, as RecordFiles' calls do: with
// nullptr it takes its record's lock (or the whole-store lock) itself and
// holds it across its read and write; with a Txn it takes none and its
// changes are journaled.
//
// Thread-safe.
#ifndef PARLEY_BACKENDS_JSON_JSON_STORE_H_
#define PARLEY_BACKENDS_JSON_JSON_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/json/json_lock.h"
#include "backends/json/json_record_files.h"
#include "proto/records.pb.h"
#include "storage/backend.h"

namespace parley {
namespace json_backend {

class JsonStore {
 public:
  // `sync`: fsync files and folders on every change (the URL's fsync
  // option).
  JsonStore(std::string root, bool sync) : files_(std::move(root), sync) {}
  JsonStore(const JsonStore&) = delete;
  JsonStore& operator=(const JsonStore&) = delete;

  // ---- Every kind of record (Conversation, Profile, Subscription) ----
  // Stores `record` under its key (a conversation's id, a profile's or
  // subscription's user id), in place of the record of that key.
  template <typename Record>
  absl::Status Put(Txn* txn, const Record& record);
  // The record of that kind stored under `id`; nullopt when there is none.
  template <typename Record>
  absl::StatusOr<std::optional<Record>> Get(absl::string_view id);
  // Read-modify-write of record `id` under its lock. NotFound when there is
  // none; InvalidArgument when `mutate` changed the key. A conversation's
  // messages are kept byte for byte.
  template <typename Record>
  absl::StatusOr<Record> Update(Txn* txn, absl::string_view id,
                                Mutation<Record> mutate);

  // ---- Conversations only ----
  absl::Status CreateConversation(Txn* txn, const Conversation& conversation);
  absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id);
  absl::Status AppendMessage(Txn* txn, absl::string_view id,
                             const Message& message);
  absl::StatusOr<int64_t> UpdateUserConversations(
      Txn* txn, absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate);
  absl::StatusOr<bool> DeleteConversation(Txn* txn, absl::string_view id);
  absl::StatusOr<int64_t> CountConversations(
      absl::string_view user_id, std::optional<absl::string_view> active_at);

  // ---- Subscriptions only ----
  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      Txn* txn, absl::string_view stripe_subscription_id,
      Mutation<Subscription> mutate);

  absl::StatusOr<StoreCounts> Count();
  absl::Status Scan(RecordVisitor& visitor);

  // Takes the whole-store lock for a transaction (creating the store folder
  // and its lock file if needed).
  absl::StatusOr<LockGuard> LockStore() { return files_.LockStore(); }
  // Undoes `txn`'s changes. REQUIRES: the whole-store lock is held.
  absl::Status RollBack(Txn* txn) { return files_.RollBack(txn); }

  // How many record files have been parsed: for tests of the index.
  int64_t files_parsed() const { return files_.files_parsed(); }

 private:
  using Loaded = RecordFiles::Loaded;

  // Update's read-modify-write, also of UpdateSubscriptionByStripeId:
  // nullopt when record `id` does not exist, or when `still` refuses the
  // record as read (it changed since the caller chose it).
  template <typename Record>
  absl::StatusOr<std::optional<Record>> Mutate(
      Txn* txn, absl::string_view id, Mutation<Record> mutate,
      absl::FunctionRef<bool(const Record&)> still);
  // Decodes `loaded` (record `id`) and, when `change` says true, writes it
  // back in `loaded`'s folder and layout: the record as written, or nullopt
  // when `change` said false. A conversation's messages are not decoded:
  // they go back byte for byte.
  template <typename Record>
  absl::StatusOr<std::optional<Record>> Rewrite(
      Txn* txn, absl::string_view id, Loaded& loaded,
      absl::FunctionRef<absl::StatusOr<bool>(Record&)> change);
  absl::StatusOr<int64_t> UpdateUserConversationsLocked(
      Txn* txn, absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate);
  // Scan's visit of every record of one kind, in id order.
  template <typename Record>
  absl::Status ScanKind(
      RecordVisitor& visitor,
      absl::Status (RecordVisitor::*on_record)(const Record&));

  RecordFiles files_;
};

}  // namespace json_backend
}  // namespace parley

#endif  // PARLEY_BACKENDS_JSON_JSON_STORE_H_
