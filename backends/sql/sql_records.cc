#include "backends/sql/sql_records.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/sql/record_rows.h"
#include "backends/sql/row_statements.h"
#include "backends/sql/sql_params.h"
#include "backends/sql/uuid.h"
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

// The records statement `statement` of a plan returns.
template <typename Record>
class RecordsOf : public PlanReader {
 public:
  using FromRow = absl::StatusOr<Record> (*)(const SqlRow&);
  RecordsOf(int statement, FromRow from_row)
      : statement_(statement), from_row_(from_row) {}

  void Restart() override { records.clear(); }
  absl::Status OnRow(int statement, const SqlRow& row) override {
    if (statement != statement_) return absl::OkStatus();
    ASSIGN_OR_RETURN(Record record, from_row_(row));
    records.push_back(std::move(record));
    return absl::OkStatus();
  }

  std::optional<Record> First() && {
    if (records.empty()) return std::nullopt;
    return std::move(records.front());
  }

  std::vector<Record> records;

 private:
  const int statement_;
  const FromRow from_row_;
};

// The first column of the first row of statement 0 (a COUNT).
class FirstInt : public PlanReader {
 public:
  void Restart() override { value = 0; }
  absl::Status OnRow(int statement, const SqlRow& row) override {
    if (statement == 0) value = row.IsNull(0) ? 0 : row.Int64(0);
    return absl::OkStatus();
  }
  int64_t value = 0;
};

SqlParams TextParams(absl::string_view text) {
  SqlParams p;
  p.Add(SqlValue::Text(text));
  return p;
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
  // Empty where writers exclude each other already (SQLite).
  if (!d.for_update.empty()) {
    lock_conversation_ = sql(absl::StrCat(
        "SELECT 1 FROM conversations WHERE id = ?1", d.for_update));
  }
  insert_message_ = MessageInsertSql(d);
  // One statement that takes the next position and inserts, or inserts
  // nothing when the conversation does not exist. ?3 is the position of a
  // conversation's first message; ?12 is the conversation id again, for the
  // comparisons (PostgreSQL types ?2 from its column in the SELECT list).
  append_message_ = sql(absl::StrCat(
      "INSERT INTO messages (", kMessageInsertColumns,
      ") SELECT ?1, ?2, (SELECT COALESCE(MAX(position) + 1, ?3) FROM messages "
      "WHERE conversation_id = ?12), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ",
      d.now_expression, " FROM conversations WHERE id = ?12"));
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
absl::Status SqlRecords::AddConversation(const std::string& upsert,
                                         const Conversation& conv,
                                         bool replace_messages,
                                         Plan& plan) const {
  plan.Add(ensure_user_, TextParams(conv.user_id()));
  ASSIGN_OR_RETURN(SqlParams p, ConversationParams(conv));
  plan.Add(upsert, std::move(p));
  if (replace_messages) plan.Add(delete_messages_, TextParams(conv.id()));
  for (int i = 0; i < conv.messages_size(); ++i) {
    ASSIGN_OR_RETURN(SqlParams m,
                     MessageParams(NewUuid(), conv.id(), i, conv.messages(i)));
    plan.Add(insert_message_, std::move(m));
  }
  return absl::OkStatus();
}

absl::Status SqlRecords::CreateConversation(PlanRun run,
                                            const Conversation& conv) const {
  Plan plan(Plan::Kind::kWrite);
  RETURN_IF_ERROR(AddConversation(insert_conversation_, conv, false, plan));
  IgnoreRows rows;
  return run(plan, rows).status();
}

absl::Status SqlRecords::PutConversation(PlanRun run,
                                         const Conversation& conv) const {
  Plan plan(Plan::Kind::kWrite);
  RETURN_IF_ERROR(AddConversation(upsert_conversation_, conv, true, plan));
  IgnoreRows rows;
  return run(plan, rows).status();
}

absl::StatusOr<std::optional<Conversation>> SqlRecords::GetConversation(
    PlanRun run, absl::string_view id) const {
  // Both statements in one snapshot: the record and its messages agree.
  Plan plan(Plan::Kind::kRead);
  plan.Add(select_conversation_, TextParams(id));
  plan.Add(select_messages_, TextParams(id));
  class Reader : public PlanReader {
   public:
    void Restart() override { conv.reset(); }
    absl::Status OnRow(int statement, const SqlRow& row) override {
      if (statement == 0) {
        ASSIGN_OR_RETURN(conv, ConversationFromRow(row));
      } else if (conv.has_value()) {
        ASSIGN_OR_RETURN(*conv->add_messages(), MessageFromRow(row));
      }
      return absl::OkStatus();
    }
    std::optional<Conversation> conv;
  } reader;
  RETURN_IF_ERROR(run(plan, reader).status());
  return std::move(reader.conv);
}

absl::StatusOr<std::vector<ConversationSummary>> SqlRecords::ListConversations(
    PlanRun run, absl::string_view user_id) const {
  Plan plan(Plan::Kind::kAutocommit);
  if (user_id.empty()) {
    plan.Add(list_all_, SqlParams());
  } else {
    plan.Add(list_user_, TextParams(user_id));
  }
  RecordsOf<ConversationSummary> reader(
      0, [](const SqlRow& row) { return ConversationSummaryFromRow(row, 12); });
  RETURN_IF_ERROR(run(plan, reader).status());
  return std::move(reader.records);
}

absl::Status SqlRecords::AppendMessage(PlanRun run, absl::string_view id,
                                       const Message& message) const {
  // PostgreSQL: the conversation's row lock first, so that the INSERT's
  // snapshot (a new one per statement at READ COMMITTED) sees every message
  // an earlier holder of the lock appended, and max(position) + 1 cannot be
  // taken twice. SQLite's write transaction already excludes other writers.
  Plan plan(Plan::Kind::kWrite);
  if (!lock_conversation_.empty()) plan.Add(lock_conversation_, TextParams(id));
  const std::string message_id = NewUuid();
  ASSIGN_OR_RETURN(SqlParams p, MessageParams(message_id, id, 0, message));
  p.Add(SqlValue::Text(id));
  plan.Add(append_message_, std::move(p));
  IgnoreRows rows;
  ASSIGN_OR_RETURN(PlanChanges changed, run(plan, rows));
  if (changed.back() == 0) {
    return absl::NotFoundError(
        absl::StrCat(ConversationName(id), ": not found"));
  }
  return absl::OkStatus();
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
  if (conv->user_id() != user_id) {
    const SqlValue user[] = {SqlValue::Text(conv->user_id())};
    RETURN_IF_ERROR(c.Execute(ensure_user_, user).status());
  }
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
    PlanRun run, absl::string_view id) const {
  // ON DELETE CASCADE would do, but a store adopted from elsewhere may lack
  // it; deleting the messages first costs one indexed statement.
  Plan plan(Plan::Kind::kWrite);
  plan.Add(delete_messages_, TextParams(id));
  plan.Add(delete_conversation_, TextParams(id));
  IgnoreRows rows;
  ASSIGN_OR_RETURN(PlanChanges changed, run(plan, rows));
  return changed.back() > 0;
}

absl::StatusOr<int64_t> SqlRecords::CountConversations(
    PlanRun run, absl::string_view user_id,
    std::optional<absl::string_view> active_at) const {
  Plan plan(Plan::Kind::kAutocommit);
  if (!active_at.has_value()) {
    plan.Add(count_user_, TextParams(user_id));
  } else {
    SqlParams p = TextParams(user_id);
    p.Add(SqlValue::Text(*active_at));
    plan.Add(count_active_, std::move(p));
  }
  FirstInt reader;
  RETURN_IF_ERROR(run(plan, reader).status());
  return reader.value;
}

absl::StatusOr<Plan> SqlRecords::PutProfilePlan(const Profile& profile) const {
  Plan plan(Plan::Kind::kWrite);
  ASSIGN_OR_RETURN(SqlParams p, ProfileParams(profile));
  plan.Add(upsert_profile_, std::move(p));
  return plan;
}

absl::Status SqlRecords::PutProfile(PlanRun run, const Profile& profile) const {
  ASSIGN_OR_RETURN(Plan plan, PutProfilePlan(profile));
  IgnoreRows rows;
  return run(plan, rows).status();
}

absl::StatusOr<std::optional<Profile>> SqlRecords::GetProfile(
    PlanRun run, absl::string_view user_id) const {
  Plan plan(Plan::Kind::kAutocommit);
  plan.Add(select_profile_, TextParams(user_id));
  RecordsOf<Profile> reader(0, ProfileFromRow);
  RETURN_IF_ERROR(run(plan, reader).status());
  return std::move(reader).First();
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
  RETURN_IF_ERROR(PutProfile(RunOn(c), *profile));
  return *std::move(profile);
}

absl::StatusOr<Plan> SqlRecords::PutSubscriptionPlan(
    const Subscription& s) const {
  Plan plan(Plan::Kind::kWrite);
  plan.Add(ensure_user_, TextParams(s.user_id()));
  ASSIGN_OR_RETURN(SqlParams p, SubscriptionParams(s));
  plan.Add(upsert_subscription_, std::move(p));
  return plan;
}

absl::Status SqlRecords::PutSubscription(PlanRun run,
                                         const Subscription& s) const {
  ASSIGN_OR_RETURN(Plan plan, PutSubscriptionPlan(s));
  IgnoreRows rows;
  return run(plan, rows).status();
}

absl::StatusOr<std::optional<Subscription>> SqlRecords::ReadSubscription(
    SqlConnection& c, const std::string& sql, absl::string_view key) const {
  const SqlValue params[] = {SqlValue::Text(key)};
  return QueryOne<Subscription>(c, sql, params, SubscriptionFromRow);
}

absl::StatusOr<std::optional<Subscription>> SqlRecords::GetSubscription(
    PlanRun run, absl::string_view user_id) const {
  Plan plan(Plan::Kind::kAutocommit);
  plan.Add(select_subscription_, TextParams(user_id));
  RecordsOf<Subscription> reader(0, SubscriptionFromRow);
  RETURN_IF_ERROR(run(plan, reader).status());
  return std::move(reader).First();
}

absl::StatusOr<Subscription> SqlRecords::MutateSubscription(
    SqlConnection& c, Subscription subscription,
    Mutation<Subscription> mutate) const {
  RETURN_IF_ERROR(mutate(subscription));
  RETURN_IF_ERROR(PutSubscription(RunOn(c), subscription));
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

absl::StatusOr<StoreCounts> SqlRecords::Count(PlanRun run) const {
  Plan plan(Plan::Kind::kAutocommit);
  plan.Add(count_all_, SqlParams());
  class Reader : public PlanReader {
   public:
    absl::Status OnRow(int, const SqlRow& row) override {
      counts.profiles = row.Int64(0);
      counts.subscriptions = row.Int64(1);
      counts.conversations = row.Int64(2);
      counts.messages = row.Int64(3);
      return absl::OkStatus();
    }
    StoreCounts counts;
  } reader;
  RETURN_IF_ERROR(run(plan, reader).status());
  return reader.counts;
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
