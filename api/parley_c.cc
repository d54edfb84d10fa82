// The contract's entry points of api/parley.h. Each call is one operation
// (which Storage / AsyncStorage method it is) and the specs of its C
// arguments; api/c_calls.h does the rest, the same way for every call.
#include <cstddef>
#include <utility>

#include "api/async_storage.h"
#include "api/c_calls.h"
#include "api/parley.h"
#include "api/storage.h"

namespace parley {
namespace c_abi {
namespace {

// The operations: `store` is a Storage for the sync form and an
// AsyncStorage for the _async form, whose last argument is then the
// completion callback.
constexpr auto kCreateConversation = [](auto& store, auto&&... args) {
  return store.CreateConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kGetConversation = [](auto& store, auto&&... args) {
  return store.GetConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kSaveConversation = [](auto& store, auto&&... args) {
  return store.SaveConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kListConversations = [](auto& store, auto&&... args) {
  return store.ListConversations(std::forward<decltype(args)>(args)...);
};
constexpr auto kAddUserMessage = [](auto& store, auto&&... args) {
  return store.AddUserMessage(std::forward<decltype(args)>(args)...);
};
constexpr auto kAddAssistantMessage = [](auto& store, auto&&... args) {
  return store.AddAssistantMessage(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateConversation = [](auto& store, auto&&... args) {
  return store.UpdateConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateConversationTitle = [](auto& store, auto&&... args) {
  return store.UpdateConversationTitle(std::forward<decltype(args)>(args)...);
};
constexpr auto kToggleConversationStarred = [](auto& store, auto&&... args) {
  return store.ToggleConversationStarred(std::forward<decltype(args)>(args)...);
};
constexpr auto kDeleteConversation = [](auto& store, auto&&... args) {
  return store.DeleteConversation(std::forward<decltype(args)>(args)...);
};
constexpr auto kSaveFollowUpAnswers = [](auto& store, auto&&... args) {
  return store.SaveFollowUpAnswers(std::forward<decltype(args)>(args)...);
};
constexpr auto kRestoreAllExpiredReports = [](auto& store, auto&&... args) {
  return store.RestoreAllExpiredReports(std::forward<decltype(args)>(args)...);
};
constexpr auto kCountUserConversations = [](auto& store, auto&&... args) {
  return store.CountUserConversations(std::forward<decltype(args)>(args)...);
};
constexpr auto kGetActiveConversationsCount = [](auto& store, auto&&... args) {
  return store.GetActiveConversationsCount(
      std::forward<decltype(args)>(args)...);
};
constexpr auto kCreateUserProfile = [](auto& store, auto&&... args) {
  return store.CreateUserProfile(std::forward<decltype(args)>(args)...);
};
constexpr auto kGetUserProfile = [](auto& store, auto&&... args) {
  return store.GetUserProfile(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateUserProfile = [](auto& store, auto&&... args) {
  return store.UpdateUserProfile(std::forward<decltype(args)>(args)...);
};
constexpr auto kCreateSubscription = [](auto& store, auto&&... args) {
  return store.CreateSubscription(std::forward<decltype(args)>(args)...);
};
constexpr auto kGetSubscription = [](auto& store, auto&&... args) {
  return store.GetSubscription(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateSubscription = [](auto& store, auto&&... args) {
  return store.UpdateSubscription(std::forward<decltype(args)>(args)...);
};
constexpr auto kUpdateSubscriptionByStripeId = [](auto& store, auto&&... args) {
  return store.UpdateSubscriptionByStripeId(
      std::forward<decltype(args)>(args)...);
};

// The argument specs shared by many calls.
Text ConversationId(const char* data, size_t size) {
  return {"conversation_id", data, size};
}
Text UserId(const char* data, size_t size) { return {"user_id", data, size}; }
OptionalText Tier(const char* data, size_t size) {
  return {"tier", data, size, "free"};
}
}  // namespace
}  // namespace c_abi
}  // namespace parley

using parley::c_abi::CallAsync;
using parley::c_abi::CallSync;
using parley::c_abi::ConversationId;
using parley::c_abi::ConversationJson;
using parley::c_abi::Json;
using parley::c_abi::OptionalJson;
using parley::c_abi::OptionalText;
using parley::c_abi::Text;
using parley::c_abi::Tier;
using parley::c_abi::UserId;
namespace ops = parley::c_abi;

extern "C" {

// ---- The contract -----------------------------------------------------------

parley_result* parley_create_conversation(parley_storage* storage,
                                          const char* conversation_id,
                                          size_t id_length, const char* user_id,
                                          size_t user_id_length,
                                          const char* tier,
                                          size_t tier_length) {
  return CallSync(storage, ops::kCreateConversation,
                  ConversationId(conversation_id, id_length),
                  UserId(user_id, user_id_length), Tier(tier, tier_length));
}
parley_result* parley_create_conversation_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* user_id, size_t user_id_length, const char* tier,
    size_t tier_length, parley_callback done, void* context) {
  return CallAsync(storage, done, context, ops::kCreateConversation,
                   ConversationId(conversation_id, id_length),
                   UserId(user_id, user_id_length), Tier(tier, tier_length));
}

parley_result* parley_get_conversation(parley_storage* storage,
                                       const char* conversation_id,
                                       size_t id_length) {
  return CallSync(storage, ops::kGetConversation,
                  ConversationId(conversation_id, id_length));
}
parley_result* parley_get_conversation_async(parley_storage* storage,
                                             const char* conversation_id,
                                             size_t id_length,
                                             parley_callback done,
                                             void* context) {
  return CallAsync(storage, done, context, ops::kGetConversation,
                   ConversationId(conversation_id, id_length));
}

parley_result* parley_save_conversation(parley_storage* storage,
                                        const char* conversation_json,
                                        size_t json_length) {
  return CallSync(
      storage, ops::kSaveConversation,
      ConversationJson{"conversation_json", conversation_json, json_length});
}
parley_result* parley_save_conversation_async(parley_storage* storage,
                                              const char* conversation_json,
                                              size_t json_length,
                                              parley_callback done,
                                              void* context) {
  return CallAsync(
      storage, done, context, ops::kSaveConversation,
      ConversationJson{"conversation_json", conversation_json, json_length});
}

// user_id NULL lists every conversation, as the empty id does.
parley_result* parley_list_conversations(parley_storage* storage,
                                         const char* user_id,
                                         size_t user_id_length) {
  return CallSync(storage, ops::kListConversations,
                  OptionalText{"user_id", user_id, user_id_length, ""});
}
parley_result* parley_list_conversations_async(parley_storage* storage,
                                               const char* user_id,
                                               size_t user_id_length,
                                               parley_callback done,
                                               void* context) {
  return CallAsync(storage, done, context, ops::kListConversations,
                   OptionalText{"user_id", user_id, user_id_length, ""});
}

parley_result* parley_add_user_message(parley_storage* storage,
                                       const char* conversation_id,
                                       size_t id_length, const char* content,
                                       size_t content_length) {
  return CallSync(storage, ops::kAddUserMessage,
                  ConversationId(conversation_id, id_length),
                  Text{"content", content, content_length});
}
parley_result* parley_add_user_message_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* content, size_t content_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kAddUserMessage,
                   ConversationId(conversation_id, id_length),
                   Text{"content", content, content_length});
}

parley_result* parley_add_assistant_message(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* stage1_json, size_t stage1_length, const char* stage2_json,
    size_t stage2_length, const char* stage3_json, size_t stage3_length,
    const char* metadata_json, size_t metadata_length) {
  return CallSync(
      storage, ops::kAddAssistantMessage,
      ConversationId(conversation_id, id_length),
      Json{"stage1_json", stage1_json, stage1_length},
      Json{"stage2_json", stage2_json, stage2_length},
      Json{"stage3_json", stage3_json, stage3_length},
      OptionalJson{"metadata_json", metadata_json, metadata_length});
}
parley_result* parley_add_assistant_message_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* stage1_json, size_t stage1_length, const char* stage2_json,
    size_t stage2_length, const char* stage3_json, size_t stage3_length,
    const char* metadata_json, size_t metadata_length, parley_callback done,
    void* context) {
  return CallAsync(
      storage, done, context, ops::kAddAssistantMessage,
      ConversationId(conversation_id, id_length),
      Json{"stage1_json", stage1_json, stage1_length},
      Json{"stage2_json", stage2_json, stage2_length},
      Json{"stage3_json", stage3_json, stage3_length},
      OptionalJson{"metadata_json", metadata_json, metadata_length});
}

parley_result* parley_update_conversation(parley_storage* storage,
                                          const char* conversation_id,
                                          size_t id_length,
                                          const char* updates_json,
                                          size_t updates_length) {
  return CallSync(storage, ops::kUpdateConversation,
                  ConversationId(conversation_id, id_length),
                  Json{"updates_json", updates_json, updates_length});
}
parley_result* parley_update_conversation_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* updates_json, size_t updates_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kUpdateConversation,
                   ConversationId(conversation_id, id_length),
                   Json{"updates_json", updates_json, updates_length});
}

parley_result* parley_update_conversation_title(parley_storage* storage,
                                                const char* conversation_id,
                                                size_t id_length,
                                                const char* title,
                                                size_t title_length) {
  return CallSync(storage, ops::kUpdateConversationTitle,
                  ConversationId(conversation_id, id_length),
                  Text{"title", title, title_length});
}
parley_result* parley_update_conversation_title_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* title, size_t title_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kUpdateConversationTitle,
                   ConversationId(conversation_id, id_length),
                   Text{"title", title, title_length});
}

parley_result* parley_toggle_conversation_starred(parley_storage* storage,
                                                  const char* conversation_id,
                                                  size_t id_length) {
  return CallSync(storage, ops::kToggleConversationStarred,
                  ConversationId(conversation_id, id_length));
}
parley_result* parley_toggle_conversation_starred_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    parley_callback done, void* context) {
  return CallAsync(storage, done, context, ops::kToggleConversationStarred,
                   ConversationId(conversation_id, id_length));
}

parley_result* parley_delete_conversation(parley_storage* storage,
                                          const char* conversation_id,
                                          size_t id_length) {
  return CallSync(storage, ops::kDeleteConversation,
                  ConversationId(conversation_id, id_length));
}
parley_result* parley_delete_conversation_async(parley_storage* storage,
                                                const char* conversation_id,
                                                size_t id_length,
                                                parley_callback done,
                                                void* context) {
  return CallAsync(storage, done, context, ops::kDeleteConversation,
                   ConversationId(conversation_id, id_length));
}

parley_result* parley_save_follow_up_answers(parley_storage* storage,
                                             const char* conversation_id,
                                             size_t id_length,
                                             const char* answers_json,
                                             size_t answers_length) {
  return CallSync(storage, ops::kSaveFollowUpAnswers,
                  ConversationId(conversation_id, id_length),
                  Json{"answers_json", answers_json, answers_length});
}
parley_result* parley_save_follow_up_answers_async(
    parley_storage* storage, const char* conversation_id, size_t id_length,
    const char* answers_json, size_t answers_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kSaveFollowUpAnswers,
                   ConversationId(conversation_id, id_length),
                   Json{"answers_json", answers_json, answers_length});
}

parley_result* parley_restore_all_expired_reports(parley_storage* storage,
                                                  const char* user_id,
                                                  size_t user_id_length) {
  return CallSync(storage, ops::kRestoreAllExpiredReports,
                  UserId(user_id, user_id_length));
}
parley_result* parley_restore_all_expired_reports_async(parley_storage* storage,
                                                        const char* user_id,
                                                        size_t user_id_length,
                                                        parley_callback done,
                                                        void* context) {
  return CallAsync(storage, done, context, ops::kRestoreAllExpiredReports,
                   UserId(user_id, user_id_length));
}

parley_result* parley_count_user_conversations(parley_storage* storage,
                                               const char* user_id,
                                               size_t user_id_length) {
  return CallSync(storage, ops::kCountUserConversations,
                  UserId(user_id, user_id_length));
}
parley_result* parley_count_user_conversations_async(parley_storage* storage,
                                                     const char* user_id,
                                                     size_t user_id_length,
                                                     parley_callback done,
                                                     void* context) {
  return CallAsync(storage, done, context, ops::kCountUserConversations,
                   UserId(user_id, user_id_length));
}

parley_result* parley_get_active_conversations_count(parley_storage* storage,
                                                     const char* user_id,
                                                     size_t user_id_length) {
  return CallSync(storage, ops::kGetActiveConversationsCount,
                  UserId(user_id, user_id_length));
}
parley_result* parley_get_active_conversations_count_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    parley_callback done, void* context) {
  return CallAsync(storage, done, context, ops::kGetActiveConversationsCount,
                   UserId(user_id, user_id_length));
}

// email NULL means the default, as the empty text does in Storage.
parley_result* parley_create_user_profile(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* email, size_t email_length, const char* profile_data_json,
    size_t profile_data_length) {
  return CallSync(
      storage, ops::kCreateUserProfile, UserId(user_id, user_id_length),
      OptionalText{"email", email, email_length, ""},
      Json{"profile_data_json", profile_data_json, profile_data_length});
}
parley_result* parley_create_user_profile_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* email, size_t email_length, const char* profile_data_json,
    size_t profile_data_length, parley_callback done, void* context) {
  return CallAsync(
      storage, done, context, ops::kCreateUserProfile,
      UserId(user_id, user_id_length),
      OptionalText{"email", email, email_length, ""},
      Json{"profile_data_json", profile_data_json, profile_data_length});
}

parley_result* parley_get_user_profile(parley_storage* storage,
                                       const char* user_id,
                                       size_t user_id_length) {
  return CallSync(storage, ops::kGetUserProfile,
                  UserId(user_id, user_id_length));
}
parley_result* parley_get_user_profile_async(parley_storage* storage,
                                             const char* user_id,
                                             size_t user_id_length,
                                             parley_callback done,
                                             void* context) {
  return CallAsync(storage, done, context, ops::kGetUserProfile,
                   UserId(user_id, user_id_length));
}

parley_result* parley_update_user_profile(parley_storage* storage,
                                          const char* user_id,
                                          size_t user_id_length,
                                          const char* profile_data_json,
                                          size_t profile_data_length) {
  return CallSync(
      storage, ops::kUpdateUserProfile, UserId(user_id, user_id_length),
      Json{"profile_data_json", profile_data_json, profile_data_length});
}
parley_result* parley_update_user_profile_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* profile_data_json, size_t profile_data_length,
    parley_callback done, void* context) {
  return CallAsync(
      storage, done, context, ops::kUpdateUserProfile,
      UserId(user_id, user_id_length),
      Json{"profile_data_json", profile_data_json, profile_data_length});
}

parley_result* parley_create_subscription(parley_storage* storage,
                                          const char* user_id,
                                          size_t user_id_length,
                                          const char* tier,
                                          size_t tier_length) {
  return CallSync(storage, ops::kCreateSubscription,
                  UserId(user_id, user_id_length), Tier(tier, tier_length));
}
parley_result* parley_create_subscription_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* tier, size_t tier_length, parley_callback done, void* context) {
  return CallAsync(storage, done, context, ops::kCreateSubscription,
                   UserId(user_id, user_id_length), Tier(tier, tier_length));
}

parley_result* parley_get_subscription(parley_storage* storage,
                                       const char* user_id,
                                       size_t user_id_length) {
  return CallSync(storage, ops::kGetSubscription,
                  UserId(user_id, user_id_length));
}
parley_result* parley_get_subscription_async(parley_storage* storage,
                                             const char* user_id,
                                             size_t user_id_length,
                                             parley_callback done,
                                             void* context) {
  return CallAsync(storage, done, context, ops::kGetSubscription,
                   UserId(user_id, user_id_length));
}

parley_result* parley_update_subscription(parley_storage* storage,
                                          const char* user_id,
                                          size_t user_id_length,
                                          const char* data_json,
                                          size_t data_length) {
  return CallSync(storage, ops::kUpdateSubscription,
                  UserId(user_id, user_id_length),
                  Json{"data_json", data_json, data_length});
}
parley_result* parley_update_subscription_async(
    parley_storage* storage, const char* user_id, size_t user_id_length,
    const char* data_json, size_t data_length, parley_callback done,
    void* context) {
  return CallAsync(storage, done, context, ops::kUpdateSubscription,
                   UserId(user_id, user_id_length),
                   Json{"data_json", data_json, data_length});
}

parley_result* parley_update_subscription_by_stripe_id(
    parley_storage* storage, const char* stripe_subscription_id,
    size_t stripe_id_length, const char* data_json, size_t data_length) {
  return CallSync(
      storage, ops::kUpdateSubscriptionByStripeId,
      Text{"stripe_subscription_id", stripe_subscription_id, stripe_id_length},
      Json{"data_json", data_json, data_length});
}
parley_result* parley_update_subscription_by_stripe_id_async(
    parley_storage* storage, const char* stripe_subscription_id,
    size_t stripe_id_length, const char* data_json, size_t data_length,
    parley_callback done, void* context) {
  return CallAsync(
      storage, done, context, ops::kUpdateSubscriptionByStripeId,
      Text{"stripe_subscription_id", stripe_subscription_id, stripe_id_length},
      Json{"data_json", data_json, data_length});
}

}  // extern "C"
