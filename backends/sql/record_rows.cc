#include "backends/sql/record_rows.h"

#include <sys/random.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "google/protobuf/repeated_field.h"
#include "storage/json_value.h"
#include "storage/record_json.h"
#include "storage/status_macros.h"
#include "storage/utf8.h"

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

SqlParams& SqlParams::AddOwnedText(std::string text, bool json) {
  owned_.push_back(std::move(text));
  return Add(json ? SqlValue::Json(owned_.back())
                  : SqlValue::Text(owned_.back()));
}

namespace {

using Extras = google::protobuf::RepeatedPtrField<JsonField>;
using KeyOrder = google::protobuf::RepeatedPtrField<std::string>;

// A set of keys in insertion order: a plain list while it is small (records
// have a dozen keys), indexed by a hash set once it grows.
class KeySet {
 public:
  bool contains(absl::string_view key) const {
    if (!index_.empty()) return index_.contains(key);
    return std::find(list_.begin(), list_.end(), key) != list_.end();
  }
  // Adds `key`; false when it was there already.
  bool insert(absl::string_view key) {
    if (contains(key)) return false;
    list_.push_back(key);
    if (!index_.empty()) {
      index_.insert(key);
    } else if (list_.size() > kIndexFrom) {
      index_.insert(list_.begin(), list_.end());
    }
    return true;
  }
  const absl::InlinedVector<absl::string_view, 16>& list() const {
    return list_;
  }

 private:
  static constexpr size_t kIndexFrom = 16;
  absl::InlinedVector<absl::string_view, 16> list_;
  absl::flat_hash_set<absl::string_view> index_;
};

// Which keys a record holds and where, as storage/record_json.cc writes it:
// its key_order (or the canonical keys when that is empty), then any extra
// key not yet listed. Views into the record and `canonical`, which must
// outlive it.
class RecordKeys {
 public:
  RecordKeys(const KeyOrder& key_order,
             const std::vector<std::string>& canonical, const Extras& extra) {
    if (key_order.empty()) {
      for (const std::string& key : canonical) listed_.insert(key);
    } else {
      for (const std::string& key : key_order) listed_.insert(key);
    }
    for (const JsonField& field : extra) {
      listed_.insert(field.key());
      in_extra_.insert(field.key());
    }
  }

  // Present with its typed value (listed, not held in extra).
  bool Typed(absl::string_view key) const {
    return listed_.contains(key) && !in_extra_.contains(key);
  }
  const absl::InlinedVector<absl::string_view, 16>& keys() const {
    return listed_.list();
  }

 private:
  KeySet listed_;
  KeySet in_extra_;
};

// True for a key whose JSON string is its bytes in quotes: printable ASCII
// but for `"` and `\\` (what ReadPlainKeyOrder reads back).
bool IsPlainKey(absl::string_view key) {
  for (char ch : key) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') return false;
  }
  return true;
}

// The keys as a compact JSON array of strings, as WriteCompactJson writes it.
std::string EncodeKeyOrder(const RecordKeys& keys) {
  std::string out = "[";
  for (absl::string_view key : keys.keys()) {
    if (out.size() > 1) out.push_back(',');
    if (IsPlainKey(key)) {
      out.push_back('"');
      out.append(key.data(), key.size());
      out.push_back('"');
    } else {
      out += WriteCompactJson(JsonValue::String(std::string(key)));
    }
  }
  out.push_back(']');
  return out;
}

// The extra keys as one JSON object in key order; NULL when there are none.
absl::Status AddExtraJson(const Extras& extra, const RecordKeys& keys,
                          absl::string_view record_name, SqlParams* params) {
  if (extra.empty()) {
    params->Add(SqlValue::Null());
    return absl::OkStatus();
  }
  JsonValue object = JsonValue::Object();
  for (absl::string_view key : keys.keys()) {
    for (const JsonField& field : extra) {
      if (field.key() != key) continue;
      absl::StatusOr<JsonValue> value = ParseJson(field.json());
      if (!value.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(record_name, ": key \"", key, "\" is not valid JSON (",
                         value.status().message(), ")"));
      }
      object.Set(key, *std::move(value));
    }
  }
  params->AddOwnedText(WriteCompactJson(object));
  return absl::OkStatus();
}

// Reads a key_order text in the form EncodeKeyOrder writes for plain keys: a
// compact JSON array of strings of printable ASCII with no escape. These
// read as their bytes, so no JSON value is built; anything else (an escape,
// white space, another value) is left to ParseJson: false.
bool ReadPlainKeyOrder(absl::string_view text,
                       absl::InlinedVector<absl::string_view, 16>* keys) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') {
    return false;
  }
  if (text.size() == 2) return true;  // []
  size_t pos = 1;
  while (true) {
    if (pos >= text.size() || text[pos] != '"') return false;
    const size_t start = ++pos;
    while (pos < text.size()) {
      const unsigned char c = static_cast<unsigned char>(text[pos]);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7F) break;
      ++pos;
    }
    if (pos >= text.size() || text[pos] != '"') return false;
    keys->push_back(text.substr(start, pos - start));
    ++pos;
    if (pos >= text.size()) return false;
    if (text[pos] == ']') return pos + 1 == text.size();
    if (text[pos] != ',') return false;
    ++pos;
  }
}

// Reads the key_order and extra_json columns into the record. `name` gives
// the record's name for an error message (built only then).
template <typename Record, typename NameFn>
absl::Status ReadKeys(const SqlRow& row, int extra_column, int order_column,
                      NameFn name, Record* record) {
  const auto corrupt = [&](absl::string_view column, const absl::Status& s) {
    return absl::DataLossError(absl::StrCat(
        name(), ": column ", column, " is unreadable (", s.message(), ")"));
  };
  std::string scratch;
  if (!row.IsNull(order_column)) {
    const absl::string_view text = row.TextView(order_column, &scratch);
    absl::InlinedVector<absl::string_view, 16> plain;
    if (ReadPlainKeyOrder(text, &plain)) {
      record->mutable_key_order()->Reserve(static_cast<int>(plain.size()));
      for (absl::string_view key : plain) {
        record->add_key_order(key.data(), key.size());
      }
    } else {
      absl::StatusOr<JsonValue> order = ParseJson(text);
      if (!order.ok()) return corrupt("key_order", order.status());
      if (!order->is_array()) {
        return corrupt("key_order", absl::InvalidArgumentError("not an array"));
      }
      for (const JsonValue& key : order->array()) {
        if (!key.is_string()) {
          return corrupt("key_order",
                         absl::InvalidArgumentError("a key is not a string"));
        }
        record->add_key_order(key.string_value());
      }
    }
  }
  if (!row.IsNull(extra_column)) {
    const absl::string_view text = row.TextView(extra_column, &scratch);
    if (text == "{}") return absl::OkStatus();  // no extra key
    absl::StatusOr<JsonValue> extra = ParseJson(text);
    if (!extra.ok()) return corrupt("extra_json", extra.status());
    if (!extra->is_object()) {
      return corrupt("extra_json", absl::InvalidArgumentError("not an object"));
    }
    for (const JsonValue::Member& member : extra->members()) {
      JsonField* field = record->add_extra();
      field->set_key(member.first);
      field->set_json(WriteCompactJson(member.second));
    }
  }
  return absl::OkStatus();
}

// ---- Values a column cannot hold ----
//
// PostgreSQL's text refuses a NUL byte and anything that is not UTF-8 (a
// lone surrogate, which Parley holds in WTF-8), and its json type refuses
// Python's NaN / Infinity / -Infinity; the original stored all of them.
// One rule for every dialect: such a value is kept in extra_json, as JSON
// text that holds it exactly (escaped), its column is NULL, and reading the
// row moves it back to its typed field (AbsorbExtras).

bool FitsTextColumn(absl::string_view text) {
  return text.find('\0') == absl::string_view::npos && IsValidUtf8(text);
}

// `json` is canonical compact text: outside strings, an 'N' or an 'I' can
// only start NaN, Infinity or -Infinity.
bool FitsJsonColumn(absl::string_view json) {
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == 'N' || c == 'I') {
      return false;
    }
  }
  return true;
}

// One typed value a record stores in a column.
struct ColumnValue {
  absl::string_view key;
  bool present;  // the field is set (optional fields may not be)
  absl::string_view text;
  bool json;  // a json column (else text)
};

// `record`, or a copy (left in `*copy`, for SqlParams::Keep: the parameters
// view it) with each typed value of `values` that its column cannot hold
// moved to extra.
template <typename Record>
const Record& FitColumns(const Record& record,
                         const std::vector<std::string>& canonical,
                         std::initializer_list<ColumnValue> values,
                         std::shared_ptr<Record>* copy) {
  const RecordKeys keys(record.key_order(), canonical, record.extra());
  bool copied = false;
  for (const ColumnValue& value : values) {
    if (!value.present || !keys.Typed(value.key)) continue;
    if (value.json ? FitsJsonColumn(value.text) : FitsTextColumn(value.text)) {
      continue;
    }
    if (!copied) {
      *copy = std::make_shared<Record>(record);
      copied = true;
    }
    JsonField* field = (*copy)->add_extra();
    field->set_key(std::string(value.key));
    field->set_json(value.json ? std::string(value.text)
                               : WriteCompactJson(JsonValue::String(
                                     std::string(value.text))));
  }
  return copied ? **copy : record;
}

bool HasExtraKey(const Extras& extra, absl::string_view key) {
  for (const JsonField& field : extra) {
    if (field.key() == key) return true;
  }
  return false;
}

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

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

int Number(absl::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

// Length of a "YYYY-MM-DD?HH:MM:SS" prefix that is a real date and time
// (separator 'T' or ' '), else 0.
bool HasDateTimePrefix(absl::string_view t) {
  if (t.size() < 19) return false;
  if (!AllDigits(t.substr(0, 4)) || t[4] != '-' || !AllDigits(t.substr(5, 2)) ||
      t[7] != '-' || !AllDigits(t.substr(8, 2)) ||
      (t[10] != 'T' && t[10] != ' ') || !AllDigits(t.substr(11, 2)) ||
      t[13] != ':' || !AllDigits(t.substr(14, 2)) || t[16] != ':' ||
      !AllDigits(t.substr(17, 2))) {
    return false;
  }
  const int year = Number(t.substr(0, 4));
  const int month = Number(t.substr(5, 2));
  const int day = Number(t.substr(8, 2));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1]) {
    return false;
  }
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  return Number(t.substr(11, 2)) < 24 && Number(t.substr(14, 2)) < 60 &&
         Number(t.substr(17, 2)) < 60;
}

}  // namespace

bool IsIsoTimestamp(absl::string_view text) {
  if (!HasDateTimePrefix(text)) return false;
  if (text.size() == 19) return true;
  return text[19] == '.' && text.size() <= 26 && AllDigits(text.substr(20));
}

std::string IsoformatTimestamp(absl::string_view text) {
  if (!HasDateTimePrefix(text)) return std::string(text);
  std::string out = absl::StrCat(text.substr(0, 10), "T", text.substr(11, 8));
  absl::string_view rest = text.substr(19);
  if (!rest.empty() && rest[0] == '.') {
    size_t n = 1;
    while (n < rest.size() && absl::ascii_isdigit(rest[n])) ++n;
    std::string micros(rest.substr(1, n - 1));
    micros.resize(6, '0');
    if (micros != "000000") absl::StrAppend(&out, ".", micros);
    rest.remove_prefix(n);
  }
  // What follows can only be a time zone ("+00", "+00:00", "Z"): naive UTC
  // timestamps have none.
  if (!rest.empty() && rest[0] != '+' && rest[0] != '-' && rest[0] != 'Z') {
    return std::string(text);
  }
  return out;
}

std::string NewUuid() {
  uint8_t b[16];
  size_t got = 0;
  while (got < sizeof(b)) {
    ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  // xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, lowercase.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

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
    summary.set_title("New Conversation");
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
