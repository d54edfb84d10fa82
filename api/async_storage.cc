// AsyncStorage is a thin layer: each method queues Bind(the Storage method
// of the same name, its arguments) and hands the result back. The
// contract's logic stays in Storage alone.
#include "api/async_storage.h"

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "storage/executor.h"

namespace parley {
namespace {

// A value that outlives the caller's buffers, for a parameter of type P.
template <typename P>
struct Owned {
  using type = std::decay_t<P>;
};
template <>
struct Owned<absl::string_view> {
  using type = std::string;
};
template <>
struct Owned<std::optional<absl::string_view>> {
  using type = std::optional<std::string>;
};

// The call a method queues: Storage method `method` with owned copies of
// `args`, each passed back as the parameter's type (a string as a
// string_view). Each call runs once, so it hands its copies over.
template <typename R, typename... Params, typename... Args>
auto Bind(R (Storage::*method)(Params...), Args&&... args) {
  return [method, owned = std::tuple<typename Owned<Params>::type...>(
                      std::forward<Args>(args)...)](Storage& s) mutable {
    return std::apply([&](auto&... a) { return (s.*method)(std::move(a)...); },
                      owned);
  };
}

auto RunInTransactionCall(AsyncStorage::TransactionFn fn) {
  return [fn = std::move(fn)](Storage& s) mutable {
    return s.RunInTransaction(
        [&fn](Storage& tx) -> absl::Status { return fn(tx); });
  };
}

ExecutorOptions MakeExecutorOptions(const AsyncStorageOptions& options,
                                    bool serialized_writes) {
  ExecutorOptions out;
  out.workers = options.workers;
  out.max_queued = options.max_queued;
  switch (options.writer_lane) {
    case AsyncStorageOptions::WriterLane::kAuto:
      // A store that admits one writer at a time (SQLite): more writer
      // threads would only wait for its lock while holding connections.
      out.serialized_writer_lane = serialized_writes;
      break;
    case AsyncStorageOptions::WriterLane::kAlways:
      out.serialized_writer_lane = true;
      break;
    case AsyncStorageOptions::WriterLane::kNever:
      out.serialized_writer_lane = false;
      break;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AsyncStorage>> AsyncStorage::Open(
    absl::string_view url, const AsyncStorageOptions& options) {
  absl::StatusOr<std::unique_ptr<Storage>> storage =
      Storage::Open(url, options.storage);
  if (!storage.ok()) return storage.status();
  return Wrap(*std::move(storage), options);
}

std::unique_ptr<AsyncStorage> AsyncStorage::Wrap(
    std::unique_ptr<Storage> storage, const AsyncStorageOptions& options) {
  return std::unique_ptr<AsyncStorage>(
      new AsyncStorage(std::move(storage), options));
}

AsyncStorage::AsyncStorage(std::unique_ptr<Storage> storage,
                           const AsyncStorageOptions& options)
    : storage_(std::move(storage)),
      executor_(std::make_unique<Executor>(
          MakeExecutorOptions(options, storage_->serialized_writes()))) {}

AsyncStorage::~AsyncStorage() { Shutdown(/*drain=*/true); }

void AsyncStorage::Shutdown(bool drain) { executor_->Shutdown(drain); }

const std::string& AsyncStorage::redacted_url() const {
  return storage_->redacted_url();
}

const std::string& AsyncStorage::backend_name() const {
  return storage_->backend_name();
}

template <typename R, typename Call>
absl::Status AsyncStorage::Queue(Access access, Call call,
                                 absl::AnyInvocable<void(R)> done) {
  // Exactly one of the task and its cancel path runs; both reach `done`.
  auto shared_done =
      std::make_shared<absl::AnyInvocable<void(R)>>(std::move(done));
  Storage* storage = storage_.get();
  return executor_->Submit(
      access == Access::kWrite ? Executor::Lane::kWrite : Executor::Lane::kRead,
      [storage, call = std::move(call), shared_done]() mutable {
        (*shared_done)(call(*storage));
      },
      [shared_done](absl::Status status) {
        (*shared_done)(R(std::move(status)));
      });
}

template <typename Call>
std::future<std::invoke_result_t<Call&, Storage&>> AsyncStorage::QueueForFuture(
    Access access, Call call) {
  using R = std::invoke_result_t<Call&, Storage&>;
  // Shared, so that a call that is refused can still fulfil it here.
  auto promise = std::make_shared<std::promise<R>>();
  std::future<R> future = promise->get_future();
  absl::Status queued = Queue<R>(access, std::move(call), [promise](R result) {
    promise->set_value(std::move(result));
  });
  if (!queued.ok()) promise->set_value(R(std::move(queued)));
  return future;
}

AsyncStorage::Future<Conversation> AsyncStorage::CreateConversation(
    absl::string_view conversation_id, absl::string_view user_id,
    absl::string_view subscription_tier) {
  return QueueForFuture(Access::kWrite,
                        Bind(&Storage::CreateConversation, conversation_id,
                             user_id, subscription_tier));
}

absl::Status AsyncStorage::CreateConversation(
    absl::string_view conversation_id, absl::string_view user_id,
    absl::string_view subscription_tier, Callback<Conversation> done) {
  return Queue(Access::kWrite,
               Bind(&Storage::CreateConversation, conversation_id, user_id,
                    subscription_tier),
               std::move(done));
}

AsyncStorage::Future<std::optional<Conversation>> AsyncStorage::GetConversation(
    absl::string_view conversation_id) {
  return QueueForFuture(Access::kRead,
                        Bind(&Storage::GetConversation, conversation_id));
}

absl::Status AsyncStorage::GetConversation(
    absl::string_view conversation_id,
    Callback<std::optional<Conversation>> done) {
  return Queue(Access::kRead, Bind(&Storage::GetConversation, conversation_id),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::SaveConversation(
    const Conversation& conversation) {
  return QueueForFuture(Access::kWrite,
                        Bind(&Storage::SaveConversation, conversation));
}

absl::Status AsyncStorage::SaveConversation(const Conversation& conversation,
                                            StatusCallback done) {
  return Queue(Access::kWrite, Bind(&Storage::SaveConversation, conversation),
               std::move(done));
}

AsyncStorage::Future<std::vector<ConversationSummary>>
AsyncStorage::ListConversations(absl::string_view user_id) {
  return QueueForFuture(Access::kRead,
                        Bind(&Storage::ListConversations, user_id));
}

absl::Status AsyncStorage::ListConversations(
    absl::string_view user_id,
    Callback<std::vector<ConversationSummary>> done) {
  return Queue(Access::kRead, Bind(&Storage::ListConversations, user_id),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::AddUserMessage(
    absl::string_view conversation_id, absl::string_view content) {
  return QueueForFuture(
      Access::kWrite, Bind(&Storage::AddUserMessage, conversation_id, content));
}

absl::Status AsyncStorage::AddUserMessage(absl::string_view conversation_id,
                                          absl::string_view content,
                                          StatusCallback done) {
  return Queue(Access::kWrite,
               Bind(&Storage::AddUserMessage, conversation_id, content),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::AddAssistantMessage(
    absl::string_view conversation_id, absl::string_view stage1_json,
    absl::string_view stage2_json, absl::string_view stage3_json,
    std::optional<absl::string_view> metadata_json) {
  return QueueForFuture(
      Access::kWrite,
      Bind(&Storage::AddAssistantMessage, conversation_id, stage1_json,
           stage2_json, stage3_json, metadata_json));
}

absl::Status AsyncStorage::AddAssistantMessage(
    absl::string_view conversation_id, absl::string_view stage1_json,
    absl::string_view stage2_json, absl::string_view stage3_json,
    std::optional<absl::string_view> metadata_json, StatusCallback done) {
  return Queue(Access::kWrite,
               Bind(&Storage::AddAssistantMessage, conversation_id, stage1_json,
                    stage2_json, stage3_json, metadata_json),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::UpdateConversation(
    absl::string_view conversation_id, absl::string_view updates_json) {
  return QueueForFuture(Access::kWrite, Bind(&Storage::UpdateConversation,
                                             conversation_id, updates_json));
}

absl::Status AsyncStorage::UpdateConversation(absl::string_view conversation_id,
                                              absl::string_view updates_json,
                                              StatusCallback done) {
  return Queue(
      Access::kWrite,
      Bind(&Storage::UpdateConversation, conversation_id, updates_json),
      std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::UpdateConversationTitle(
    absl::string_view conversation_id, absl::string_view title) {
  return QueueForFuture(Access::kWrite, Bind(&Storage::UpdateConversationTitle,
                                             conversation_id, title));
}

absl::Status AsyncStorage::UpdateConversationTitle(
    absl::string_view conversation_id, absl::string_view title,
    StatusCallback done) {
  return Queue(Access::kWrite,
               Bind(&Storage::UpdateConversationTitle, conversation_id, title),
               std::move(done));
}

AsyncStorage::Future<bool> AsyncStorage::ToggleConversationStarred(
    absl::string_view conversation_id) {
  return QueueForFuture(
      Access::kWrite,
      Bind(&Storage::ToggleConversationStarred, conversation_id));
}

absl::Status AsyncStorage::ToggleConversationStarred(
    absl::string_view conversation_id, Callback<bool> done) {
  return Queue(Access::kWrite,
               Bind(&Storage::ToggleConversationStarred, conversation_id),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::DeleteConversation(
    absl::string_view conversation_id) {
  return QueueForFuture(Access::kWrite,
                        Bind(&Storage::DeleteConversation, conversation_id));
}

absl::Status AsyncStorage::DeleteConversation(absl::string_view conversation_id,
                                              StatusCallback done) {
  return Queue(Access::kWrite,
               Bind(&Storage::DeleteConversation, conversation_id),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::SaveFollowUpAnswers(
    absl::string_view conversation_id, absl::string_view answers_json) {
  return QueueForFuture(Access::kWrite, Bind(&Storage::SaveFollowUpAnswers,
                                             conversation_id, answers_json));
}

absl::Status AsyncStorage::SaveFollowUpAnswers(
    absl::string_view conversation_id, absl::string_view answers_json,
    StatusCallback done) {
  return Queue(
      Access::kWrite,
      Bind(&Storage::SaveFollowUpAnswers, conversation_id, answers_json),
      std::move(done));
}

AsyncStorage::Future<int64_t> AsyncStorage::RestoreAllExpiredReports(
    absl::string_view user_id) {
  return QueueForFuture(Access::kWrite,
                        Bind(&Storage::RestoreAllExpiredReports, user_id));
}

absl::Status AsyncStorage::RestoreAllExpiredReports(absl::string_view user_id,
                                                    Callback<int64_t> done) {
  return Queue(Access::kWrite,
               Bind(&Storage::RestoreAllExpiredReports, user_id),
               std::move(done));
}

AsyncStorage::Future<int64_t> AsyncStorage::CountUserConversations(
    absl::string_view user_id) {
  return QueueForFuture(Access::kRead,
                        Bind(&Storage::CountUserConversations, user_id));
}

absl::Status AsyncStorage::CountUserConversations(absl::string_view user_id,
                                                  Callback<int64_t> done) {
  return Queue(Access::kRead, Bind(&Storage::CountUserConversations, user_id),
               std::move(done));
}

AsyncStorage::Future<int64_t> AsyncStorage::GetActiveConversationsCount(
    absl::string_view user_id) {
  return QueueForFuture(Access::kRead,
                        Bind(&Storage::GetActiveConversationsCount, user_id));
}

absl::Status AsyncStorage::GetActiveConversationsCount(
    absl::string_view user_id, Callback<int64_t> done) {
  return Queue(Access::kRead,
               Bind(&Storage::GetActiveConversationsCount, user_id),
               std::move(done));
}

AsyncStorage::Future<Profile> AsyncStorage::CreateUserProfile(
    absl::string_view user_id, absl::string_view email,
    absl::string_view profile_data_json) {
  return QueueForFuture(
      Access::kWrite,
      Bind(&Storage::CreateUserProfile, user_id, email, profile_data_json));
}

absl::Status AsyncStorage::CreateUserProfile(
    absl::string_view user_id, absl::string_view email,
    absl::string_view profile_data_json, Callback<Profile> done) {
  return Queue(
      Access::kWrite,
      Bind(&Storage::CreateUserProfile, user_id, email, profile_data_json),
      std::move(done));
}

AsyncStorage::Future<std::optional<Profile>> AsyncStorage::GetUserProfile(
    absl::string_view user_id) {
  return QueueForFuture(Access::kRead, Bind(&Storage::GetUserProfile, user_id));
}

absl::Status AsyncStorage::GetUserProfile(
    absl::string_view user_id, Callback<std::optional<Profile>> done) {
  return Queue(Access::kRead, Bind(&Storage::GetUserProfile, user_id),
               std::move(done));
}

AsyncStorage::Future<Profile> AsyncStorage::UpdateUserProfile(
    absl::string_view user_id, absl::string_view profile_data_json) {
  return QueueForFuture(Access::kWrite, Bind(&Storage::UpdateUserProfile,
                                             user_id, profile_data_json));
}

absl::Status AsyncStorage::UpdateUserProfile(
    absl::string_view user_id, absl::string_view profile_data_json,
    Callback<Profile> done) {
  return Queue(Access::kWrite,
               Bind(&Storage::UpdateUserProfile, user_id, profile_data_json),
               std::move(done));
}

AsyncStorage::Future<Subscription> AsyncStorage::CreateSubscription(
    absl::string_view user_id, absl::string_view tier) {
  return QueueForFuture(Access::kWrite,
                        Bind(&Storage::CreateSubscription, user_id, tier));
}

absl::Status AsyncStorage::CreateSubscription(absl::string_view user_id,
                                              absl::string_view tier,
                                              Callback<Subscription> done) {
  return Queue(Access::kWrite,
               Bind(&Storage::CreateSubscription, user_id, tier),
               std::move(done));
}

AsyncStorage::Future<std::optional<Subscription>> AsyncStorage::GetSubscription(
    absl::string_view user_id) {
  return QueueForFuture(Access::kRead,
                        Bind(&Storage::GetSubscription, user_id));
}

absl::Status AsyncStorage::GetSubscription(
    absl::string_view user_id, Callback<std::optional<Subscription>> done) {
  return Queue(Access::kRead, Bind(&Storage::GetSubscription, user_id),
               std::move(done));
}

AsyncStorage::Future<Subscription> AsyncStorage::UpdateSubscription(
    absl::string_view user_id, absl::string_view data_json) {
  return QueueForFuture(Access::kWrite,
                        Bind(&Storage::UpdateSubscription, user_id, data_json));
}

absl::Status AsyncStorage::UpdateSubscription(absl::string_view user_id,
                                              absl::string_view data_json,
                                              Callback<Subscription> done) {
  return Queue(Access::kWrite,
               Bind(&Storage::UpdateSubscription, user_id, data_json),
               std::move(done));
}

AsyncStorage::Future<std::optional<Subscription>>
AsyncStorage::UpdateSubscriptionByStripeId(
    absl::string_view stripe_subscription_id, absl::string_view data_json) {
  return QueueForFuture(Access::kWrite,
                        Bind(&Storage::UpdateSubscriptionByStripeId,
                             stripe_subscription_id, data_json));
}

absl::Status AsyncStorage::UpdateSubscriptionByStripeId(
    absl::string_view stripe_subscription_id, absl::string_view data_json,
    Callback<std::optional<Subscription>> done) {
  return Queue(Access::kWrite,
               Bind(&Storage::UpdateSubscriptionByStripeId,
                    stripe_subscription_id, data_json),
               std::move(done));
}

AsyncStorage::Future<StorageCounts> AsyncStorage::Count() {
  return QueueForFuture(Access::kRead, Bind(&Storage::Count));
}

absl::Status AsyncStorage::Count(Callback<StorageCounts> done) {
  return Queue(Access::kRead, Bind(&Storage::Count), std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::RunInTransaction(TransactionFn fn) {
  return QueueForFuture(Access::kWrite, RunInTransactionCall(std::move(fn)));
}

absl::Status AsyncStorage::RunInTransaction(TransactionFn fn,
                                            StatusCallback done) {
  return Queue(Access::kWrite, RunInTransactionCall(std::move(fn)),
               std::move(done));
}

}  // namespace parley
