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
//
// The SQL text for these rows (column lists, upserts) is in
// row_statements.h; how key_order and extra_json are written and read, in
// row_keys.h; which values a column cannot hold, in column_fit.h.
#ifndef PARLEY_BACKENDS_SQL_RECORD_ROWS_H_
#define PARLEY_BACKENDS_SQL_RECORD_ROWS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_params.h"
#include "proto/records.pb.h"

namespace parley {
namespace sql {

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

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_RECORD_ROWS_H_
