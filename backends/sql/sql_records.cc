#include "backends/sql/sql_records.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/sql/record_rows.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"
#include "storage/status_util.h"

namespace parley {
namespace sql {
namespace {

// Records are read in batches of this many during Scan, so no statement is
// open while the visitor runs (libpq cannot interleave statements, and a
// visitor may take its time).
constexpr int kScanBatch = 100;

std::string ConversationName(absl::string_view id) {
  return absl::StrCat("conversation ", id);
}

// Collects the rows `sql` yields, each turned into a record by `from_row`.
template <typename Record, typename FromRow>
absl::StatusOr<std::vector<Record>> Query(SqlConnection& c,
                                          const std::string& sql,
                                          absl::Span<const SqlValue> params,
                                          FromRow from_row) {
  std::vector<Record> out;
  RETURN_IF_ERROR(c.Execute(sql, params, [&](const SqlRow& row) {
                     ASSIGN_OR_RETURN(Record record, from_row(row));
                     out.push_back(std::move(record));
                     return absl::OkStatus();
                   }).status());
  return out;
}

template <typename Record, typename FromRow>
absl::StatusOr<std::optional<Record>> QueryOne(
    SqlConnection& c, const std::string& sql, absl::Span<const SqlValue> params,
    FromRow from_row) {
  ASSIGN_OR_RETURN(std::vector<Record> rows,
                   Query<Record>(c, sql, params, from_row));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

absl::StatusOr<int64_t> QueryInt(SqlConnection& c, const std::string& sql,
                                 absl::Span<const SqlValue> params) {
  int64_t value = 0;
  RETURN_IF_ERROR(c.Execute(sql, params, [&](const SqlRow& row) {
                     value = row.IsNull(0) ? 0 : row.Int64(0);
                     return absl::OkStatus();
                   }).status());
  return value;
}

}  // namespace

SqlRecords::SqlRecords(const SqlDialect& d) {
  const auto sql = [&](absl::string_view text) { return d.Rewrite(text); };
  const std::string conversation_select =
      absl::StrCat("SELECT ", kConversationColumns, " FROM conversations ");
  const absl::string_view coll = d.byte_order_collation;
  ensure_user_ = sql(absl::StrCat(
      "INSERT INTO users (user_id, has_profile, updated_at) VALUES (?1, "
      "FALSE, ",
      d.now_expression, ") ON CONFLICT (user_id) DO NOTHING"));
  insert_conversation_ = ConversationInsertSql(d);
  upsert_conversation_ = ConversationUpsertSql(d);
  select_conversation_ =
      sql(absl::StrCat(conversation_select, "WHERE id = ?1"));
  select_conversation_for_update_ =
      sql(absl::StrCat(conversation_select, "WHERE id = ?1", d.for_update));
  select_user_conversations_for_update_ =
      sql(absl::StrCat(conversation_select, "WHERE user_id = ?1 ORDER BY id",
                       coll, d.for_update));
  select_messages_ = sql(absl::StrCat("SELECT ", kMessageColumns,
                                      " FROM messages WHERE conversation_id = "
                                      "?1 ORDER BY position"));
  const std::string list = absl::StrCat(
      "SELECT ", kConversationColumns,
      ", (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = "
      "conversations.id) FROM conversations");
  list_user_ = sql(absl::StrCat(list, " WHERE user_id = ?1"));
  list_all_ = sql(list);
  lock_conversation_ = sql(
      absl::StrCat("SELECT 1 FROM conversations WHERE id = ?1", d.for_update));
  next_position_ =
      sql("SELECT COALESCE(MAX(position) + 1, 0) FROM messages "
          "WHERE conversation_id = ?1");
  insert_message_ = MessageInsertSql(d);
  delete_messages_ = sql("DELETE FROM messages WHERE conversation_id = ?1");
  delete_conversation_ = sql("DELETE FROM conversations WHERE id = ?1");
  count_user_ = sql("SELECT COUNT(*) FROM conversations WHERE user_id = ?1");
  // expires_at_text holds the exact isoformat() text; comparing it as text
  // is the contract's rule (both sides are isoformat() strings).
  count_active_ =
      sql("SELECT COUNT(*) FROM conversations WHERE user_id = ?1 AND "
          "(expires_at_text IS NULL OR expires_at_text > ?2)");
  upsert_profile_ = ProfileUpsertSql(d);
  const std::string profile_select =
      absl::StrCat("SELECT ", kProfileColumns, " FROM users ");
  select_profile_ =
      sql(absl::StrCat(profile_select, "WHERE user_id = ?1 AND has_profile"));
  select_profile_for_update_ = sql(absl::StrCat(
      profile_select, "WHERE user_id = ?1 AND has_profile", d.for_update));
  upsert_subscription_ = SubscriptionUpsertSql(d);
  const std::string subscription_select =
      absl::StrCat("SELECT ", kSubscriptionColumns, " FROM subscriptions ");
  select_subscription_ =
      sql(absl::StrCat(subscription_select, "WHERE user_id = ?1"));
  select_subscription_for_update_ = sql(
      absl::StrCat(subscription_select, "WHERE user_id = ?1", d.for_update));
  select_subscription_by_stripe_ = sql(absl::StrCat(
      subscription_select, "WHERE stripe_subscription_id = ?1 ORDER BY user_id",
      coll, " LIMIT 1", d.for_update));
  count_all_ =
      sql("SELECT (SELECT COUNT(*) FROM users WHERE has_profile), "
          "(SELECT COUNT(*) FROM subscriptions), "
          "(SELECT COUNT(*) FROM conversations), "
          "(SELECT COUNT(*) FROM messages)");
  scan_profiles_ = sql(absl::StrCat(profile_select,
                                    "WHERE has_profile AND "
                                    "user_id",
                                    coll, " > ?1 ORDER BY user_id", coll,
                                    " LIMIT ", kScanBatch));
  scan_subscriptions_ =
      sql(absl::StrCat(subscription_select, "WHERE user_id", coll,
                       " > ?1 ORDER BY user_id", coll, " LIMIT ", kScanBatch));
  scan_conversations_ =
      sql(absl::StrCat(conversation_select, "WHERE id", coll,
                       " > ?1 ORDER BY id", coll, " LIMIT ", kScanBatch));
}

// The rewrite's foreign keys need a users row for every user with a
// conversation or a subscription; a user without a profile gets a row marked
// has_profile = FALSE, which GetProfile, Count and Scan do not see and a
// later PutProfile fills in.
absl::Status SqlRecords::EnsureUser(SqlConnection& c,
                                    absl::string_view user_id) const {
  const SqlValue params[] = {SqlValue::Text(user_id)};
  return c.Execute(ensure_user_, params).status();
}

absl::Status SqlRecords::InsertMessages(SqlConnection& c,
                                        const Conversation& conv) const {
  for (int i = 0; i < conv.messages_size(); ++i) {
    const std::string id = NewUuid();
    ASSIGN_OR_RETURN(SqlParams p,
                     MessageParams(id, conv.id(), i, conv.messages(i)));
    RETURN_IF_ERROR(c.Execute(insert_message_, p.span()).status());
  }
  return absl::OkStatus();
}

absl::Status SqlRecords::CreateConversation(SqlConnection& c,
                                            const Conversation& conv) const {
  RETURN_IF_ERROR(EnsureUser(c, conv.user_id()));
  ASSIGN_OR_RETURN(SqlParams p, ConversationParams(conv));
  RETURN_IF_ERROR(c.Execute(insert_conversation_, p.span()).status());
  return InsertMessages(c, conv);
}

absl::Status SqlRecords::PutConversation(SqlConnection& c,
                                         const Conversation& conv) const {
  RETURN_IF_ERROR(EnsureUser(c, conv.user_id()));
  ASSIGN_OR_RETURN(SqlParams p, ConversationParams(conv));
  RETURN_IF_ERROR(c.Execute(upsert_conversation_, p.span()).status());
  const SqlValue id[] = {SqlValue::Text(conv.id())};
  RETURN_IF_ERROR(c.Execute(delete_messages_, id).status());
  return InsertMessages(c, conv);
}

absl::StatusOr<std::optional<Conversation>> SqlRecords::GetConversation(
    SqlConnection& c, absl::string_view id, bool with_messages) const {
  const SqlValue params[] = {SqlValue::Text(id)};
  ASSIGN_OR_RETURN(std::optional<Conversation> conv,
                   QueryOne<Conversation>(c, select_conversation_, params,
                                          ConversationFromRow));
  if (!conv.has_value() || !with_messages) return conv;
  RETURN_IF_ERROR(c.Execute(select_messages_, params, [&](const SqlRow& row) {
                     ASSIGN_OR_RETURN(*conv->add_messages(),
                                      MessageFromRow(row));
                     return absl::OkStatus();
                   }).status());
  return conv;
}

absl::StatusOr<std::vector<ConversationSummary>> SqlRecords::ListConversations(
    SqlConnection& c, absl::string_view user_id) const {
  const SqlValue params[] = {SqlValue::Text(user_id)};
  return Query<ConversationSummary>(
      c, user_id.empty() ? list_all_ : list_user_,
      user_id.empty() ? absl::Span<const SqlValue>() : params,
      [](const SqlRow& row) { return ConversationSummaryFromRow(row, 12); });
}

absl::Status SqlRecords::AppendMessage(SqlConnection& c, absl::string_view id,
                                       const Message& message) const {
  // Within the write transaction (and, for PostgreSQL, holding the
  // conversation's row lock) max(position) + 1 cannot be taken twice.
  const SqlValue params[] = {SqlValue::Text(id)};
  bool exists = false;
  RETURN_IF_ERROR(c.Execute(lock_conversation_, params, [&](const SqlRow&) {
                     exists = true;
                     return absl::OkStatus();
                   }).status());
  if (!exists) {
    return absl::NotFoundError(
        absl::StrCat(ConversationName(id), ": not found"));
  }
  ASSIGN_OR_RETURN(int64_t position, QueryInt(c, next_position_, params));
  const std::string message_id = NewUuid();
  ASSIGN_OR_RETURN(SqlParams p,
                   MessageParams(message_id, id, position, message));
  return c.Execute(insert_message_, p.span()).status();
}

absl::StatusOr<Conversation> SqlRecords::UpdateConversation(
    SqlConnection& c, absl::string_view id,
    Mutation<Conversation> mutate) const {
  const SqlValue params[] = {SqlValue::Text(id)};
  ASSIGN_OR_RETURN(std::optional<Conversation> conv,
                   QueryOne<Conversation>(c, select_conversation_for_update_,
                                          params, ConversationFromRow));
  if (!conv.has_value()) {
    return absl::NotFoundError(
        absl::StrCat(ConversationName(id), ": not found"));
  }
  const std::string user_id = conv->user_id();
  RETURN_IF_ERROR(mutate(*conv));
  if (conv->user_id() != user_id)
    RETURN_IF_ERROR(EnsureUser(c, conv->user_id()));
  ASSIGN_OR_RETURN(SqlParams p, ConversationParams(*conv));
  RETURN_IF_ERROR(c.Execute(upsert_conversation_, p.span()).status());
  return *std::move(conv);
}

absl::StatusOr<int64_t> SqlRecords::UpdateUserConversations(
    SqlConnection& c, absl::string_view user_id,
    absl::FunctionRef<bool(Conversation&)> mutate) const {
  const SqlValue params[] = {SqlValue::Text(user_id)};
  ASSIGN_OR_RETURN(std::vector<Conversation> convs,
                   Query<Conversation>(c, select_user_conversations_for_update_,
                                       params, ConversationFromRow));
  int64_t changed = 0;
  for (Conversation& conv : convs) {
    if (!mutate(conv)) continue;
    ASSIGN_OR_RETURN(SqlParams p, ConversationParams(conv));
    RETURN_IF_ERROR(c.Execute(upsert_conversation_, p.span()).status());
    ++changed;
  }
  return changed;
}

absl::StatusOr<bool> SqlRecords::DeleteConversation(
    SqlConnection& c, absl::string_view id) const {
  // ON DELETE CASCADE would do, but a store adopted from elsewhere may lack
  // it; deleting the messages first costs one indexed statement.
  const SqlValue params[] = {SqlValue::Text(id)};
  RETURN_IF_ERROR(c.Execute(delete_messages_, params).status());
  ASSIGN_OR_RETURN(int64_t deleted, c.Execute(delete_conversation_, params));
  return deleted > 0;
}

absl::StatusOr<int64_t> SqlRecords::CountConversations(
    SqlConnection& c, absl::string_view user_id,
    std::optional<absl::string_view> active_at) const {
  if (!active_at.has_value()) {
    const SqlValue params[] = {SqlValue::Text(user_id)};
    return QueryInt(c, count_user_, params);
  }
  const SqlValue params[] = {SqlValue::Text(user_id),
                             SqlValue::Text(*active_at)};
  return QueryInt(c, count_active_, params);
}

absl::Status SqlRecords::PutProfile(SqlConnection& c,
                                    const Profile& profile) const {
  ASSIGN_OR_RETURN(SqlParams p, ProfileParams(profile));
  return c.Execute(upsert_profile_, p.span()).status();
}

absl::StatusOr<std::optional<Profile>> SqlRecords::GetProfile(
    SqlConnection& c, absl::string_view user_id) const {
  const SqlValue params[] = {SqlValue::Text(user_id)};
  return QueryOne<Profile>(c, select_profile_, params, ProfileFromRow);
}

absl::StatusOr<Profile> SqlRecords::UpdateProfile(
    SqlConnection& c, absl::string_view user_id,
    Mutation<Profile> mutate) const {
  const SqlValue params[] = {SqlValue::Text(user_id)};
  ASSIGN_OR_RETURN(
      std::optional<Profile> profile,
      QueryOne<Profile>(c, select_profile_for_update_, params, ProfileFromRow));
  if (!profile.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("profile ", user_id, ": not found"));
  }
  RETURN_IF_ERROR(mutate(*profile));
  RETURN_IF_ERROR(PutProfile(c, *profile));
  return *std::move(profile);
}

absl::Status SqlRecords::PutSubscription(SqlConnection& c,
                                         const Subscription& s) const {
  RETURN_IF_ERROR(EnsureUser(c, s.user_id()));
  ASSIGN_OR_RETURN(SqlParams p, SubscriptionParams(s));
  return c.Execute(upsert_subscription_, p.span()).status();
}

absl::StatusOr<std::optional<Subscription>> SqlRecords::ReadSubscription(
    SqlConnection& c, const std::string& sql, absl::string_view key) const {
  const SqlValue params[] = {SqlValue::Text(key)};
  return QueryOne<Subscription>(c, sql, params, SubscriptionFromRow);
}

absl::StatusOr<std::optional<Subscription>> SqlRecords::GetSubscription(
    SqlConnection& c, absl::string_view user_id) const {
  return ReadSubscription(c, select_subscription_, user_id);
}

absl::StatusOr<Subscription> SqlRecords::MutateSubscription(
    SqlConnection& c, Subscription subscription,
    Mutation<Subscription> mutate) const {
  RETURN_IF_ERROR(mutate(subscription));
  RETURN_IF_ERROR(PutSubscription(c, subscription));
  return subscription;
}

absl::StatusOr<Subscription> SqlRecords::UpdateSubscription(
    SqlConnection& c, absl::string_view user_id,
    Mutation<Subscription> mutate) const {
  ASSIGN_OR_RETURN(
      std::optional<Subscription> s,
      ReadSubscription(c, select_subscription_for_update_, user_id));
  if (!s.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("subscription ", user_id, ": not found"));
  }
  return MutateSubscription(c, *std::move(s), mutate);
}

absl::StatusOr<std::optional<Subscription>>
SqlRecords::UpdateSubscriptionByStripeId(SqlConnection& c,
                                         absl::string_view stripe_id,
                                         Mutation<Subscription> mutate) const {
  ASSIGN_OR_RETURN(
      std::optional<Subscription> s,
      ReadSubscription(c, select_subscription_by_stripe_, stripe_id));
  if (!s.has_value()) return std::nullopt;
  return MutateSubscription(c, *std::move(s), mutate);
}

absl::StatusOr<StoreCounts> SqlRecords::Count(SqlConnection& c) const {
  StoreCounts counts;
  RETURN_IF_ERROR(c.Execute(count_all_, {}, [&](const SqlRow& row) {
                     counts.profiles = row.Int64(0);
                     counts.subscriptions = row.Int64(1);
                     counts.conversations = row.Int64(2);
                     counts.messages = row.Int64(3);
                     return absl::OkStatus();
                   }).status());
  return counts;
}

namespace {

// Visits every record `scan` yields, a batch at a time, keyed on its first
// column (the id). A row that cannot be decoded (DataLoss) goes to
// visitor.OnBadRecord, which decides whether the scan goes on.
template <typename Record, typename FromRow, typename Visit>
absl::Status ScanKind(SqlConnection& c, const std::string& scan,
                      absl::string_view kind, FromRow from_row, Visit visit,
                      RecordVisitor& visitor) {
  std::string last;
  while (true) {
    const SqlValue params[] = {SqlValue::Text(last)};
    std::vector<std::pair<std::string, absl::StatusOr<Record>>> batch;
    RETURN_IF_ERROR(c.Execute(scan, params, [&](const SqlRow& row) {
                       batch.emplace_back(row.Text(0), from_row(row));
                       return absl::OkStatus();
                     }).status());
    for (auto& [id, record] : batch) {
      if (record.ok()) {
        RETURN_IF_ERROR(visit(*record));
      } else if (absl::IsDataLoss(record.status())) {
        RETURN_IF_ERROR(visitor.OnBadRecord(kind, id, record.status()));
      } else {
        return record.status();
      }
    }
    if (static_cast<int>(batch.size()) < kScanBatch) return absl::OkStatus();
    last = batch.back().first;
  }
}

}  // namespace

absl::Status SqlRecords::Scan(SqlConnection& c, RecordVisitor& visitor) const {
  RETURN_IF_ERROR(ScanKind<Profile>(
      c, scan_profiles_, "profile", ProfileFromRow,
      [&](const Profile& p) { return visitor.OnProfile(p); }, visitor));
  RETURN_IF_ERROR(ScanKind<Subscription>(
      c, scan_subscriptions_, "subscription", SubscriptionFromRow,
      [&](const Subscription& s) { return visitor.OnSubscription(s); },
      visitor));
  return ScanKind<Conversation>(
      c, scan_conversations_, "conversation", ConversationFromRow,
      [&](Conversation& conv) {
        const SqlValue params[] = {SqlValue::Text(conv.id())};
        absl::Status messages =
            c.Execute(select_messages_, params, [&](const SqlRow& row) {
               ASSIGN_OR_RETURN(*conv.add_messages(), MessageFromRow(row));
               return absl::OkStatus();
             }).status();
        if (absl::IsDataLoss(messages)) {
          return visitor.OnBadRecord("conversation", conv.id(), messages);
        }
        RETURN_IF_ERROR(messages);
        return visitor.OnConversation(conv);
      },
      visitor);
}

}  // namespace sql
}  // namespace parley
