#include "backends/sql/row_keys.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "storage/json_value.h"

namespace parley {
namespace sql {
namespace {

// True for a key whose JSON string is its bytes in quotes: printable ASCII
// but for `"` and `\\` (what ReadPlainKeyOrder reads back).
bool IsPlainKey(absl::string_view key) {
  for (char ch : key) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

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

bool HasExtraKey(const Extras& extra, absl::string_view key) {
  for (const JsonField& field : extra) {
    if (field.key() == key) return true;
  }
  return false;
}

}  // namespace sql
}  // namespace parley
