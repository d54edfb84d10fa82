// Wrappers that forward every call to another object, after LevelDB's
// EnvWrapper: a class that changes a few methods of a Backend (a test's
// fault injector, say) derives from BackendWrapper and overrides only
// those, and the rest keep reaching the target.
//
// Thread-safe when the target is.
#ifndef PARLEY_STORAGE_BACKEND_WRAPPER_H_
#define PARLEY_STORAGE_BACKEND_WRAPPER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/backend.h"
#include "storage/record_stream.h"
#include "storage/schema_admin.h"

namespace parley {

// Forwards every method to `target`, stream() and schema_admin() included:
// they return the target's objects, so a wrapper that changes batches
// overrides stream() (with a RecordStreamWrapper, below). RunInTransaction
// hands `fn` the target's transaction Backend, unwrapped; a wrapper whose
// changes must hold inside transactions overrides it and wraps that
// Backend too.
class BackendWrapper : public Backend {
 public:
  // `target` must outlive this object.
  explicit BackendWrapper(Backend* target) : target_(target) {}

  Backend* target() const { return target_; }

  absl::Status CreateConversation(const Conversation& conversation) override {
    return target_->CreateConversation(conversation);
  }
  absl::Status PutConversation(const Conversation& conversation) override {
    return target_->PutConversation(conversation);
  }
  absl::StatusOr<std::optional<Conversation>> GetConversation(
      absl::string_view conversation_id) override {
    return target_->GetConversation(conversation_id);
  }
  absl::StatusOr<std::vector<ConversationSummary>> ListConversations(
      absl::string_view user_id) override {
    return target_->ListConversations(user_id);
  }
  absl::Status AppendMessage(absl::string_view conversation_id,
                             const Message& message) override {
    return target_->AppendMessage(conversation_id, message);
  }
  absl::StatusOr<Conversation> UpdateConversation(
      absl::string_view conversation_id,
      Mutation<Conversation> mutate) override {
    return target_->UpdateConversation(conversation_id, mutate);
  }
  absl::StatusOr<int64_t> UpdateUserConversations(
      absl::string_view user_id,
      absl::FunctionRef<bool(Conversation&)> mutate) override {
    return target_->UpdateUserConversations(user_id, mutate);
  }
  absl::StatusOr<bool> DeleteConversation(
      absl::string_view conversation_id) override {
    return target_->DeleteConversation(conversation_id);
  }
  absl::StatusOr<int64_t> CountConversations(
      absl::string_view user_id,
      std::optional<absl::string_view> active_at) override {
    return target_->CountConversations(user_id, active_at);
  }

  absl::Status PutProfile(const Profile& profile) override {
    return target_->PutProfile(profile);
  }
  absl::StatusOr<std::optional<Profile>> GetProfile(
      absl::string_view user_id) override {
    return target_->GetProfile(user_id);
  }
  absl::StatusOr<Profile> UpdateProfile(absl::string_view user_id,
                                        Mutation<Profile> mutate) override {
    return target_->UpdateProfile(user_id, mutate);
  }

  absl::Status PutSubscription(const Subscription& subscription) override {
    return target_->PutSubscription(subscription);
  }
  absl::StatusOr<std::optional<Subscription>> GetSubscription(
      absl::string_view user_id) override {
    return target_->GetSubscription(user_id);
  }
  absl::StatusOr<Subscription> UpdateSubscription(
      absl::string_view user_id, Mutation<Subscription> mutate) override {
    return target_->UpdateSubscription(user_id, mutate);
  }
  absl::StatusOr<std::optional<Subscription>> UpdateSubscriptionByStripeId(
      absl::string_view stripe_subscription_id,
      Mutation<Subscription> mutate) override {
    return target_->UpdateSubscriptionByStripeId(stripe_subscription_id,
                                                 mutate);
  }

  absl::Status RunInTransaction(
      absl::FunctionRef<absl::Status(Backend&)> fn) override {
    return target_->RunInTransaction(fn);
  }

  RecordStream& stream() override { return target_->stream(); }
  SchemaAdmin* schema_admin() override { return target_->schema_admin(); }

 private:
  Backend* const target_;
};

// Forwards every method of a RecordStream to `target`.
class RecordStreamWrapper : public RecordStream {
 public:
  // `target` must outlive this object.
  explicit RecordStreamWrapper(RecordStream* target) : target_(target) {}

  RecordStream* target() const { return target_; }

  absl::StatusOr<StoreCounts> Count() override { return target_->Count(); }
  absl::Status Scan(RecordVisitor& visitor) override {
    return target_->Scan(visitor);
  }
  absl::Status PutBatch(const RecordBatch& batch) override {
    return target_->PutBatch(batch);
  }
  absl::StatusOr<RecordBatch> GetBatch(const RecordIds& ids) override {
    return target_->GetBatch(ids);
  }

 private:
  RecordStream* const target_;
};

}  // namespace parley

#endif  // PARLEY_STORAGE_BACKEND_WRAPPER_H_
