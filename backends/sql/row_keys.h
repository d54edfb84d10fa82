// The two columns that make a row read back as the record was written
// (record_rows.h): key_order, the record's keys in order, and extra_json,
// the keys held in `extra`. Private to the record_rows target.
#ifndef PARLEY_BACKENDS_SQL_ROW_KEYS_H_
#define PARLEY_BACKENDS_SQL_ROW_KEYS_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "backends/sql/sql_connection.h"
#include "backends/sql/sql_params.h"
#include "google/protobuf/repeated_field.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"

namespace parley {
namespace sql {

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

// The keys as a compact JSON array of strings, as WriteCompactJson writes it.
std::string EncodeKeyOrder(const RecordKeys& keys);

// The extra keys as one JSON object in key order; NULL when there are none.
absl::Status AddExtraJson(const Extras& extra, const RecordKeys& keys,
                          absl::string_view record_name, SqlParams* params);

// Reads a key_order text in the form EncodeKeyOrder writes for plain keys: a
// compact JSON array of strings of printable ASCII with no escape. These
// read as their bytes, so no JSON value is built; anything else (an escape,
// white space, another value) is left to ParseJson: false.
bool ReadPlainKeyOrder(absl::string_view text,
                       absl::InlinedVector<absl::string_view, 16>* keys);

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

bool HasExtraKey(const Extras& extra, absl::string_view key);

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_ROW_KEYS_H_
