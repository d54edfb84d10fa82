// The facade: the contract's logic (defaults, ids, timestamps, error
// wording, report_cycle += 1, the 7-day expiry) lives here once, above every
// backend. Backends only store records.
#include "api/storage.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "backends/builtin_backends.h"
#include "storage/backend.h"
#include "storage/json_value.h"
#include "storage/python_values.h"
#include "storage/record_id.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"
#include "storage/timestamp.h"
#include "storage/url.h"
#include "storage/utf8.h"

namespace parley {
namespace {

constexpr absl::string_view kDefaultEmail = "unknown@clerk.local";
constexpr absl::string_view kDefaultUrl = "json:data";
// Texts are UTF-8, and may hold lone surrogates in WTF-8 form (a Python str
// can hold one; storage/json_value.h).
absl::Status ValidateText(absl::string_view what, absl::string_view text) {
  if (IsValidWtf8(text)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " is not valid UTF-8"));
}

absl::StatusOr<JsonValue> ParseObject(absl::string_view what,
                                      absl::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", parsed.status().message()));
  }
  if (!parsed->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected a JSON object"));
  }
  return std::move(*parsed);
}

absl::Status ConversationNotFound(absl::string_view id) {
  return absl::NotFoundError(absl::StrCat("Conversation ", id, " not found"));
}

// Backends report a missing record as NotFound in their own words; the
// contract fixes the wording.
absl::Status Reword(absl::Status status, absl::Status not_found) {
  if (absl::IsNotFound(status)) return not_found;
  return status;
}

// Makes every JSON text a record carries canonical (and checks it), and
// fills key_order, by a round trip through the record's JSON form.
absl::StatusOr<Conversation> NormalizeConversation(const Conversation& c) {
  auto json = ConversationToJson(c);
  if (!json.ok()) {
    return absl::InvalidArgumentError(std::string(json.status().message()));
  }
  return ConversationFromJson(*json);
}

}  // namespace

Storage::Storage(std::unique_ptr<Backend> owned, Backend* backend,
                 StorageOptions options, std::string redacted_url,
                 std::string backend_name, bool serialized_writes)
    : owned_backend_(std::move(owned)),
      backend_(backend),
      options_(std::move(options)),
      redacted_url_(std::move(redacted_url)),
      backend_name_(std::move(backend_name)),
      serialized_writes_(serialized_writes) {}

Storage::~Storage() = default;

absl::StatusOr<std::unique_ptr<Storage>> Storage::Open(
    absl::string_view url, const StorageOptions& options) {
  ASSIGN_OR_RETURN(StorageUrl parsed, ParseDatabaseUrl(url));
  BackendOptions backend_options;
  backend_options.schema_policy =
      options.upgrade_schema ? BackendOptions::SchemaPolicy::kUpgrade
                             : BackendOptions::SchemaPolicy::kRefuseOlder;
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend,
                   OpenBackend(parsed, backend_options));
  Backend* raw = backend.get();
  return std::unique_ptr<Storage>(
      new Storage(std::move(backend), raw, options, parsed.Redacted(),
                  std::string(parsed.type().name()),
                  parsed.type().traits().serialized_writes));
}

absl::StatusOr<std::unique_ptr<Storage>> Storage::OpenFromEnvironment(
    const StorageOptions& options) {
  const char* url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') return Open(kDefaultUrl, options);
  return Open(url, options);
}

std::string Storage::Now() const {
  return IsoTimestamp(options_.clock ? options_.clock() : absl::Now());
}

// ---- Conversations --------------------------------------------------------

absl::StatusOr<Conversation> Storage::CreateConversation(
    absl::string_view conversation_id, absl::string_view user_id,
    absl::string_view subscription_tier) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation_id));
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  const absl::Time now = options_.clock ? options_.clock() : absl::Now();
  Conversation c;
  for (const std::string& key : ConversationKeys()) c.add_key_order(key);
  c.set_id(std::string(conversation_id));
  c.set_user_id(std::string(user_id));
  c.set_created_at(IsoTimestamp(now));
  c.set_title(std::string(kDefaultConversationTitle));
  c.set_starred(false);
  c.set_report_cycle(0);
  c.set_has_follow_up(false);
  c.set_is_visible(true);
  if (subscription_tier == "free") {
    c.set_expires_at(IsoTimestamp(now + absl::Hours(7 * 24)));
  }
  absl::Status created = backend_->CreateConversation(c);
  if (absl::IsAlreadyExists(created)) {
    return absl::AlreadyExistsError(
        absl::StrCat("Conversation ", conversation_id, " already exists"));
  }
  RETURN_IF_ERROR(created);
  return c;
}

absl::StatusOr<std::optional<Conversation>> Storage::GetConversation(
    absl::string_view conversation_id) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation_id));
  return backend_->GetConversation(conversation_id);
}

absl::Status Storage::SaveConversation(const Conversation& conversation) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation.id()));
  RETURN_IF_ERROR(ValidateRecordId("user id", conversation.user_id()));
  ASSIGN_OR_RETURN(Conversation normalized,
                   NormalizeConversation(conversation));
  for (const JsonField& field : normalized.extra()) {
    // Messages are appended to and counted one by one on every backend;
    // a value that is not a list of message objects could not be.
    if (field.key() == "messages") {
      return absl::InvalidArgumentError(
          absl::StrCat("save_conversation ", ShowRecordId(conversation.id()),
                       ": \"messages\" must be a list of message objects"));
    }
  }
  return backend_->PutConversation(normalized);
}

absl::StatusOr<std::vector<ConversationSummary>> Storage::ListConversations(
    absl::string_view user_id) {
  if (!user_id.empty()) RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  ASSIGN_OR_RETURN(std::vector<ConversationSummary> list,
                   backend_->ListConversations(user_id));
  std::sort(list.begin(), list.end(),
            [](const ConversationSummary& a, const ConversationSummary& b) {
              if (a.created_at() != b.created_at()) {
                return a.created_at() > b.created_at();
              }
              return a.id() < b.id();
            });
  return list;
}

absl::Status Storage::AddUserMessage(absl::string_view conversation_id,
                                     absl::string_view content) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation_id));
  RETURN_IF_ERROR(ValidateText("message content", content));
  Message m;
  m.add_key_order("role");
  m.add_key_order("content");
  m.set_role("user");
  m.set_content(std::string(content));
  return Reword(backend_->AppendMessage(conversation_id, m),
                ConversationNotFound(conversation_id));
}

absl::Status Storage::AddAssistantMessage(
    absl::string_view conversation_id, absl::string_view stage1_json,
    absl::string_view stage2_json, absl::string_view stage3_json,
    std::optional<absl::string_view> metadata_json) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation_id));
  Message m;
  m.set_role("assistant");
  m.add_key_order("role");
  ASSIGN_OR_RETURN(*m.mutable_stage1_json(),
                   CanonicalJson(stage1_json, "stage1"));
  ASSIGN_OR_RETURN(*m.mutable_stage2_json(),
                   CanonicalJson(stage2_json, "stage2"));
  ASSIGN_OR_RETURN(*m.mutable_stage3_json(),
                   CanonicalJson(stage3_json, "stage3"));
  m.add_key_order("stage1");
  m.add_key_order("stage2");
  m.add_key_order("stage3");
  if (metadata_json.has_value()) {
    ASSIGN_OR_RETURN(*m.mutable_metadata_json(),
                     CanonicalJson(*metadata_json, "metadata"));
    m.add_key_order("metadata");
  }
  return Reword(backend_->AppendMessage(conversation_id, m),
                ConversationNotFound(conversation_id));
}

absl::Status Storage::UpdateConversation(absl::string_view conversation_id,
                                         absl::string_view updates_json) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation_id));
  ASSIGN_OR_RETURN(JsonValue updates,
                   ParseObject("update_conversation updates", updates_json));
  return Reword(backend_
                    ->UpdateConversation(conversation_id,
                                         [&](Conversation& c) {
                                           return MergeIntoConversation(updates,
                                                                        &c);
                                         })
                    .status(),
                ConversationNotFound(conversation_id));
}

absl::Status Storage::UpdateConversationTitle(absl::string_view conversation_id,
                                              absl::string_view title) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation_id));
  RETURN_IF_ERROR(ValidateText("title", title));
  return Reword(backend_
                    ->UpdateConversation(conversation_id,
                                         [&](Conversation& c) {
                                           EnsureKey("title", &c);
                                           c.set_title(std::string(title));
                                           return absl::OkStatus();
                                         })
                    .status(),
                ConversationNotFound(conversation_id));
}

absl::StatusOr<bool> Storage::ToggleConversationStarred(
    absl::string_view conversation_id) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation_id));
  bool starred = false;
  auto updated =
      backend_->UpdateConversation(conversation_id, [&](Conversation& c) {
        return EditConversationJson(&c, [&](JsonValue& object) {
          // `not conv.get("starred", False)`, with Python's truthiness of
          // whatever is stored (a stored 1 becomes false).
          const JsonValue* was = object.Find("starred");
          starred = !(was != nullptr && PythonTruthy(*was));
          object.Set("starred", JsonValue::Bool(starred));
          return absl::OkStatus();
        });
      });
  if (!updated.ok()) {
    return Reword(updated.status(), ConversationNotFound(conversation_id));
  }
  return starred;
}

absl::Status Storage::DeleteConversation(absl::string_view conversation_id) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation_id));
  return backend_->DeleteConversation(conversation_id).status();
}

absl::Status Storage::SaveFollowUpAnswers(absl::string_view conversation_id,
                                          absl::string_view answers_json) {
  RETURN_IF_ERROR(ValidateRecordId("conversation id", conversation_id));
  absl::StatusOr<JsonValue> answers = ParseJson(answers_json);
  if (!answers.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("follow-up answers is not valid JSON (",
                     answers.status().message(), ")"));
  }
  const auto edit = [&](JsonValue& object) -> absl::Status {
    // conversation.get("report_cycle", 0) + 1, in Python: an int of any
    // size, a float stays a float; another type raised TypeError, which
    // here changes nothing.
    const JsonValue* cycle = object.Find("report_cycle");
    ASSIGN_OR_RETURN(
        JsonValue next,
        PythonAddOne(
            cycle != nullptr ? *cycle : JsonValue::Integer(0),
            absl::StrCat("conversation ", conversation_id, ": report_cycle")));
    object.Set("follow_up_answers", *answers);
    object.Set("has_follow_up", JsonValue::Bool(true));
    object.Set("report_cycle", std::move(next));
    return absl::OkStatus();
  };
  return Reword(
      backend_
          ->UpdateConversation(
              conversation_id,
              [&](Conversation& c) { return EditConversationJson(&c, edit); })
          .status(),
      ConversationNotFound(conversation_id));
}

absl::StatusOr<int64_t> Storage::RestoreAllExpiredReports(
    absl::string_view user_id) {
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  return backend_->UpdateUserConversations(user_id, [](Conversation& c) {
    bool restored = false;
    absl::Status edited = EditConversationJson(&c, [&](JsonValue& object) {
      // `if conv.get("expires_at") or not conv.get("is_visible", True)`,
      // with Python's truthiness of whatever is stored.
      const JsonValue* expires = object.Find("expires_at");
      const JsonValue* visible = object.Find("is_visible");
      restored = (expires != nullptr && PythonTruthy(*expires)) ||
                 (visible != nullptr && !PythonTruthy(*visible));
      if (restored) {
        object.Set("is_visible", JsonValue::Bool(true));
        object.Set("expires_at", JsonValue::Null());
      }
      return absl::OkStatus();
    });
    // A record that does not convert is left as it is (its read reports it).
    return edited.ok() && restored;
  });
}

absl::StatusOr<int64_t> Storage::CountUserConversations(
    absl::string_view user_id) {
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  return backend_->CountConversations(user_id, std::nullopt);
}

absl::StatusOr<int64_t> Storage::GetActiveConversationsCount(
    absl::string_view user_id) {
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  const std::string now = Now();
  return backend_->CountConversations(user_id, absl::string_view(now));
}

// ---- Profiles ---------------------------------------------------------------

absl::StatusOr<Profile> Storage::CreateUserProfile(
    absl::string_view user_id, absl::string_view email,
    absl::string_view profile_data_json) {
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  RETURN_IF_ERROR(ValidateText("email", email));
  ASSIGN_OR_RETURN(JsonValue data,
                   ParseObject("profile data", profile_data_json));
  // Exactly {"gender": profile_data.get("gender"), "age_range": ...,
  // "mood": ...}: those keys in that order, null when missing, no others.
  JsonValue profile = JsonValue::Object();
  for (absl::string_view key : {"gender", "age_range", "mood"}) {
    const JsonValue* value = data.Find(key);
    profile.Set(key, value != nullptr ? *value : JsonValue::Null());
  }
  Profile p;
  for (const std::string& key : ProfileKeys()) p.add_key_order(key);
  p.set_user_id(std::string(user_id));
  p.set_email(email.empty() ? std::string(kDefaultEmail) : std::string(email));
  p.set_profile_json(WriteCompactJson(profile));
  p.set_created_at(Now());
  p.set_profile_locked(true);
  RETURN_IF_ERROR(backend_->PutProfile(p));
  return p;
}

absl::StatusOr<std::optional<Profile>> Storage::GetUserProfile(
    absl::string_view user_id) {
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  return backend_->GetProfile(user_id);
}

absl::StatusOr<Profile> Storage::UpdateUserProfile(
    absl::string_view user_id, absl::string_view profile_data_json) {
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  ASSIGN_OR_RETURN(JsonValue data,
                   ParseObject("profile data", profile_data_json));
  auto updated = backend_->UpdateProfile(user_id, [&](Profile& p) {
    // As `if profile.get("profile_locked")`: locked unless explicitly false.
    if (p.profile_locked()) {
      return absl::FailedPreconditionError(
          "Profile is locked and cannot be edited");
    }
    JsonValue merged = JsonValue::Object();
    if (!p.profile_json().empty()) {
      ASSIGN_OR_RETURN(merged, ParseJson(p.profile_json()));
    }
    if (!merged.is_object()) merged = JsonValue::Object();
    for (const JsonValue::Member& member : data.members()) {
      merged.Set(member.first, member.second);
    }
    EnsureKey("profile", &p);
    p.set_profile_json(WriteCompactJson(merged));
    return absl::OkStatus();
  });
  if (!updated.ok()) {
    return Reword(updated.status(),
                  absl::NotFoundError(absl::StrCat("Profile for user ", user_id,
                                                   " not found")));
  }
  return std::move(*updated);
}

// ---- Subscriptions ----------------------------------------------------------

absl::StatusOr<Subscription> Storage::CreateSubscription(
    absl::string_view user_id, absl::string_view tier) {
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  RETURN_IF_ERROR(ValidateText("tier", tier));
  const std::string now = Now();
  Subscription s;
  for (const std::string& key : SubscriptionKeys()) s.add_key_order(key);
  s.set_user_id(std::string(user_id));
  s.set_tier(std::string(tier));
  s.set_status("active");
  s.set_created_at(now);
  s.set_updated_at(now);
  RETURN_IF_ERROR(backend_->PutSubscription(s));
  return s;
}

absl::StatusOr<std::optional<Subscription>> Storage::GetSubscription(
    absl::string_view user_id) {
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  return backend_->GetSubscription(user_id);
}

absl::StatusOr<Subscription> Storage::UpdateSubscription(
    absl::string_view user_id, absl::string_view data_json) {
  RETURN_IF_ERROR(ValidateRecordId("user id", user_id));
  ASSIGN_OR_RETURN(JsonValue data, ParseObject("subscription data", data_json));
  const std::string now = Now();
  auto updated = backend_->UpdateSubscription(user_id, [&](Subscription& s) {
    RETURN_IF_ERROR(MergeIntoSubscription(data, &s));
    EnsureKey("updated_at", &s);
    s.set_updated_at(now);
    return absl::OkStatus();
  });
  if (!updated.ok()) {
    return Reword(updated.status(),
                  absl::NotFoundError(absl::StrCat("Subscription for user ",
                                                   user_id, " not found")));
  }
  return std::move(*updated);
}

absl::StatusOr<std::optional<Subscription>>
Storage::UpdateSubscriptionByStripeId(absl::string_view stripe_subscription_id,
                                      absl::string_view data_json) {
  RETURN_IF_ERROR(
      ValidateText("stripe subscription id", stripe_subscription_id));
  ASSIGN_OR_RETURN(JsonValue data, ParseObject("subscription data", data_json));
  const std::string now = Now();
  return backend_->UpdateSubscriptionByStripeId(
      stripe_subscription_id, [&](Subscription& s) {
        RETURN_IF_ERROR(MergeIntoSubscription(data, &s));
        EnsureKey("updated_at", &s);
        s.set_updated_at(now);
        return absl::OkStatus();
      });
}

// ---- Beyond the original module ---------------------------------------------

absl::Status Storage::RunInTransaction(
    absl::FunctionRef<absl::Status(Storage&)> fn) {
  return backend_->RunInTransaction([&](Backend& transaction) {
    Storage inner(nullptr, &transaction, options_, redacted_url_, backend_name_,
                  serialized_writes_);
    return fn(inner);
  });
}

absl::StatusOr<StorageCounts> Storage::Count() {
  ASSIGN_OR_RETURN(StoreCounts counts, backend_->stream().Count());
  StorageCounts out;
  out.profiles = counts.profiles;
  out.subscriptions = counts.subscriptions;
  out.conversations = counts.conversations;
  out.messages = counts.messages;
  return out;
}

}  // namespace parley
