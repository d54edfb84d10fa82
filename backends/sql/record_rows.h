// Records <-> table rows, shared by every SQL dialect.
//
// Each record kind has one row; its messages have one row each. A column the
// contract names holds the record's typed value when that key is present and
// typed (listed in key_order and not in extra), else NULL, so the rewrite's
// columns mean what they say and a NULL reads back as "absent". Two columns
// per table make every record read back exactly as written (see
// proto/records.proto): `key_order`, a JSON array of the record's keys in
// order (the canonical order when the record gave none), and `extra_json`, a
// JSON object of the keys held in `extra`. Timestamps keep their exact text in
// `*_text` columns; the rewrite's TIMESTAMP columns get the same text when it
// is an isoformat() timestamp, else NULL.
#ifndef PARLEY_BACKENDS_SQL_RECORD_ROWS_H_
#define PARLEY_BACKENDS_SQL_RECORD_ROWS_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_dialect.h"
#include "proto/records.pb.h"

namespace parley {
namespace sql {

// Parameters for one statement. The texts they reference are owned here, so
// a SqlParams can be built, moved and then executed.
//
// Move-only: a copy's values would still point into the original's texts.
// (Deleting the copy also makes std::vector move, not copy, SqlParams when
// it grows, although std::deque's move constructor is not noexcept.)
class SqlParams {
 public:
  SqlParams() { values_.reserve(16); }  // as many as a record's statement
  SqlParams(SqlParams&&) = default;
  SqlParams& operator=(SqlParams&&) = default;
  SqlParams(const SqlParams&) = delete;
  SqlParams& operator=(const SqlParams&) = delete;
  SqlParams& Add(SqlValue value) {
    values_.push_back(value);
    return *this;
  }
  // Binds a copy of `text`, owned by this object.
  SqlParams& AddOwnedText(std::string text, bool json = false);
  SqlParams& AddOptionalOwnedText(bool has, std::string text) {
    return has ? AddOwnedText(std::move(text)) : Add(SqlValue::Null());
  }
  // Keeps `owner`, which values added here view, alive as long as these
  // parameters.
  SqlParams& Keep(std::shared_ptr<const void> owner) {
    kept_.push_back(std::move(owner));
    return *this;
  }
  absl::Span<const SqlValue> span() const { return values_; }

 private:
  std::deque<std::string> owned_;  // a deque never moves its elements
  std::vector<std::shared_ptr<const void>> kept_;
  std::vector<SqlValue> values_;
};

// SELECT column lists, in the order the *FromRow functions read them.
extern const char kConversationColumns[];
extern const char kMessageColumns[];
extern const char kProfileColumns[];
extern const char kSubscriptionColumns[];

// INSERT column lists and their parameter lists (?1 ...), in the order the
// *Params functions fill them.
extern const char kConversationInsertColumns[];
extern const char kConversationInsertValues[];
extern const char kConversationUpdateSet[];  // "col = excluded.col, ..."
extern const char kMessageInsertColumns[];
extern const char kMessageInsertValues[];
extern const char kProfileInsertColumns[];
extern const char kProfileInsertValues[];
extern const char kProfileUpdateSet[];
extern const char kSubscriptionInsertColumns[];
extern const char kSubscriptionInsertValues[];
extern const char kSubscriptionUpdateSet[];

// The upserts that store a whole row (INSERT ... ON CONFLICT DO UPDATE), in
// the dialect's form, taking the *Params of the record.
std::string ConversationUpsertSql(const SqlDialect& dialect);
std::string ProfileUpsertSql(const SqlDialect& dialect);
std::string SubscriptionUpsertSql(const SqlDialect& dialect);
// Plain inserts: a taken id is an error.
std::string ConversationInsertSql(const SqlDialect& dialect);
std::string MessageInsertSql(const SqlDialect& dialect);
// Rewrites a message in place (the adoption backfill); keeps position and
// created_at.
std::string MessageUpsertSql(const SqlDialect& dialect);

// Rows -> records. DataLoss when key_order or extra_json is not what Parley
// writes there.
absl::StatusOr<Conversation> ConversationFromRow(const SqlRow& row);
absl::StatusOr<Message> MessageFromRow(const SqlRow& row);
absl::StatusOr<Profile> ProfileFromRow(const SqlRow& row);
absl::StatusOr<Subscription> SubscriptionFromRow(const SqlRow& row);
// A conversation row (kConversationColumns, then its message count in
// `count_column`) as the summary SummarizeConversation makes of
// ConversationFromRow's record.
absl::StatusOr<ConversationSummary> ConversationSummaryFromRow(
    const SqlRow& row, int count_column);

// Records -> INSERT parameters (`now_expression` is spliced in by the
// statement, not here). InvalidArgument when an extra value is not JSON.
absl::StatusOr<SqlParams> ConversationParams(const Conversation& conversation);
// `message_id` (copied) is the row's primary key, `position` its place;
// the other values view `conversation_id` and `message`.
absl::StatusOr<SqlParams> MessageParams(absl::string_view message_id,
                                        absl::string_view conversation_id,
                                        int64_t position,
                                        const Message& message);
absl::StatusOr<SqlParams> ProfileParams(const Profile& profile);
absl::StatusOr<SqlParams> SubscriptionParams(const Subscription& subscription);

// True for "2025-12-04T10:11:12[.ffffff]" (or a space for the "T"): the text
// the rewrite's TIMESTAMP columns can hold.
bool IsIsoTimestamp(absl::string_view text);

// A timestamp column's text as datetime.isoformat() writes it: "T" between
// date and time, microseconds padded to six digits and dropped when zero, a
// time zone suffix removed. Text that is not a timestamp comes back as is.
std::string IsoformatTimestamp(absl::string_view text);

// A random version 4 UUID from the kernel's generator (safe across fork(),
// unlike a generator seeded once per process).
std::string NewUuid();

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_RECORD_ROWS_H_
