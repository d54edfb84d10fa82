#include "backends/sql/record_rows.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/sql/column_fit.h"
#include "backends/sql/row_keys.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_params.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"
#include "storage/timestamp.h"

namespace parley {
namespace sql {
namespace {

// The rewrite's TIMESTAMP column value for an exact timestamp text.
SqlValue TimestampColumn(bool typed, const std::string& text) {
  return typed && IsIsoTimestamp(text) ? SqlValue::Text(text)
                                       : SqlValue::Null();
}

// The string member `key` of the JSON object `profile_json`, for the
// rewrite's gender/age_range/mood columns; NULL when it is not a string.
void AddProfileMember(const JsonValue* profile, absl::string_view key,
                      SqlParams* params) {
  const JsonValue* value = profile != nullptr ? profile->Find(key) : nullptr;
  if (value != nullptr && value->is_string() &&
      FitsTextColumn(value->string_value())) {
    params->AddOwnedText(value->string_value());
  } else {
    params->Add(SqlValue::Null());
  }
}

}  // namespace

// ---- Conversations ----

absl::StatusOr<Conversation> ConversationFromRow(const SqlRow& row) {
  Conversation c;
  row.TextInto(0, c.mutable_id());
  row.TextInto(1, c.mutable_user_id());
  row.TextInto(2, c.mutable_created_at());
  row.TextInto(3, c.mutable_title());
  c.set_starred(!row.IsNull(4) && row.Bool(4));
  c.set_report_cycle(row.IsNull(5) ? 0 : row.Int64(5));
  c.set_has_follow_up(!row.IsNull(6) && row.Bool(6));
  if (!row.IsNull(7)) row.TextInto(7, c.mutable_follow_up_answers_json());
  c.set_is_visible(!row.IsNull(8) && row.Bool(8));
  if (!row.IsNull(9)) row.TextInto(9, c.mutable_expires_at());
  RETURN_IF_ERROR(ReadKeys(
      row, 10, 11, [&] { return absl::StrCat("conversation ", c.id()); }, &c));
  RETURN_IF_ERROR(AbsorbExtras(&c));
  return c;
}

absl::StatusOr<ConversationSummary> ConversationSummaryFromRow(
    const SqlRow& row, int count_column) {
  // The common row (plain key_order, no extra key) is summarized from its
  // columns: what SummarizeConversation reads of ConversationFromRow's record,
  // without building it.
  std::string scratch;
  absl::InlinedVector<absl::string_view, 16> keys;
  const bool no_extra = row.IsNull(10) || row.TextView(10, &scratch) == "{}";
  if (!no_extra || row.IsNull(11) ||
      !ReadPlainKeyOrder(row.TextView(11, &scratch), &keys)) {
    ASSIGN_OR_RETURN(Conversation conversation, ConversationFromRow(row));
    return SummarizeConversation(conversation, row.Int64(count_column));
  }
  // As HasTypedKey: listed in key_order (an empty one lists every key).
  const auto typed = [&](absl::string_view key) {
    return keys.empty() ||
           std::find(keys.begin(), keys.end(), key) != keys.end();
  };
  ConversationSummary summary;
  row.TextInto(0, summary.mutable_id());
  row.TextInto(2, summary.mutable_created_at());
  if (typed("title")) {
    row.TextInto(3, summary.mutable_title());
  } else {
    summary.set_title(std::string(kDefaultConversationTitle));
  }
  summary.set_starred(typed("starred") && !row.IsNull(4) && row.Bool(4));
  summary.set_message_count(row.Int64(count_column));
  if (typed("expires_at") && !row.IsNull(9)) {
    row.TextInto(9, summary.mutable_expires_at());
  }
  summary.set_is_visible(!typed("is_visible") ||
                         (!row.IsNull(8) && row.Bool(8)));
  return summary;
}

absl::StatusOr<SqlParams> ConversationParams(const Conversation& record) {
  std::shared_ptr<Conversation> fitted;
  const Conversation& c = FitColumns(
      record, ConversationKeys(),
      {{"created_at", true, record.created_at(), false},
       {"title", true, record.title(), false},
       {"expires_at", record.has_expires_at(), record.expires_at(), false}},
      &fitted);
  if (HasExtraKey(c.extra(), "messages")) {
    // Messages are rows here; a "messages" value that is not a list of
    // objects could not be appended to (SaveConversation refuses it).
    return absl::InvalidArgumentError(absl::StrCat(
        "conversation ", c.id(),
        ": \"messages\" is not a list of message objects; a SQL store keeps "
        "messages as rows"));
  }
  const RecordKeys keys(c.key_order(), ConversationKeys(), c.extra());
  const bool has_created = keys.Typed("created_at");
  const bool has_expires = keys.Typed("expires_at") && c.has_expires_at();
  SqlParams p;
  if (fitted != nullptr) p.Keep(fitted);
  p.Add(SqlValue::Text(c.id()))
      .Add(SqlValue::Text(c.user_id()))
      .Add(keys.Typed("title") ? SqlValue::Text(c.title()) : SqlValue::Null())
      .Add(keys.Typed("starred") ? SqlValue::Bool(c.starred())
                                 : SqlValue::Null())
      .Add(TimestampColumn(has_expires, c.expires_at()))
      .Add(keys.Typed("report_cycle") ? SqlValue::Int64(c.report_cycle())
                                      : SqlValue::Null())
      .Add(keys.Typed("has_follow_up") ? SqlValue::Bool(c.has_follow_up())
                                       : SqlValue::Null())
      .Add(SqlValue::OptionalText(
          keys.Typed("follow_up_answers") && c.has_follow_up_answers_json(),
          c.follow_up_answers_json()))
      .Add(TimestampColumn(has_created, c.created_at()))
      .Add(keys.Typed("is_visible") ? SqlValue::Bool(c.is_visible())
                                    : SqlValue::Null())
      .Add(SqlValue::OptionalText(has_created, c.created_at()))
      .Add(SqlValue::OptionalText(has_expires, c.expires_at()));
  RETURN_IF_ERROR(
      AddExtraJson(c.extra(), keys, absl::StrCat("conversation ", c.id()), &p));
  p.AddOwnedText(EncodeKeyOrder(keys));
  return p;
}

// ---- Messages ----

absl::StatusOr<Message> MessageFromRow(const SqlRow& row) {
  Message m;
  row.TextInto(0, m.mutable_role());
  if (!row.IsNull(1)) row.TextInto(1, m.mutable_content());
  if (!row.IsNull(2)) row.TextInto(2, m.mutable_stage1_json());
  if (!row.IsNull(3)) row.TextInto(3, m.mutable_stage2_json());
  if (!row.IsNull(4)) row.TextInto(4, m.mutable_stage3_json());
  if (!row.IsNull(5)) row.TextInto(5, m.mutable_metadata_json());
  RETURN_IF_ERROR(ReadKeys(
      row, 6, 7, [] { return std::string("message"); }, &m));
  RETURN_IF_ERROR(AbsorbExtras(&m));
  return m;
}

absl::StatusOr<SqlParams> MessageParams(absl::string_view message_id,
                                        absl::string_view conversation_id,
                                        int64_t position,
                                        const Message& message) {
  // As storage/record_json.cc: a message without key_order holds "role" and
  // the keys whose fields are set.
  std::vector<std::string> canonical = {"role"};
  if (message.has_content()) canonical.push_back("content");
  if (message.has_stage1_json()) canonical.push_back("stage1");
  if (message.has_stage2_json()) canonical.push_back("stage2");
  if (message.has_stage3_json()) canonical.push_back("stage3");
  if (message.has_metadata_json()) canonical.push_back("metadata");
  std::shared_ptr<Message> fitted;
  const Message& m = FitColumns(
      message, canonical,
      {{"role", true, message.role(), false},
       {"content", message.has_content(), message.content(), false},
       {"stage1", message.has_stage1_json(), message.stage1_json(), true},
       {"stage2", message.has_stage2_json(), message.stage2_json(), true},
       {"stage3", message.has_stage3_json(), message.stage3_json(), true},
       {"metadata", message.has_metadata_json(), message.metadata_json(),
        true}},
      &fitted);
  const RecordKeys keys(m.key_order(), canonical, m.extra());
  SqlParams p;
  if (fitted != nullptr) p.Keep(fitted);
  p.AddOwnedText(std::string(message_id));
  p.Add(SqlValue::Text(conversation_id))
      .Add(SqlValue::Int64(position))
      .Add(keys.Typed("role") ? SqlValue::Text(m.role()) : SqlValue::Null())
      .Add(SqlValue::OptionalText(keys.Typed("content") && m.has_content(),
                                  m.content()))
      .Add(SqlValue::OptionalJson(keys.Typed("stage1") && m.has_stage1_json(),
                                  m.stage1_json()))
      .Add(SqlValue::OptionalJson(keys.Typed("stage2") && m.has_stage2_json(),
                                  m.stage2_json()))
      .Add(SqlValue::OptionalJson(keys.Typed("stage3") && m.has_stage3_json(),
                                  m.stage3_json()))
      .Add(SqlValue::OptionalJson(
          keys.Typed("metadata") && m.has_metadata_json(), m.metadata_json()));
  RETURN_IF_ERROR(AddExtraJson(
      m.extra(), keys,
      absl::StrCat("conversation ", conversation_id, " message ", position),
      &p));
  p.AddOwnedText(EncodeKeyOrder(keys));
  return p;
}

// ---- Profiles ----

absl::StatusOr<Profile> ProfileFromRow(const SqlRow& row) {
  Profile p;
  row.TextInto(0, p.mutable_user_id());
  row.TextInto(1, p.mutable_email());
  row.TextInto(2, p.mutable_profile_json());
  row.TextInto(3, p.mutable_created_at());
  p.set_profile_locked(!row.IsNull(4) && row.Bool(4));
  RETURN_IF_ERROR(ReadKeys(
      row, 5, 6, [&] { return absl::StrCat("profile ", p.user_id()); }, &p));
  RETURN_IF_ERROR(AbsorbExtras(&p));
  return p;
}

absl::StatusOr<SqlParams> ProfileParams(const Profile& record) {
  std::shared_ptr<Profile> fitted;
  const Profile& profile =
      FitColumns(record, ProfileKeys(),
                 {{"email", true, record.email(), false},
                  {"created_at", true, record.created_at(), false}},
                 &fitted);
  const RecordKeys keys(profile.key_order(), ProfileKeys(), profile.extra());
  const bool has_profile = keys.Typed("profile");
  std::optional<JsonValue> parsed;
  if (has_profile) {
    absl::StatusOr<JsonValue> value = ParseJson(profile.profile_json());
    if (value.ok() && value->is_object()) parsed = *std::move(value);
  }
  const JsonValue* object = parsed.has_value() ? &*parsed : nullptr;
  const bool has_created = keys.Typed("created_at");
  SqlParams p;
  if (fitted != nullptr) p.Keep(fitted);
  p.Add(SqlValue::Text(profile.user_id()))
      .Add(keys.Typed("email") ? SqlValue::Text(profile.email())
                               : SqlValue::Null());
  AddProfileMember(object, "gender", &p);
  AddProfileMember(object, "age_range", &p);
  AddProfileMember(object, "mood", &p);
  p.Add(keys.Typed("profile_locked") ? SqlValue::Bool(profile.profile_locked())
                                     : SqlValue::Null())
      .Add(TimestampColumn(has_created, profile.created_at()))
      .Add(SqlValue::OptionalText(has_profile, profile.profile_json()))
      .Add(SqlValue::OptionalText(has_created, profile.created_at()));
  RETURN_IF_ERROR(AddExtraJson(
      profile.extra(), keys, absl::StrCat("profile ", profile.user_id()), &p));
  p.AddOwnedText(EncodeKeyOrder(keys));
  return p;
}

// ---- Subscriptions ----

absl::StatusOr<Subscription> SubscriptionFromRow(const SqlRow& row) {
  Subscription s;
  row.TextInto(0, s.mutable_user_id());
  row.TextInto(1, s.mutable_tier());
  row.TextInto(2, s.mutable_status());
  if (!row.IsNull(3)) row.TextInto(3, s.mutable_stripe_subscription_id());
  if (!row.IsNull(4)) row.TextInto(4, s.mutable_current_period_end());
  row.TextInto(5, s.mutable_created_at());
  row.TextInto(6, s.mutable_updated_at());
  RETURN_IF_ERROR(ReadKeys(
      row, 7, 8, [&] { return absl::StrCat("subscription ", s.user_id()); },
      &s));
  RETURN_IF_ERROR(AbsorbExtras(&s));
  return s;
}

absl::StatusOr<SqlParams> SubscriptionParams(const Subscription& record) {
  std::shared_ptr<Subscription> fitted;
  const Subscription& s = FitColumns(
      record, SubscriptionKeys(),
      {{"tier", true, record.tier(), false},
       {"status", true, record.status(), false},
       {"stripe_subscription_id", record.has_stripe_subscription_id(),
        record.stripe_subscription_id(), false},
       {"current_period_end", record.has_current_period_end(),
        record.current_period_end(), false},
       {"created_at", true, record.created_at(), false},
       {"updated_at", true, record.updated_at(), false}},
      &fitted);
  const RecordKeys keys(s.key_order(), SubscriptionKeys(), s.extra());
  const bool has_stripe =
      keys.Typed("stripe_subscription_id") && s.has_stripe_subscription_id();
  const bool has_period_end =
      keys.Typed("current_period_end") && s.has_current_period_end();
  const bool has_created = keys.Typed("created_at");
  const bool has_updated = keys.Typed("updated_at");
  // The rewrite's stripe_customer_id column mirrors the extra key of that
  // name when it holds a string (Stripe webhooks add it through updates).
  std::optional<std::string> customer_id;
  for (const JsonField& field : s.extra()) {
    if (field.key() != "stripe_customer_id") continue;
    absl::StatusOr<JsonValue> value = ParseJson(field.json());
    customer_id.reset();
    if (value.ok() && value->is_string() &&
        FitsTextColumn(value->string_value())) {
      customer_id = value->string_value();
    }
  }
  SqlParams p;
  if (fitted != nullptr) p.Keep(fitted);
  p.Add(SqlValue::Text(s.user_id()))
      .Add(keys.Typed("tier") ? SqlValue::Text(s.tier()) : SqlValue::Null())
      .Add(keys.Typed("status") ? SqlValue::Text(s.status()) : SqlValue::Null())
      .AddOptionalOwnedText(customer_id.has_value(), customer_id.value_or(""))
      .Add(SqlValue::OptionalText(has_stripe, s.stripe_subscription_id()))
      .Add(TimestampColumn(has_period_end, s.current_period_end()))
      .Add(TimestampColumn(has_created, s.created_at()))
      .Add(TimestampColumn(has_updated, s.updated_at()))
      .Add(SqlValue::OptionalText(has_period_end, s.current_period_end()))
      .Add(SqlValue::OptionalText(has_created, s.created_at()))
      .Add(SqlValue::OptionalText(has_updated, s.updated_at()));
  RETURN_IF_ERROR(AddExtraJson(s.extra(), keys,
                               absl::StrCat("subscription ", s.user_id()), &p));
  p.AddOwnedText(EncodeKeyOrder(keys));
  return p;
}

}  // namespace sql
}  // namespace parley
