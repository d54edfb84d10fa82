#include "backends/sql/schema.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "backends/sql/record_rows.h"
#include "backends/sql/row_statements.h"
#include "backends/sql/sql_params.h"
#include "storage/json_value.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"
#include "storage/status_util.h"
#include "storage/timestamp.h"

namespace parley {
namespace sql {
namespace {

// The rewrite's tables, as its SQLAlchemy models created them. Both
// dialects accept these type names; SQLite stores what it is given.
constexpr char kVersion1Tables[] = R"sql(
CREATE TABLE users (
  user_id VARCHAR(255) NOT NULL PRIMARY KEY,
  email VARCHAR(255),
  gender VARCHAR(50),
  age_range VARCHAR(50),
  mood VARCHAR(50),
  profile_locked BOOLEAN,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);
CREATE TABLE subscriptions (
  user_id VARCHAR(255) NOT NULL PRIMARY KEY
      REFERENCES users (user_id) ON DELETE CASCADE,
  tier VARCHAR(50),
  status VARCHAR(50),
  stripe_customer_id VARCHAR(255),
  stripe_subscription_id VARCHAR(255),
  current_period_end TIMESTAMP,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);
CREATE INDEX ix_subscriptions_stripe_customer_id
    ON subscriptions (stripe_customer_id);
CREATE INDEX ix_subscriptions_stripe_subscription_id
    ON subscriptions (stripe_subscription_id);
CREATE TABLE conversations (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  user_id VARCHAR(255) NOT NULL REFERENCES users (user_id),
  title VARCHAR(500),
  starred BOOLEAN,
  expires_at TIMESTAMP,
  report_cycle INTEGER DEFAULT 1,
  has_follow_up BOOLEAN,
  follow_up_answers TEXT,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
);
CREATE INDEX idx_user_created ON conversations (user_id, created_at);
CREATE INDEX idx_user_starred ON conversations (user_id, starred);
CREATE TABLE messages (
  id VARCHAR(36) NOT NULL PRIMARY KEY,
  conversation_id VARCHAR(36) NOT NULL
      REFERENCES conversations (id) ON DELETE CASCADE,
  role VARCHAR(20),
  content TEXT,
  stage1 JSON,
  stage2 JSON,
  stage3 JSON,
  metadata JSON,
  created_at TIMESTAMP
);
CREATE INDEX idx_conversation_created ON messages (conversation_id, created_at);
)sql";

constexpr char kVersionTable[] = R"sql(
CREATE TABLE parley_schema_version (
  version INTEGER NOT NULL PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at TIMESTAMP
);
)sql";

// Parley's columns on the three record tables. is_visible and has_profile
// default to TRUE so that adopted rows (visible conversations, real
// profiles) need no backfill for them; Parley itself always writes them.
constexpr char kVersion2Columns[] = R"sql(
ALTER TABLE users ADD COLUMN has_profile BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN profile_json TEXT;
ALTER TABLE users ADD COLUMN created_at_text TEXT;
ALTER TABLE users ADD COLUMN extra_json TEXT;
ALTER TABLE users ADD COLUMN key_order TEXT;
ALTER TABLE subscriptions ADD COLUMN current_period_end_text TEXT;
ALTER TABLE subscriptions ADD COLUMN created_at_text TEXT;
ALTER TABLE subscriptions ADD COLUMN updated_at_text TEXT;
ALTER TABLE subscriptions ADD COLUMN extra_json TEXT;
ALTER TABLE subscriptions ADD COLUMN key_order TEXT;
ALTER TABLE conversations ADD COLUMN is_visible BOOLEAN DEFAULT TRUE;
ALTER TABLE conversations ADD COLUMN created_at_text TEXT;
ALTER TABLE conversations ADD COLUMN expires_at_text TEXT;
ALTER TABLE conversations ADD COLUMN extra_json TEXT;
ALTER TABLE conversations ADD COLUMN key_order TEXT;
)sql";

// Columns whose declared size the contract outgrows (ids up to 255 bytes,
// any title, any role), for dialects that enforce declared sizes.
struct Widening {
  const char* table;
  const char* column;
  const char* type;
};
constexpr Widening kVersion2Widenings[] = {
    {"conversations", "id", "VARCHAR(255)"},
    {"messages", "conversation_id", "VARCHAR(255)"},
    {"conversations", "title", "TEXT"},
    {"conversations", "report_cycle", "BIGINT"},
    {"messages", "role", "TEXT"},
    {"users", "email", "TEXT"},
    {"users", "gender", "TEXT"},
    {"users", "age_range", "TEXT"},
    {"users", "mood", "TEXT"},
    {"subscriptions", "tier", "TEXT"},
    {"subscriptions", "status", "TEXT"},
    {"subscriptions", "stripe_customer_id", "TEXT"},
    {"subscriptions", "stripe_subscription_id", "TEXT"},
};

// $0: the dialect's BIGINT.
constexpr char kVersion3Columns[] = R"sql(
ALTER TABLE messages ADD COLUMN position $0;
ALTER TABLE messages ADD COLUMN extra_json TEXT;
ALTER TABLE messages ADD COLUMN key_order TEXT;
)sql";

// The rewrite ordered messages by created_at; equal timestamps fall back on
// the id, which is the best order left to recover. Both dialects run
// UPDATE ... FROM with a window function.
constexpr char kVersion3Positions[] = R"sql(
UPDATE messages SET position = ranked.pos
FROM (SELECT id, ROW_NUMBER() OVER (
          PARTITION BY conversation_id ORDER BY created_at, id) - 1 AS pos
      FROM messages) AS ranked
WHERE messages.id = ranked.id;
CREATE UNIQUE INDEX idx_messages_conversation_position
    ON messages (conversation_id, position);
)sql";

constexpr int kBatch = 500;

absl::StatusOr<bool> TableExists(SqlConnection& c, const SqlDialect& d,
                                 absl::string_view table) {
  bool found = false;
  const SqlValue params[] = {SqlValue::Text(table)};
  RETURN_IF_ERROR(
      c.Execute(d.Rewrite(d.table_exists_query), params, [&](const SqlRow&) {
         found = true;
         return absl::OkStatus();
       }).status());
  return found;
}

absl::StatusOr<int> ReadStoredVersion(SqlConnection& c, const SqlDialect& d) {
  ASSIGN_OR_RETURN(bool versioned, TableExists(c, d, "parley_schema_version"));
  if (versioned) {
    int version = 0;
    RETURN_IF_ERROR(c.Execute("SELECT MAX(version) FROM parley_schema_version",
                              {},
                              [&](const SqlRow& row) {
                                if (!row.IsNull(0)) version = row.Int64(0);
                                return absl::OkStatus();
                              })
                        .status());
    if (version > 0) return version;
  }
  int found = 0;
  for (absl::string_view table :
       {"users", "subscriptions", "conversations", "messages"}) {
    ASSIGN_OR_RETURN(bool exists, TableExists(c, d, table));
    found += exists ? 1 : 0;
  }
  if (found == 4) return -1;
  if (found == 0) return 0;
  return absl::FailedPreconditionError(
      "schema: the store has only some of the tables users, subscriptions, "
      "conversations and messages; it is neither empty nor a store Parley "
      "can adopt");
}

std::string Description(int version, int stored) {
  switch (version) {
    case 1:
      return stored < 0 ? "adopt the original application's tables (users, "
                          "subscriptions, conversations, messages)"
                        : "create tables users, subscriptions, conversations, "
                          "messages";
    case 2:
      return "add exact timestamps, extra keys, key order, "
             "conversations.is_visible and users.has_profile";
    case 3:
      return "add messages.position, extra keys and key order";
  }
  return "unknown";
}

void NullKey(absl::string_view key,
             google::protobuf::RepeatedPtrField<JsonField>* extra) {
  JsonField* field = extra->Add();
  field->set_key(std::string(key));
  field->set_json("null");
}

// A payload column of the rewrite as Parley's canonical compact JSON; text
// that is not JSON becomes a JSON string, so nothing is lost.
std::string CanonicalPayload(const std::string& text) {
  absl::StatusOr<JsonValue> value = ParseJson(text);
  return WriteCompactJson(value.ok() ? *value : JsonValue::String(text));
}

// Runs `select` (keyset-paginated on column 0 through ?1) in batches, turns
// each row into a record with `from_row`, then stores every record of the
// batch with `upsert` and `params`. Batches keep no statement open while
// writing, which libpq needs.
template <typename Record, typename FromRow, typename Params>
absl::Status Backfill(SqlConnection& c, const std::string& select,
                      const std::string& upsert, FromRow from_row,
                      Params params) {
  std::string last;
  while (true) {
    std::vector<std::pair<std::string, Record>> batch;
    const SqlValue args[] = {SqlValue::Text(last)};
    RETURN_IF_ERROR(c.Execute(select, args, [&](const SqlRow& row) {
                       batch.emplace_back(row.Text(0), from_row(row));
                       return absl::OkStatus();
                     }).status());
    for (const auto& [key, record] : batch) {
      ASSIGN_OR_RETURN(SqlParams p, params(record));
      RETURN_IF_ERROR(c.Execute(upsert, p.span()).status());
    }
    if (static_cast<int>(batch.size()) < kBatch) return absl::OkStatus();
    last = batch.back().first;
  }
}

std::string BatchSelect(const SqlDialect& d, absl::string_view columns,
                        absl::string_view table, absl::string_view key) {
  return d.Rewrite(absl::StrCat("SELECT ", columns, " FROM ", table, " WHERE ",
                                key, d.byte_order_collation, " > ?1 ORDER BY ",
                                key, d.byte_order_collation, " LIMIT ",
                                kBatch));
}

Profile LegacyProfile(const SqlRow& row) {
  Profile p;
  p.set_user_id(row.Text(0));
  for (const char* key :
       {"user_id", "email", "profile", "created_at", "profile_locked"}) {
    p.add_key_order(key);
  }
  if (row.IsNull(1)) NullKey("email", p.mutable_extra());
  p.set_email(row.Text(1));
  JsonValue profile = JsonValue::Object();
  const char* const kFields[] = {"gender", "age_range", "mood"};
  for (int i = 0; i < 3; ++i) {
    profile.Set(kFields[i], row.IsNull(2 + i)
                                ? JsonValue::Null()
                                : JsonValue::String(row.Text(2 + i)));
  }
  p.set_profile_json(WriteCompactJson(profile));
  if (row.IsNull(5)) {
    NullKey("profile_locked", p.mutable_extra());
  } else {
    p.set_profile_locked(row.Bool(5));
  }
  if (row.IsNull(6)) NullKey("created_at", p.mutable_extra());
  p.set_created_at(IsoformatTimestamp(row.Text(6)));
  return p;
}

Subscription LegacySubscription(const SqlRow& row) {
  Subscription s;
  s.set_user_id(row.Text(0));
  for (const char* key : {"user_id", "tier", "status", "stripe_subscription_id",
                          "current_period_end", "created_at", "updated_at"}) {
    s.add_key_order(key);
  }
  if (row.IsNull(1)) NullKey("tier", s.mutable_extra());
  s.set_tier(row.Text(1));
  if (row.IsNull(2)) NullKey("status", s.mutable_extra());
  s.set_status(row.Text(2));
  if (!row.IsNull(4)) s.set_stripe_subscription_id(row.Text(4));
  if (!row.IsNull(5)) s.set_current_period_end(IsoformatTimestamp(row.Text(5)));
  if (row.IsNull(6)) NullKey("created_at", s.mutable_extra());
  s.set_created_at(IsoformatTimestamp(row.Text(6)));
  if (row.IsNull(7)) NullKey("updated_at", s.mutable_extra());
  s.set_updated_at(IsoformatTimestamp(row.Text(7)));
  // The rewrite kept the Stripe customer in a column; in the record it is
  // the key Stripe updates add.
  if (!row.IsNull(3)) {
    s.add_key_order("stripe_customer_id");
    JsonField* field = s.add_extra();
    field->set_key("stripe_customer_id");
    field->set_json(WriteCompactJson(JsonValue::String(row.Text(3))));
  }
  return s;
}

Conversation LegacyConversation(const SqlRow& row) {
  Conversation c;
  c.set_id(row.Text(0));
  c.set_user_id(row.Text(1));
  for (const char* key : {"id", "user_id", "created_at", "title", "starred",
                          "messages", "report_cycle", "has_follow_up",
                          "follow_up_answers", "is_visible", "expires_at"}) {
    c.add_key_order(key);
  }
  if (row.IsNull(8)) NullKey("created_at", c.mutable_extra());
  c.set_created_at(IsoformatTimestamp(row.Text(8)));
  // The rewrite stored the default title as NULL and showed it as this.
  c.set_title(row.IsNull(2) ? std::string(kDefaultConversationTitle)
                            : row.Text(2));
  if (row.IsNull(3)) NullKey("starred", c.mutable_extra());
  c.set_starred(!row.IsNull(3) && row.Bool(3));
  if (row.IsNull(5)) NullKey("report_cycle", c.mutable_extra());
  c.set_report_cycle(row.IsNull(5) ? 0 : row.Int64(5));
  if (row.IsNull(6)) NullKey("has_follow_up", c.mutable_extra());
  c.set_has_follow_up(!row.IsNull(6) && row.Bool(6));
  if (!row.IsNull(7))
    c.set_follow_up_answers_json(CanonicalPayload(row.Text(7)));
  // The rewrite had no is_visible: every conversation it kept was shown.
  c.set_is_visible(true);
  if (!row.IsNull(4)) c.set_expires_at(IsoformatTimestamp(row.Text(4)));
  return c;
}

struct LegacyMessage {
  std::string id;
  std::string conversation_id;
  int64_t position = 0;
  Message message;
};

LegacyMessage ReadLegacyMessage(const SqlRow& row) {
  LegacyMessage m;
  m.id = row.Text(0);
  m.conversation_id = row.Text(1);
  m.position = row.Int64(2);
  Message& msg = m.message;
  msg.add_key_order("role");
  if (row.IsNull(3)) NullKey("role", msg.mutable_extra());
  msg.set_role(row.Text(3));
  if (!row.IsNull(4)) {
    msg.add_key_order("content");
    msg.set_content(row.Text(4));
  }
  const char* const kPayloads[] = {"stage1", "stage2", "stage3", "metadata"};
  void (Message::*const kSetters[])(const std::string&) = {
      &Message::set_stage1_json, &Message::set_stage2_json,
      &Message::set_stage3_json, &Message::set_metadata_json};
  for (int i = 0; i < 4; ++i) {
    if (row.IsNull(5 + i)) continue;
    msg.add_key_order(kPayloads[i]);
    (msg.*kSetters[i])(CanonicalPayload(row.Text(5 + i)));
  }
  return m;
}

absl::Status MigrateTo1(SqlConnection& c, const SqlDialect& d, int stored) {
  if (stored == 0) RETURN_IF_ERROR(c.ExecuteScript(kVersion1Tables));
  return c.ExecuteScript(kVersionTable);
}

absl::Status MigrateTo2(SqlConnection& c, const SqlDialect& d, int) {
  RETURN_IF_ERROR(c.ExecuteScript(kVersion2Columns));
  if (!d.alter_column_type.empty()) {
    for (const Widening& w : kVersion2Widenings) {
      RETURN_IF_ERROR(c.ExecuteScript(
          absl::Substitute(d.alter_column_type, w.table, w.column, w.type)));
    }
  }
  RETURN_IF_ERROR(Backfill<Profile>(
      c,
      BatchSelect(d,
                  "user_id, email, gender, age_range, mood, profile_locked, "
                  "created_at",
                  "users", "user_id"),
      ProfileUpsertSql(d), LegacyProfile, ProfileParams));
  RETURN_IF_ERROR(Backfill<Subscription>(
      c,
      BatchSelect(d,
                  "user_id, tier, status, stripe_customer_id, "
                  "stripe_subscription_id, current_period_end, created_at, "
                  "updated_at",
                  "subscriptions", "user_id"),
      SubscriptionUpsertSql(d), LegacySubscription, SubscriptionParams));
  return Backfill<Conversation>(
      c,
      BatchSelect(d,
                  "id, user_id, title, starred, expires_at, report_cycle, "
                  "has_follow_up, follow_up_answers, created_at",
                  "conversations", "id"),
      ConversationUpsertSql(d), LegacyConversation, ConversationParams);
}

absl::Status MigrateTo3(SqlConnection& c, const SqlDialect& d, int) {
  RETURN_IF_ERROR(
      c.ExecuteScript(absl::Substitute(kVersion3Columns, d.bigint_type)));
  RETURN_IF_ERROR(c.ExecuteScript(kVersion3Positions));
  return Backfill<LegacyMessage>(
      c,
      BatchSelect(d,
                  "id, conversation_id, position, role, content, stage1, "
                  "stage2, stage3, metadata",
                  "messages", "id"),
      MessageUpsertSql(d), ReadLegacyMessage, [](const LegacyMessage& m) {
        return MessageParams(m.id, m.conversation_id, m.position, m.message);
      });
}

using MigrationFn = absl::Status (*)(SqlConnection&, const SqlDialect&, int);
constexpr MigrationFn kMigrations[kCodeSchemaVersion] = {MigrateTo1, MigrateTo2,
                                                         MigrateTo3};

absl::Status NewerThanCode(int stored) {
  return absl::FailedPreconditionError(
      absl::StrCat("schema version ", stored, " is newer than this code (",
                   kCodeSchemaVersion, "); use a newer Parley"));
}

// One migration step in its own transaction. Sets `*done` when the store
// is at the code's version.
absl::Status Step(SqlConnection& c, const SqlDialect& d, bool* done) {
  RETURN_IF_ERROR(c.Begin(TransactionMode::kWrite));
  if (!d.schema_lock_statement.empty()) {
    RETURN_IF_ERROR(c.Execute(d.schema_lock_statement, {}).status());
  }
  // Re-read under the lock: another process may have migrated meanwhile.
  ASSIGN_OR_RETURN(int stored, ReadStoredVersion(c, d));
  if (stored > kCodeSchemaVersion) return NewerThanCode(stored);
  if (stored == kCodeSchemaVersion) {
    *done = true;
    return c.Rollback();
  }
  const int next = stored <= 0 ? 1 : stored + 1;
  const std::string description = Description(next, stored);
  RETURN_IF_ERROR(Annotate(
      kMigrations[next - 1](c, d, stored),
      absl::StrCat("schema migration ", next, " (", description, ")")));
  const SqlValue params[] = {SqlValue::Int64(next),
                             SqlValue::Text(description)};
  RETURN_IF_ERROR(
      c.Execute(d.Rewrite(absl::StrCat(
                    "INSERT INTO parley_schema_version (version, description, "
                    "applied_at) VALUES (?1, ?2, ",
                    d.now_expression, ")")),
                params)
          .status());
  return c.Commit();
}

}  // namespace

absl::StatusOr<SchemaStatus> ReadSchemaStatus(SqlConnection& connection,
                                              const SqlDialect& dialect) {
  SchemaStatus status;
  ASSIGN_OR_RETURN(status.stored_version,
                   ReadStoredVersion(connection, dialect));
  status.code_version = kCodeSchemaVersion;
  for (int v = std::max(1, status.stored_version + 1); v <= kCodeSchemaVersion;
       ++v) {
    status.pending.push_back(
        absl::StrCat(v, ": ", Description(v, status.stored_version)));
  }
  return status;
}

absl::StatusOr<SchemaStatus> UpgradeSchema(SqlConnection& connection,
                                           const SqlDialect& dialect) {
  bool done = false;
  while (!done) {
    absl::Status step = Step(connection, dialect, &done);
    if (!step.ok()) {
      connection.Rollback().IgnoreError();  // `step` is the error to report
      return step;
    }
  }
  return ReadSchemaStatus(connection, dialect);
}

}  // namespace sql
}  // namespace parley
