#include "storage/json_value.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "storage/json_internal.h"

namespace parley {

JsonValue JsonValue::Bool(bool value) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.bool_ = value;
  return v;
}

JsonValue JsonValue::Number(std::string text) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.text_ = std::move(text);
  return v;
}

JsonValue JsonValue::Integer(int64_t value) {
  return Number(absl::StrCat(value));
}

JsonValue JsonValue::String(std::string value) {
  JsonValue v;
  v.type_ = Type::kString;
  v.text_ = std::move(value);
  return v;
}

JsonValue JsonValue::Array() {
  JsonValue v;
  v.type_ = Type::kArray;
  return v;
}

JsonValue JsonValue::Object() {
  JsonValue v;
  v.type_ = Type::kObject;
  return v;
}

bool JsonValue::AsInt64(int64_t* out) const {
  if (type_ != Type::kNumber || text_.empty()) return false;
  for (size_t i = 0; i < text_.size(); ++i) {
    if (!json_internal::IsDigit(text_[i]) && !(i == 0 && text_[i] == '-'))
      return false;
  }
  return absl::SimpleAtoi(text_, out);
}

const JsonValue* JsonValue::Find(absl::string_view key) const {
  for (const Member& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

JsonValue* JsonValue::Find(absl::string_view key) {
  return const_cast<JsonValue*>(std::as_const(*this).Find(key));
}

void JsonValue::Set(absl::string_view key, JsonValue value) {
  if (JsonValue* existing = Find(key)) {
    *existing = std::move(value);
  } else {
    members_.emplace_back(std::string(key), std::move(value));
  }
}

bool JsonValue::Erase(absl::string_view key) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->first == key) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

bool operator==(const JsonValue& a, const JsonValue& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case JsonValue::Type::kNull:
      return true;
    case JsonValue::Type::kBool:
      return a.bool_ == b.bool_;
    case JsonValue::Type::kNumber:
    case JsonValue::Type::kString:
      return a.text_ == b.text_;
    case JsonValue::Type::kArray:
      return a.array_ == b.array_;
    case JsonValue::Type::kObject:
      return a.members_ == b.members_;
  }
  return false;
}

}  // namespace parley
