// Values a column cannot hold. Private to the record_rows target.
//
// PostgreSQL's text refuses a NUL byte and anything that is not UTF-8 (a
// lone surrogate, which Parley holds in WTF-8), and its json type refuses
// Python's NaN / Infinity / -Infinity; the original stored all of them.
// One rule for every dialect: such a value is kept in extra_json, as JSON
// text that holds it exactly (escaped), its column is NULL, and reading the
// row moves it back to its typed field (AbsorbExtras).
#ifndef PARLEY_BACKENDS_SQL_COLUMN_FIT_H_
#define PARLEY_BACKENDS_SQL_COLUMN_FIT_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "backends/sql/row_keys.h"
#include "proto/records.pb.h"
#include "storage/json_value.h"

namespace parley {
namespace sql {

// True when a text column takes `text` as it is.
bool FitsTextColumn(absl::string_view text);

// `json` is canonical compact text: outside strings, an 'N' or an 'I' can
// only start NaN, Infinity or -Infinity.
bool FitsJsonColumn(absl::string_view json);

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

}  // namespace sql
}  // namespace parley

#endif  // PARLEY_BACKENDS_SQL_COLUMN_FIT_H_
