#include "backends/sql/sql_batch.h"

#include <algorithm>
#include <cstddef>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/substitute.h"
#include "backends/sql/record_rows.h"
#include "backends/sql/row_statements.h"
#include "backends/sql/sql_params.h"
#include "backends/sql/uuid.h"
#include "storage/status_macros.h"

namespace parley {
namespace sql {
namespace {

// SQLite's default SQLITE_MAX_VARIABLE_NUMBER since 3.32 (PostgreSQL allows
// 65535): no statement binds more parameters.
constexpr int kMaxParams = 32766;
// Rows per INSERT. Larger statements save little once a round trip carries
// hundreds of rows, and keep the statement text (about 25 KB at 256 rows of
// 15 columns) and the server's parse work modest.
constexpr int kMaxRows = 256;
// Bound bytes per INSERT: a chunk of large messages is split further, so one
// statement never carries more than this (PostgreSQL's limit is 1 GB).
constexpr size_t kMaxBytes = size_t{8} << 20;
// Ids per IN list.
constexpr int kMaxIds = 1024;
// Rows from which a connection's bulk copy (COPY on PostgreSQL) beats
// multi-row INSERTs: it costs a round trip more (the start of the copy),
// and parses no statement.
constexpr size_t kMinCopyRows = 32;

int PowerOfTwoAtMost(size_t n) {
  int p = 1;
  while (static_cast<size_t>(p) * 2 <= n) p *= 2;
  return p;
}

// `row` with every placeholder ?k renumbered ?(k + offset).
void AppendRenumbered(absl::string_view row, int offset, std::string* out) {
  for (size_t i = 0; i < row.size();) {
    if (row[i] != '?') {
      out->push_back(row[i++]);
      continue;
    }
    size_t j = i + 1;
    int n = 0;
    while (j < row.size() && absl::ascii_isdigit(row[j])) {
      n = n * 10 + (row[j++] - '0');
    }
    absl::StrAppend(out, "?", n + offset);
    i = j;
  }
}

// One table's multi-row statement: `head` ("INSERT INTO t (cols) VALUES "),
// then `rows` copies of `row` (placeholders ?1..?per_row, renumbered for
// each row), then `tail` (the ON CONFLICT clause), in the dialect's form.
struct RowStatement {
  std::string head;
  std::string row;
  std::string tail;
  int per_row = 0;

  std::string Sql(const SqlDialect& d, int rows) const {
    std::string out = head;
    for (int r = 0; r < rows; ++r) {
      absl::StrAppend(&out, r == 0 ? "(" : ", (");
      AppendRenumbered(row, r * per_row, &out);
      out.push_back(')');
    }
    out += tail;
    return d.Rewrite(out);
  }
};

RowStatement MakeRowStatement(const SqlDialect& d, absl::string_view table,
                              absl::string_view columns,
                              absl::string_view values,
                              absl::string_view tail) {
  RowStatement s;
  s.head = absl::StrCat("INSERT INTO ", table, " (", columns, ") VALUES ");
  s.row = absl::Substitute(values, d.now_expression);
  s.tail = std::string(tail);
  s.per_row = static_cast<int>(std::count(s.row.begin(), s.row.end(), '?'));
  return s;
}

size_t BoundBytes(const SqlParams& params) {
  size_t n = 0;
  for (const SqlValue& v : params.span()) n += v.text().size() + 8;
  return n;
}

// Appends the values of `row` to `values`; Internal when it does not hold
// the `per_row` values of its statement's columns.
absl::Status AppendRow(const SqlParams& row, int per_row,
                       std::vector<SqlValue>* values) {
  const absl::Span<const SqlValue> span = row.span();
  if (static_cast<int>(span.size()) != per_row) {
    return absl::InternalError(absl::StrCat("batch write: a row has ",
                                            span.size(), " values for ",
                                            per_row, " columns"));
  }
  values->insert(values->end(), span.begin(), span.end());
  return absl::OkStatus();
}

// Inserts `rows` with `statement`, as few statements as the limits allow.
absl::Status InsertRows(SqlConnection& c, const SqlDialect& d,
                        const RowStatement& statement,
                        const std::vector<SqlParams>& rows) {
  const int max_rows = PowerOfTwoAtMost(static_cast<size_t>(
      std::min(kMaxRows, kMaxParams / std::max(statement.per_row, 1))));
  std::vector<SqlValue> values;
  for (size_t i = 0; i < rows.size();) {
    int n = PowerOfTwoAtMost(
        std::min(static_cast<size_t>(max_rows), rows.size() - i));
    while (n > 1) {
      size_t bytes = 0;
      for (int k = 0; k < n; ++k) bytes += BoundBytes(rows[i + k]);
      if (bytes <= kMaxBytes) break;
      n /= 2;
    }
    values.clear();
    for (int k = 0; k < n; ++k) {
      RETURN_IF_ERROR(AppendRow(rows[i + k], statement.per_row, &values));
    }
    RETURN_IF_ERROR(c.Execute(statement.Sql(d, n), values).status());
    i += n;
  }
  return absl::OkStatus();
}

// Loads `rows` (each the `per_row` values of a RowStatement of `columns`)
// with the connection's bulk copy. A RowStatement's last column may be the
// dialect's "now" expression, which a copy cannot evaluate: it is read once
// (the transaction's time, as every row of the INSERT would get) and copied
// into each row.
absl::Status CopyRows(SqlConnection& c, const SqlDialect& d,
                      absl::string_view table, absl::string_view columns,
                      int per_row, const std::vector<SqlParams>& rows) {
  const int column_count =
      static_cast<int>(std::count(columns.begin(), columns.end(), ',')) + 1;
  std::string now;
  const bool with_now = column_count == per_row + 1;
  if (with_now) {
    RETURN_IF_ERROR(c.Execute(absl::StrCat("SELECT ", d.now_expression), {},
                              [&](const SqlRow& row) {
                                now = row.Text(0);
                                return absl::OkStatus();
                              })
                        .status());
  } else if (column_count != per_row) {
    return absl::InternalError(absl::StrCat(
        "batch copy: ", column_count, " columns for ", per_row, " values"));
  }
  std::vector<SqlValue> values;
  // One copy per at most kMaxRows * 16 rows, so the values stay modest.
  const size_t rows_per_copy = static_cast<size_t>(kMaxRows) * 16;
  for (size_t i = 0; i < rows.size(); i += rows_per_copy) {
    values.clear();
    for (size_t k = i; k < std::min(rows.size(), i + rows_per_copy); ++k) {
      RETURN_IF_ERROR(AppendRow(rows[k], per_row, &values));
      if (with_now) values.push_back(SqlValue::Text(now));
    }
    RETURN_IF_ERROR(c.CopyRows(table, columns, column_count, values));
  }
  return absl::OkStatus();
}

// Runs `head` + "(?1, ..., ?n)" + `tail` for the distinct `ids`, at most
// kMaxIds at a time, calling `on_row` for each row. An IN list is padded to
// a power of two by repeating its last id, which changes nothing but the
// statement text's length.
absl::Status ForIds(SqlConnection& c, const SqlDialect& d,
                    absl::string_view head, absl::string_view tail,
                    const std::vector<std::string>& ids,
                    absl::FunctionRef<absl::Status(const SqlRow&)> on_row) {
  std::vector<SqlValue> values;
  for (size_t i = 0; i < ids.size();) {
    const size_t n = std::min(ids.size() - i, static_cast<size_t>(kMaxIds));
    int padded = PowerOfTwoAtMost(n);
    if (static_cast<size_t>(padded) < n) padded *= 2;
    values.clear();
    std::string sql(head);
    sql.push_back('(');
    for (int k = 0; k < padded; ++k) {
      const std::string& id = ids[i + std::min(static_cast<size_t>(k), n - 1)];
      values.push_back(SqlValue::Text(id));
      absl::StrAppend(&sql, k == 0 ? "?" : ", ?", k + 1);
    }
    absl::StrAppend(&sql, ")", tail);
    RETURN_IF_ERROR(c.Execute(d.Rewrite(sql), values, on_row).status());
    i += n;
  }
  return absl::OkStatus();
}

// The records of `records` that no later record of the same id replaces, in
// their order: Put* called one after another keeps the last. (PostgreSQL
// also refuses a multi-row upsert that meets one key twice.)
template <typename Record, typename Key>
std::vector<const Record*> LastOfEachId(const std::vector<Record>& records,
                                        Key key) {
  absl::flat_hash_map<absl::string_view, size_t> last;
  for (size_t i = 0; i < records.size(); ++i) last[key(records[i])] = i;
  std::vector<const Record*> out;
  out.reserve(last.size());
  for (size_t i = 0; i < records.size(); ++i) {
    if (last[key(records[i])] == i) out.push_back(&records[i]);
  }
  return out;
}

std::vector<std::string> Distinct(const std::vector<std::string>& ids) {
  std::vector<std::string> out = ids;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

absl::Status SqlBatchRecords::PutBatch(SqlConnection& c,
                                       const RecordBatch& batch) const {
  const SqlDialect& d = dialect_;
  const auto profiles = LastOfEachId(
      batch.profiles,
      [](const Profile& p) -> absl::string_view { return p.user_id(); });
  const auto subscriptions = LastOfEachId(
      batch.subscriptions,
      [](const Subscription& s) -> absl::string_view { return s.user_id(); });
  const auto conversations = LastOfEachId(
      batch.conversations,
      [](const Conversation& c) -> absl::string_view { return c.id(); });

  std::vector<SqlParams> rows;
  if (!profiles.empty()) {
    rows.clear();
    rows.reserve(profiles.size());
    for (const Profile* p : profiles) {
      ASSIGN_OR_RETURN(SqlParams params, ProfileParams(*p));
      rows.push_back(std::move(params));
    }
    RETURN_IF_ERROR(InsertRows(
        c, d,
        MakeRowStatement(d, "users", kProfileInsertColumns,
                         kProfileInsertValues,
                         absl::StrCat(" ON CONFLICT (user_id) DO UPDATE SET ",
                                      kProfileUpdateSet)),
        rows));
  }

  // The rewrite's foreign keys want a users row for every subscription and
  // conversation; as SqlRecords::EnsureUser, a user without a profile gets a
  // stub marked has_profile = FALSE.
  absl::flat_hash_set<absl::string_view> users;
  for (const Profile* p : profiles) users.insert(p->user_id());
  std::vector<std::string> stubs;
  const auto need_user = [&](const std::string& user_id) {
    if (users.insert(user_id).second) stubs.push_back(user_id);
  };
  for (const Subscription* s : subscriptions) need_user(s->user_id());
  for (const Conversation* conv : conversations) need_user(conv->user_id());
  if (!stubs.empty()) {
    rows.clear();
    rows.reserve(stubs.size());
    for (const std::string& user_id : stubs) {
      SqlParams params;
      params.Add(SqlValue::Text(user_id));
      rows.push_back(std::move(params));
    }
    RETURN_IF_ERROR(InsertRows(
        c, d,
        MakeRowStatement(d, "users", "user_id, has_profile, updated_at",
                         "?1, FALSE, $0", " ON CONFLICT (user_id) DO NOTHING"),
        rows));
  }

  if (!subscriptions.empty()) {
    rows.clear();
    rows.reserve(subscriptions.size());
    for (const Subscription* s : subscriptions) {
      ASSIGN_OR_RETURN(SqlParams params, SubscriptionParams(*s));
      rows.push_back(std::move(params));
    }
    RETURN_IF_ERROR(InsertRows(
        c, d,
        MakeRowStatement(d, "subscriptions", kSubscriptionInsertColumns,
                         kSubscriptionInsertValues,
                         absl::StrCat(" ON CONFLICT (user_id) DO UPDATE SET ",
                                      kSubscriptionUpdateSet)),
        rows));
  }

  if (conversations.empty()) return absl::OkStatus();
  rows.clear();
  rows.reserve(conversations.size());
  std::vector<std::string> ids;
  ids.reserve(conversations.size());
  size_t message_count = 0;
  for (const Conversation* conv : conversations) {
    ASSIGN_OR_RETURN(SqlParams params, ConversationParams(*conv));
    rows.push_back(std::move(params));
    ids.push_back(conv->id());
    message_count += conv->messages_size();
  }
  RETURN_IF_ERROR(InsertRows(
      c, d,
      MakeRowStatement(d, "conversations", kConversationInsertColumns,
                       kConversationInsertValues,
                       absl::StrCat(" ON CONFLICT (id) DO UPDATE SET ",
                                    kConversationUpdateSet)),
      rows));
  // A replaced conversation's messages go, all of the batch's at once (ON
  // DELETE CASCADE is not used: an adopted store may lack it).
  RETURN_IF_ERROR(ForIds(c, d, "DELETE FROM messages WHERE conversation_id IN ",
                         "", Distinct(ids),
                         [](const SqlRow&) { return absl::OkStatus(); }));
  if (message_count == 0) return absl::OkStatus();
  rows.clear();
  rows.reserve(message_count);
  std::deque<std::string> message_ids;  // bound by reference; never moves
  for (const Conversation* conv : conversations) {
    for (int i = 0; i < conv->messages_size(); ++i) {
      message_ids.push_back(NewUuid());
      ASSIGN_OR_RETURN(
          SqlParams params,
          MessageParams(message_ids.back(), conv->id(), i, conv->messages(i)));
      rows.push_back(std::move(params));
    }
  }
  const RowStatement insert = MakeRowStatement(
      d, "messages", kMessageInsertColumns, kMessageInsertValues, "");
  if (c.SupportsCopy() && rows.size() >= kMinCopyRows) {
    return CopyRows(c, d, "messages", kMessageInsertColumns, insert.per_row,
                    rows);
  }
  return InsertRows(c, d, insert, rows);
}

absl::StatusOr<RecordBatch> SqlBatchRecords::GetBatch(
    SqlConnection& c, const RecordIds& ids) const {
  const SqlDialect& d = dialect_;
  RecordBatch out;
  if (!ids.profiles.empty()) {
    RETURN_IF_ERROR(ForIds(
        c, d,
        absl::StrCat("SELECT ", kProfileColumns,
                     " FROM users WHERE has_profile AND user_id IN "),
        "", Distinct(ids.profiles), [&](const SqlRow& row) -> absl::Status {
          ASSIGN_OR_RETURN(Profile p, ProfileFromRow(row));
          out.profiles.push_back(std::move(p));
          return absl::OkStatus();
        }));
  }
  if (!ids.subscriptions.empty()) {
    RETURN_IF_ERROR(
        ForIds(c, d,
               absl::StrCat("SELECT ", kSubscriptionColumns,
                            " FROM subscriptions WHERE user_id IN "),
               "", Distinct(ids.subscriptions),
               [&](const SqlRow& row) -> absl::Status {
                 ASSIGN_OR_RETURN(Subscription s, SubscriptionFromRow(row));
                 out.subscriptions.push_back(std::move(s));
                 return absl::OkStatus();
               }));
  }
  if (ids.conversations.empty()) return out;
  RETURN_IF_ERROR(ForIds(
      c, d,
      absl::StrCat("SELECT ", kConversationColumns,
                   " FROM conversations WHERE id IN "),
      "", Distinct(ids.conversations), [&](const SqlRow& row) -> absl::Status {
        ASSIGN_OR_RETURN(Conversation conv, ConversationFromRow(row));
        out.conversations.push_back(std::move(conv));
        return absl::OkStatus();
      }));
  if (out.conversations.empty()) return out;
  absl::flat_hash_map<std::string, Conversation*> by_id;
  std::vector<std::string> found;
  for (Conversation& conv : out.conversations) {
    by_id[conv.id()] = &conv;
    found.push_back(conv.id());
  }
  // Column 8, after the MessageFromRow columns, says whose message it is;
  // position order within each conversation is the order appended.
  RETURN_IF_ERROR(ForIds(
      c, d,
      absl::StrCat("SELECT ", kMessageColumns,
                   ", conversation_id FROM messages WHERE conversation_id IN "),
      " ORDER BY conversation_id, position", found,
      [&](const SqlRow& row) -> absl::Status {
        auto it = by_id.find(row.Text(8));
        if (it == by_id.end()) {
          return absl::InternalError(
              "batch read: a message of a conversation not asked for");
        }
        ASSIGN_OR_RETURN(*it->second->add_messages(), MessageFromRow(row));
        return absl::OkStatus();
      }));
  return out;
}

}  // namespace sql
}  // namespace parley
