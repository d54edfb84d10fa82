#include "backends/sql/row_statements.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/substitute.h"
#include "backends/sql/sql_dialect.h"

namespace parley {
namespace sql {

const char kConversationColumns[] =
    "id, user_id, created_at_text, title, starred, report_cycle, "
    "has_follow_up, follow_up_answers, is_visible, expires_at_text, "
    "extra_json, key_order";
const char kConversationInsertColumns[] =
    "id, user_id, title, starred, expires_at, report_cycle, has_follow_up, "
    "follow_up_answers, created_at, is_visible, created_at_text, "
    "expires_at_text, extra_json, key_order, updated_at";
const char kConversationInsertValues[] =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, $0";
const char kConversationUpdateSet[] =
    "user_id = excluded.user_id, title = excluded.title, "
    "starred = excluded.starred, expires_at = excluded.expires_at, "
    "report_cycle = excluded.report_cycle, "
    "has_follow_up = excluded.has_follow_up, "
    "follow_up_answers = excluded.follow_up_answers, "
    "created_at = excluded.created_at, is_visible = excluded.is_visible, "
    "created_at_text = excluded.created_at_text, "
    "expires_at_text = excluded.expires_at_text, "
    "extra_json = excluded.extra_json, key_order = excluded.key_order, "
    "updated_at = excluded.updated_at";

const char kMessageColumns[] =
    "role, content, stage1, stage2, stage3, metadata, extra_json, key_order";
const char kMessageInsertColumns[] =
    "id, conversation_id, position, role, content, stage1, stage2, stage3, "
    "metadata, extra_json, key_order, created_at";
const char kMessageInsertValues[] =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, $0";

const char kProfileColumns[] =
    "user_id, email, profile_json, created_at_text, profile_locked, "
    "extra_json, key_order";
const char kProfileInsertColumns[] =
    "user_id, email, gender, age_range, mood, profile_locked, created_at, "
    "profile_json, created_at_text, extra_json, key_order, has_profile, "
    "updated_at";
const char kProfileInsertValues[] =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, TRUE, $0";
const char kProfileUpdateSet[] =
    "email = excluded.email, gender = excluded.gender, "
    "age_range = excluded.age_range, mood = excluded.mood, "
    "profile_locked = excluded.profile_locked, "
    "created_at = excluded.created_at, profile_json = excluded.profile_json, "
    "created_at_text = excluded.created_at_text, "
    "extra_json = excluded.extra_json, key_order = excluded.key_order, "
    "has_profile = excluded.has_profile, updated_at = excluded.updated_at";

const char kSubscriptionColumns[] =
    "user_id, tier, status, stripe_subscription_id, current_period_end_text, "
    "created_at_text, updated_at_text, extra_json, key_order";
const char kSubscriptionInsertColumns[] =
    "user_id, tier, status, stripe_customer_id, stripe_subscription_id, "
    "current_period_end, created_at, updated_at, current_period_end_text, "
    "created_at_text, updated_at_text, extra_json, key_order";
const char kSubscriptionInsertValues[] =
    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13";
const char kSubscriptionUpdateSet[] =
    "tier = excluded.tier, status = excluded.status, "
    "stripe_customer_id = excluded.stripe_customer_id, "
    "stripe_subscription_id = excluded.stripe_subscription_id, "
    "current_period_end = excluded.current_period_end, "
    "created_at = excluded.created_at, updated_at = excluded.updated_at, "
    "current_period_end_text = excluded.current_period_end_text, "
    "created_at_text = excluded.created_at_text, "
    "updated_at_text = excluded.updated_at_text, "
    "extra_json = excluded.extra_json, key_order = excluded.key_order";

namespace {

std::string Statement(const SqlDialect& dialect, absl::string_view table,
                      absl::string_view columns, absl::string_view values,
                      absl::string_view conflict) {
  return dialect.Rewrite(absl::StrCat(
      "INSERT INTO ", table, " (", columns, ") VALUES (",
      absl::Substitute(values, dialect.now_expression), ")", conflict));
}

}  // namespace

std::string ConversationUpsertSql(const SqlDialect& dialect) {
  return Statement(
      dialect, "conversations", kConversationInsertColumns,
      kConversationInsertValues,
      absl::StrCat(" ON CONFLICT (id) DO UPDATE SET ", kConversationUpdateSet));
}

std::string ProfileUpsertSql(const SqlDialect& dialect) {
  return Statement(
      dialect, "users", kProfileInsertColumns, kProfileInsertValues,
      absl::StrCat(" ON CONFLICT (user_id) DO UPDATE SET ", kProfileUpdateSet));
}

std::string SubscriptionUpsertSql(const SqlDialect& dialect) {
  return Statement(dialect, "subscriptions", kSubscriptionInsertColumns,
                   kSubscriptionInsertValues,
                   absl::StrCat(" ON CONFLICT (user_id) DO UPDATE SET ",
                                kSubscriptionUpdateSet));
}

std::string ConversationInsertSql(const SqlDialect& dialect) {
  return Statement(dialect, "conversations", kConversationInsertColumns,
                   kConversationInsertValues, "");
}

std::string MessageInsertSql(const SqlDialect& dialect) {
  return Statement(dialect, "messages", kMessageInsertColumns,
                   kMessageInsertValues, "");
}

std::string MessageUpsertSql(const SqlDialect& dialect) {
  return Statement(
      dialect, "messages", kMessageInsertColumns, kMessageInsertValues,
      " ON CONFLICT (id) DO UPDATE SET role = excluded.role, "
      "content = excluded.content, stage1 = excluded.stage1, "
      "stage2 = excluded.stage2, stage3 = excluded.stage3, "
      "metadata = excluded.metadata, extra_json = excluded.extra_json, "
      "key_order = excluded.key_order");
}

}  // namespace sql
}  // namespace parley
