// AsyncStorage is a thin layer: each method copies its arguments into a
// task that calls the Storage method of the same name, and hands the result
// back. The contract's logic stays in Storage alone.
#include "api/async_storage.h"

#include <memory>
#include <type_traits>
#include <utility>

#include "storage/executor.h"

namespace parley {
namespace {

// Optional text arguments outlive the caller's buffer as owned copies.
std::optional<std::string> Copy(std::optional<absl::string_view> text) {
  if (!text.has_value()) return std::nullopt;
  return std::string(*text);
}
std::optional<absl::string_view> View(const std::optional<std::string>& text) {
  if (!text.has_value()) return std::nullopt;
  return absl::string_view(*text);
}

// One function per method: the call it queues, holding copies of the
// arguments.
auto CreateConversationCall(absl::string_view conversation_id,
                            absl::string_view user_id,
                            absl::string_view subscription_tier) {
  return [conversation_id = std::string(conversation_id),
          user_id = std::string(user_id),
          subscription_tier = std::string(subscription_tier)](Storage& s) {
    return s.CreateConversation(conversation_id, user_id, subscription_tier);
  };
}

auto GetConversationCall(absl::string_view conversation_id) {
  return [conversation_id = std::string(conversation_id)](Storage& s) {
    return s.GetConversation(conversation_id);
  };
}

auto SaveConversationCall(const Conversation& conversation) {
  return
      [conversation](Storage& s) { return s.SaveConversation(conversation); };
}

auto ListConversationsCall(absl::string_view user_id) {
  return [user_id = std::string(user_id)](Storage& s) {
    return s.ListConversations(user_id);
  };
}

auto AddUserMessageCall(absl::string_view conversation_id,
                        absl::string_view content) {
  return [conversation_id = std::string(conversation_id),
          content = std::string(content)](Storage& s) {
    return s.AddUserMessage(conversation_id, content);
  };
}

auto AddAssistantMessageCall(absl::string_view conversation_id,
                             absl::string_view stage1_json,
                             absl::string_view stage2_json,
                             absl::string_view stage3_json,
                             std::optional<absl::string_view> metadata_json) {
  return [conversation_id = std::string(conversation_id),
          stage1_json = std::string(stage1_json),
          stage2_json = std::string(stage2_json),
          stage3_json = std::string(stage3_json),
          metadata_json = Copy(metadata_json)](Storage& s) {
    return s.AddAssistantMessage(conversation_id, stage1_json, stage2_json,
                                 stage3_json, View(metadata_json));
  };
}

auto UpdateConversationCall(absl::string_view conversation_id,
                            absl::string_view updates_json) {
  return [conversation_id = std::string(conversation_id),
          updates_json = std::string(updates_json)](Storage& s) {
    return s.UpdateConversation(conversation_id, updates_json);
  };
}

auto UpdateConversationTitleCall(absl::string_view conversation_id,
                                 absl::string_view title) {
  return [conversation_id = std::string(conversation_id),
          title = std::string(title)](Storage& s) {
    return s.UpdateConversationTitle(conversation_id, title);
  };
}

auto ToggleConversationStarredCall(absl::string_view conversation_id) {
  return [conversation_id = std::string(conversation_id)](Storage& s) {
    return s.ToggleConversationStarred(conversation_id);
  };
}

auto DeleteConversationCall(absl::string_view conversation_id) {
  return [conversation_id = std::string(conversation_id)](Storage& s) {
    return s.DeleteConversation(conversation_id);
  };
}

auto SaveFollowUpAnswersCall(absl::string_view conversation_id,
                             absl::string_view answers_json) {
  return [conversation_id = std::string(conversation_id),
          answers_json = std::string(answers_json)](Storage& s) {
    return s.SaveFollowUpAnswers(conversation_id, answers_json);
  };
}

auto RestoreAllExpiredReportsCall(absl::string_view user_id) {
  return [user_id = std::string(user_id)](Storage& s) {
    return s.RestoreAllExpiredReports(user_id);
  };
}

auto CountUserConversationsCall(absl::string_view user_id) {
  return [user_id = std::string(user_id)](Storage& s) {
    return s.CountUserConversations(user_id);
  };
}

auto GetActiveConversationsCountCall(absl::string_view user_id) {
  return [user_id = std::string(user_id)](Storage& s) {
    return s.GetActiveConversationsCount(user_id);
  };
}

auto CreateUserProfileCall(absl::string_view user_id, absl::string_view email,
                           absl::string_view profile_data_json) {
  return [user_id = std::string(user_id), email = std::string(email),
          profile_data_json = std::string(profile_data_json)](Storage& s) {
    return s.CreateUserProfile(user_id, email, profile_data_json);
  };
}

auto GetUserProfileCall(absl::string_view user_id) {
  return [user_id = std::string(user_id)](Storage& s) {
    return s.GetUserProfile(user_id);
  };
}

auto UpdateUserProfileCall(absl::string_view user_id,
                           absl::string_view profile_data_json) {
  return [user_id = std::string(user_id),
          profile_data_json = std::string(profile_data_json)](Storage& s) {
    return s.UpdateUserProfile(user_id, profile_data_json);
  };
}

auto CreateSubscriptionCall(absl::string_view user_id, absl::string_view tier) {
  return [user_id = std::string(user_id), tier = std::string(tier)](
             Storage& s) { return s.CreateSubscription(user_id, tier); };
}

auto GetSubscriptionCall(absl::string_view user_id) {
  return [user_id = std::string(user_id)](Storage& s) {
    return s.GetSubscription(user_id);
  };
}

auto UpdateSubscriptionCall(absl::string_view user_id,
                            absl::string_view data_json) {
  return [user_id = std::string(user_id), data_json = std::string(data_json)](
             Storage& s) { return s.UpdateSubscription(user_id, data_json); };
}

auto UpdateSubscriptionByStripeIdCall(absl::string_view stripe_subscription_id,
                                      absl::string_view data_json) {
  return [stripe_subscription_id = std::string(stripe_subscription_id),
          data_json = std::string(data_json)](Storage& s) {
    return s.UpdateSubscriptionByStripeId(stripe_subscription_id, data_json);
  };
}

auto CountCall() {
  return [](Storage& s) { return s.Count(); };
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
  return QueueForFuture(
      Access::kWrite,
      CreateConversationCall(conversation_id, user_id, subscription_tier));
}

absl::Status AsyncStorage::CreateConversation(
    absl::string_view conversation_id, absl::string_view user_id,
    absl::string_view subscription_tier, Callback<Conversation> done) {
  return Queue(
      Access::kWrite,
      CreateConversationCall(conversation_id, user_id, subscription_tier),
      std::move(done));
}

AsyncStorage::Future<std::optional<Conversation>> AsyncStorage::GetConversation(
    absl::string_view conversation_id) {
  return QueueForFuture(Access::kRead, GetConversationCall(conversation_id));
}

absl::Status AsyncStorage::GetConversation(
    absl::string_view conversation_id,
    Callback<std::optional<Conversation>> done) {
  return Queue(Access::kRead, GetConversationCall(conversation_id),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::SaveConversation(
    const Conversation& conversation) {
  return QueueForFuture(Access::kWrite, SaveConversationCall(conversation));
}

absl::Status AsyncStorage::SaveConversation(const Conversation& conversation,
                                            StatusCallback done) {
  return Queue(Access::kWrite, SaveConversationCall(conversation),
               std::move(done));
}

AsyncStorage::Future<std::vector<ConversationSummary>>
AsyncStorage::ListConversations(absl::string_view user_id) {
  return QueueForFuture(Access::kRead, ListConversationsCall(user_id));
}

absl::Status AsyncStorage::ListConversations(
    absl::string_view user_id,
    Callback<std::vector<ConversationSummary>> done) {
  return Queue(Access::kRead, ListConversationsCall(user_id), std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::AddUserMessage(
    absl::string_view conversation_id, absl::string_view content) {
  return QueueForFuture(Access::kWrite,
                        AddUserMessageCall(conversation_id, content));
}

absl::Status AsyncStorage::AddUserMessage(absl::string_view conversation_id,
                                          absl::string_view content,
                                          StatusCallback done) {
  return Queue(Access::kWrite, AddUserMessageCall(conversation_id, content),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::AddAssistantMessage(
    absl::string_view conversation_id, absl::string_view stage1_json,
    absl::string_view stage2_json, absl::string_view stage3_json,
    std::optional<absl::string_view> metadata_json) {
  return QueueForFuture(
      Access::kWrite,
      AddAssistantMessageCall(conversation_id, stage1_json, stage2_json,
                              stage3_json, metadata_json));
}

absl::Status AsyncStorage::AddAssistantMessage(
    absl::string_view conversation_id, absl::string_view stage1_json,
    absl::string_view stage2_json, absl::string_view stage3_json,
    std::optional<absl::string_view> metadata_json, StatusCallback done) {
  return Queue(Access::kWrite,
               AddAssistantMessageCall(conversation_id, stage1_json,
                                       stage2_json, stage3_json, metadata_json),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::UpdateConversation(
    absl::string_view conversation_id, absl::string_view updates_json) {
  return QueueForFuture(Access::kWrite,
                        UpdateConversationCall(conversation_id, updates_json));
}

absl::Status AsyncStorage::UpdateConversation(absl::string_view conversation_id,
                                              absl::string_view updates_json,
                                              StatusCallback done) {
  return Queue(Access::kWrite,
               UpdateConversationCall(conversation_id, updates_json),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::UpdateConversationTitle(
    absl::string_view conversation_id, absl::string_view title) {
  return QueueForFuture(Access::kWrite,
                        UpdateConversationTitleCall(conversation_id, title));
}

absl::Status AsyncStorage::UpdateConversationTitle(
    absl::string_view conversation_id, absl::string_view title,
    StatusCallback done) {
  return Queue(Access::kWrite,
               UpdateConversationTitleCall(conversation_id, title),
               std::move(done));
}

AsyncStorage::Future<bool> AsyncStorage::ToggleConversationStarred(
    absl::string_view conversation_id) {
  return QueueForFuture(Access::kWrite,
                        ToggleConversationStarredCall(conversation_id));
}

absl::Status AsyncStorage::ToggleConversationStarred(
    absl::string_view conversation_id, Callback<bool> done) {
  return Queue(Access::kWrite, ToggleConversationStarredCall(conversation_id),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::DeleteConversation(
    absl::string_view conversation_id) {
  return QueueForFuture(Access::kWrite,
                        DeleteConversationCall(conversation_id));
}

absl::Status AsyncStorage::DeleteConversation(absl::string_view conversation_id,
                                              StatusCallback done) {
  return Queue(Access::kWrite, DeleteConversationCall(conversation_id),
               std::move(done));
}

AsyncStorage::StatusFuture AsyncStorage::SaveFollowUpAnswers(
    absl::string_view conversation_id, absl::string_view answers_json) {
  return QueueForFuture(Access::kWrite,
                        SaveFollowUpAnswersCall(conversation_id, answers_json));
}

absl::Status AsyncStorage::SaveFollowUpAnswers(
    absl::string_view conversation_id, absl::string_view answers_json,
    StatusCallback done) {
  return Queue(Access::kWrite,
               SaveFollowUpAnswersCall(conversation_id, answers_json),
               std::move(done));
}

AsyncStorage::Future<int64_t> AsyncStorage::RestoreAllExpiredReports(
    absl::string_view user_id) {
  return QueueForFuture(Access::kWrite, RestoreAllExpiredReportsCall(user_id));
}

absl::Status AsyncStorage::RestoreAllExpiredReports(absl::string_view user_id,
                                                    Callback<int64_t> done) {
  return Queue(Access::kWrite, RestoreAllExpiredReportsCall(user_id),
               std::move(done));
}

AsyncStorage::Future<int64_t> AsyncStorage::CountUserConversations(
    absl::string_view user_id) {
  return QueueForFuture(Access::kRead, CountUserConversationsCall(user_id));
}

absl::Status AsyncStorage::CountUserConversations(absl::string_view user_id,
                                                  Callback<int64_t> done) {
  return Queue(Access::kRead, CountUserConversationsCall(user_id),
               std::move(done));
}

AsyncStorage::Future<int64_t> AsyncStorage::GetActiveConversationsCount(
    absl::string_view user_id) {
  return QueueForFuture(Access::kRead,
                        GetActiveConversationsCountCall(user_id));
}

absl::Status AsyncStorage::GetActiveConversationsCount(
    absl::string_view user_id, Callback<int64_t> done) {
  return Queue(Access::kRead, GetActiveConversationsCountCall(user_id),
               std::move(done));
}

AsyncStorage::Future<Profile> AsyncStorage::CreateUserProfile(
    absl::string_view user_id, absl::string_view email,
    absl::string_view profile_data_json) {
  return QueueForFuture(
      Access::kWrite, CreateUserProfileCall(user_id, email, profile_data_json));
}

absl::Status AsyncStorage::CreateUserProfile(
    absl::string_view user_id, absl::string_view email,
    absl::string_view profile_data_json, Callback<Profile> done) {
  return Queue(Access::kWrite,
               CreateUserProfileCall(user_id, email, profile_data_json),
               std::move(done));
}

AsyncStorage::Future<std::optional<Profile>> AsyncStorage::GetUserProfile(
    absl::string_view user_id) {
  return QueueForFuture(Access::kRead, GetUserProfileCall(user_id));
}

absl::Status AsyncStorage::GetUserProfile(
    absl::string_view user_id, Callback<std::optional<Profile>> done) {
  return Queue(Access::kRead, GetUserProfileCall(user_id), std::move(done));
}

AsyncStorage::Future<Profile> AsyncStorage::UpdateUserProfile(
    absl::string_view user_id, absl::string_view profile_data_json) {
  return QueueForFuture(Access::kWrite,
                        UpdateUserProfileCall(user_id, profile_data_json));
}

absl::Status AsyncStorage::UpdateUserProfile(
    absl::string_view user_id, absl::string_view profile_data_json,
    Callback<Profile> done) {
  return Queue(Access::kWrite,
               UpdateUserProfileCall(user_id, profile_data_json),
               std::move(done));
}

AsyncStorage::Future<Subscription> AsyncStorage::CreateSubscription(
    absl::string_view user_id, absl::string_view tier) {
  return QueueForFuture(Access::kWrite, CreateSubscriptionCall(user_id, tier));
}

absl::Status AsyncStorage::CreateSubscription(absl::string_view user_id,
                                              absl::string_view tier,
                                              Callback<Subscription> done) {
  return Queue(Access::kWrite, CreateSubscriptionCall(user_id, tier),
               std::move(done));
}

AsyncStorage::Future<std::optional<Subscription>> AsyncStorage::GetSubscription(
    absl::string_view user_id) {
  return QueueForFuture(Access::kRead, GetSubscriptionCall(user_id));
}

absl::Status AsyncStorage::GetSubscription(
    absl::string_view user_id, Callback<std::optional<Subscription>> done) {
  return Queue(Access::kRead, GetSubscriptionCall(user_id), std::move(done));
}

AsyncStorage::Future<Subscription> AsyncStorage::UpdateSubscription(
    absl::string_view user_id, absl::string_view data_json) {
  return QueueForFuture(Access::kWrite,
                        UpdateSubscriptionCall(user_id, data_json));
}

absl::Status AsyncStorage::UpdateSubscription(absl::string_view user_id,
                                              absl::string_view data_json,
                                              Callback<Subscription> done) {
  return Queue(Access::kWrite, UpdateSubscriptionCall(user_id, data_json),
               std::move(done));
}

AsyncStorage::Future<std::optional<Subscription>>
AsyncStorage::UpdateSubscriptionByStripeId(
    absl::string_view stripe_subscription_id, absl::string_view data_json) {
  return QueueForFuture(Access::kWrite, UpdateSubscriptionByStripeIdCall(
                                            stripe_subscription_id, data_json));
}

absl::Status AsyncStorage::UpdateSubscriptionByStripeId(
    absl::string_view stripe_subscription_id, absl::string_view data_json,
    Callback<std::optional<Subscription>> done) {
  return Queue(
      Access::kWrite,
      UpdateSubscriptionByStripeIdCall(stripe_subscription_id, data_json),
      std::move(done));
}

AsyncStorage::Future<StorageCounts> AsyncStorage::Count() {
  return QueueForFuture(Access::kRead, CountCall());
}

absl::Status AsyncStorage::Count(Callback<StorageCounts> done) {
  return Queue(Access::kRead, CountCall(), std::move(done));
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
