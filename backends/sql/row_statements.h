// The SQL text that reads and writes record rows (record_rows.h): column
// lists in the order the *FromRow functions read them and the *Params
// functions fill them, and the statements built from them.
#ifndef PARLEY_BACKENDS_SQL_ROW_STATEMENTS_H_
#define PARLEY_BACKENDS_SQL_ROW_STATEMENTS_H_

#include <string>

#include "backends/sql/sql_dialect.h"

namespace parley {
namespace sql {

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

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_ROW_STATEMENTS_H_
