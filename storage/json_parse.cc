// ParseJson: the one JSON grammar Parley reads with (see json_value.h).
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "storage/json_internal.h"
#include "storage/json_value.h"
#include "storage/utf8.h"

namespace parley {
namespace {

using json_internal::HexValue;
using json_internal::IsDigit;
using json_internal::kIndexKeysFrom;

bool IsJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// A recursive-descent parser; recursion is bounded by kMaxJsonDepth.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    if (absl::StartsWith(text_, "\xEF\xBB\xBF")) pos_ = 3;
    JsonValue value;
    absl::Status status = ParseValue(0, &value);
    if (!status.ok()) return status;
    SkipSpace();
    if (pos_ != text_.size()) {
      return Error(pos_, "unexpected data after the document");
    }
    return value;
  }

 private:
  static absl::Status Error(size_t pos, absl::string_view cause) {
    return absl::InvalidArgumentError(
        absl::StrCat("json: byte ", pos, ": ", cause));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && IsJsonSpace(Peek())) ++pos_;
  }

  absl::Status ParseValue(int depth, JsonValue* out) {
    SkipSpace();
    if (AtEnd()) return Error(pos_, "unexpected end of input");
    switch (Peek()) {
      case '{':
        return ParseObject(depth + 1, out);
      case '[':
        return ParseArray(depth + 1, out);
      case '"': {
        std::string s;
        absl::Status status = ParseString(&s);
        if (!status.ok()) return status;
        *out = JsonValue::String(std::move(s));
        return absl::OkStatus();
      }
      case 't':
        return ParseLiteral("true", JsonValue::Bool(true), out);
      case 'f':
        return ParseLiteral("false", JsonValue::Bool(false), out);
      case 'n':
        return ParseLiteral("null", JsonValue::Null(), out);
      case 'N':
        return ParseLiteral("NaN", JsonValue::Number("NaN"), out);
      case 'I':
        return ParseLiteral("Infinity", JsonValue::Number("Infinity"), out);
      default:
        if (Peek() == '-' || IsDigit(Peek())) return ParseNumber(out);
        return Error(pos_, "expected a value");
    }
  }

  absl::Status ParseLiteral(absl::string_view word, JsonValue value,
                            JsonValue* out) {
    if (text_.substr(pos_, word.size()) != word) {
      return Error(pos_, "invalid literal");
    }
    pos_ += word.size();
    *out = std::move(value);
    return absl::OkStatus();
  }

  // -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? or -Infinity, kept as text.
  absl::Status ParseNumber(JsonValue* out) {
    const size_t start = pos_;
    if (Peek() == '-') {
      ++pos_;
      if (!AtEnd() && Peek() == 'I') {
        absl::Status status =
            ParseLiteral("Infinity", JsonValue::Number("-Infinity"), out);
        return status.ok() ? status : Error(start, "invalid number");
      }
    }
    if (AtEnd() || !IsDigit(Peek())) return Error(pos_, "invalid number");
    const bool leading_zero = Peek() == '0';
    SkipDigits();
    if (leading_zero && pos_ - start > (text_[start] == '-' ? 2u : 1u)) {
      return Error(start, "leading zero in number");
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!SkipDigits()) return Error(pos_, "expected a digit after '.'");
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!SkipDigits()) return Error(pos_, "expected a digit in the exponent");
    }
    *out = JsonValue::Number(std::string(text_.substr(start, pos_ - start)));
    return absl::OkStatus();
  }

  // Reads four hex digits at pos_ into `*unit`.
  absl::Status ParseHex4(uint32_t* unit) {
    if (pos_ + 4 > text_.size()) return Error(pos_, "truncated \\u escape");
    *unit = 0;
    for (int i = 0; i < 4; ++i) {
      const int v = HexValue(text_[pos_ + i]);
      if (v < 0) return Error(pos_ + i, "invalid hex digit in \\u escape");
      *unit = (*unit << 4) | static_cast<uint32_t>(v);
    }
    pos_ += 4;
    return absl::OkStatus();
  }

  absl::Status ParseEscape(std::string* out) {
    const size_t start = pos_;  // at the backslash
    ++pos_;
    if (AtEnd()) return Error(start, "unterminated string");
    const char c = Peek();
    ++pos_;
    if (c != 'u') {
      // The escapes other than \u, and what each stands for.
      static constexpr absl::string_view kFrom = "\"\\/bfnrt";
      static constexpr absl::string_view kTo = "\"\\/\b\f\n\r\t";
      const size_t index = kFrom.find(c);
      if (index == absl::string_view::npos) {
        return Error(start, "invalid escape");
      }
      out->push_back(kTo[index]);
      return absl::OkStatus();
    }
    uint32_t unit;
    absl::Status status = ParseHex4(&unit);
    if (!status.ok()) return status;
    // A high surrogate escape followed by a low one is one code point; any
    // other surrogate is kept alone, in WTF-8, as Python's json.loads keeps
    // it in a str.
    if (unit >= 0xD800 && unit <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
      const size_t second = pos_;
      pos_ += 2;
      uint32_t low;
      status = ParseHex4(&low);
      if (!status.ok()) return status;
      if (low >= 0xDC00 && low <= 0xDFFF) {
        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
      } else {
        pos_ = second;  // not a pair: the next escape stands on its own
      }
    }
    AppendUtf8(unit, out);
    return absl::OkStatus();
  }

  absl::Status ParseString(std::string* out) {
    const size_t start = pos_;  // at the opening quote
    ++pos_;
    while (true) {
      // Copy the run of plain ASCII in one go.
      size_t run = pos_;
      while (run < text_.size()) {
        const unsigned char c = static_cast<unsigned char>(text_[run]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++run;
      }
      out->append(text_.data() + pos_, run - pos_);
      pos_ = run;
      if (AtEnd()) return Error(start, "unterminated string");
      const unsigned char c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\\') {
        absl::Status status = ParseEscape(out);
        if (!status.ok()) return status;
      } else if (c < 0x20) {
        return Error(pos_, "control character in string");
      } else {
        uint32_t cp;
        const size_t len = DecodeUtf8(text_, pos_, &cp);
        if (len == 0) return Error(pos_, "invalid UTF-8");
        out->append(text_.data() + pos_, len);
        pos_ += len;
      }
    }
  }

  // After an item of an array or object: a ',' means another item follows
  // (`*more`), `close` ends the container.
  absl::Status AfterItem(char close, bool* more) {
    SkipSpace();
    if (AtEnd()) return Error(pos_, "unexpected end of input");
    *more = Peek() == ',';
    if (!*more && Peek() != close) {
      return Error(
          pos_, absl::StrCat("expected ',' or '", std::string(1, close), "'"));
    }
    ++pos_;
    return absl::OkStatus();
  }

  // Skips digits; false when there are none.
  bool SkipDigits() {
    const size_t start = pos_;
    while (!AtEnd() && IsDigit(Peek())) ++pos_;
    return pos_ > start;
  }

  absl::Status ParseArray(int depth, JsonValue* out) {
    if (depth > kMaxJsonDepth) return Error(pos_, "nesting too deep");
    ++pos_;  // '['
    *out = JsonValue::Array();
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      JsonValue item;
      absl::Status status = ParseValue(depth, &item);
      if (!status.ok()) return status;
      out->array().push_back(std::move(item));
      bool more;
      status = AfterItem(']', &more);
      if (!status.ok() || !more) return status;
    }
  }

  absl::Status ParseObject(int depth, JsonValue* out) {
    if (depth > kMaxJsonDepth) return Error(pos_, "nesting too deep");
    ++pos_;  // '{'
    *out = JsonValue::Object();
    std::vector<JsonValue::Member>& members = out->members();
    absl::flat_hash_map<std::string, size_t> index;  // once it is large
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      SkipSpace();
      if (AtEnd()) return Error(pos_, "unexpected end of input");
      if (Peek() != '"') return Error(pos_, "expected a string key");
      std::string key;
      absl::Status status = ParseString(&key);
      if (!status.ok()) return status;
      SkipSpace();
      if (AtEnd()) return Error(pos_, "unexpected end of input");
      if (Peek() != ':') return Error(pos_, "expected ':'");
      ++pos_;
      JsonValue value;
      status = ParseValue(depth, &value);
      if (!status.ok()) return status;
      // A repeated key keeps its first place and takes the last value.
      size_t found = members.size();
      if (members.size() < kIndexKeysFrom) {
        for (size_t i = 0; i < members.size(); ++i) {
          if (members[i].first == key) {
            found = i;
            break;
          }
        }
      } else {
        if (index.empty()) {
          for (size_t i = 0; i < members.size(); ++i) {
            index.emplace(members[i].first, i);
          }
        }
        auto [it, inserted] = index.emplace(key, members.size());
        if (!inserted) found = it->second;
      }
      if (found < members.size()) {
        members[found].second = std::move(value);
      } else {
        members.emplace_back(std::move(key), std::move(value));
      }
      bool more;
      status = AfterItem('}', &more);
      if (!status.ok() || !more) return status;
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<JsonValue> ParseJson(absl::string_view text) {
  return Parser(text).ParseDocument();
}

}  // namespace parley
