#include "storage/python_values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace parley {
namespace {

// A JSON number without a fraction or an exponent is a Python int.
bool IsIntegerText(absl::string_view text) {
  return text.find_first_of(".eE") == absl::string_view::npos &&
         text != "NaN" && text != "Infinity" && text != "-Infinity";
}

double ToDouble(const std::string& text) {
  if (text == "NaN") return std::nan("");
  if (text == "Infinity") return HUGE_VAL;
  if (text == "-Infinity") return -HUGE_VAL;
  return std::strtod(text.c_str(), nullptr);  // overflow gives +-HUGE_VAL
}

// |digits| + 1 for a string of decimal digits.
std::string IncrementDigits(std::string digits) {
  for (size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '9') {
      ++digits[i];
      return digits;
    }
    digits[i] = '0';
  }
  return "1" + digits;
}

// |digits| - 1 for a string of decimal digits that is not all zeros, without
// leading zeros in the result (but "0").
std::string DecrementDigits(std::string digits) {
  for (size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '0') {
      --digits[i];
      break;
    }
    digits[i] = '9';
  }
  const size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? "0" : digits.substr(first);
}

// An exact integer text + 1, of any size ("-1" -> "0", "-0" -> "1").
std::string AddOneToInteger(absl::string_view text) {
  if (text.empty() || text[0] != '-') return IncrementDigits(std::string(text));
  std::string magnitude(text.substr(1));
  if (magnitude.find_first_not_of('0') == std::string::npos) return "1";
  std::string smaller = DecrementDigits(magnitude);
  return smaller == "0" ? "0" : "-" + smaller;
}

const char* TypeName(const JsonValue& value) {
  switch (value.type()) {
    case JsonValue::Type::kNull:
      return "NoneType";
    case JsonValue::Type::kString:
      return "str";
    case JsonValue::Type::kArray:
      return "list";
    case JsonValue::Type::kObject:
      return "dict";
    default:
      return "number";
  }
}

}  // namespace

bool PythonTruthy(const JsonValue& value) {
  switch (value.type()) {
    case JsonValue::Type::kNull:
      return false;
    case JsonValue::Type::kBool:
      return value.bool_value();
    case JsonValue::Type::kString:
      return !value.string_value().empty();
    case JsonValue::Type::kArray:
      return !value.array().empty();
    case JsonValue::Type::kObject:
      return !value.members().empty();
    case JsonValue::Type::kNumber: {
      const std::string& text = value.number_text();
      if (IsIntegerText(text)) {
        return text.find_first_not_of("-0") != std::string::npos;
      }
      return ToDouble(text) != 0.0;  // NaN != 0.0
    }
  }
  return true;
}

std::string PythonFloatRepr(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  // The shortest round-trip digits, in scientific form: d[.ddd]e[+-]x.
  char buffer[64];
  const std::to_chars_result result = std::to_chars(
      buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string sci(buffer, result.ptr);
  const size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  const int exponent = std::atoi(sci.c_str() + e + 1);
  std::string sign;
  if (!mantissa.empty() && mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  // Python's repr: positional for 1e-4 <= |x| < 1e16, else scientific.
  if (exponent >= -4 && exponent < 16) {
    std::string out;
    if (exponent < 0) {
      out = "0." + std::string(-exponent - 1, '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exponent + 1) {
      out = digits + std::string(exponent + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
    }
    return sign + out;
  }
  std::string out = digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  absl::StrAppend(&out, "e", exponent < 0 ? "-" : "+",
                  std::abs(exponent) < 10 ? "0" : "", std::abs(exponent));
  return sign + out;
}

absl::StatusOr<JsonValue> PythonAddOne(const JsonValue& value,
                                       absl::string_view what) {
  if (value.is_bool()) return JsonValue::Integer(value.bool_value() ? 2 : 1);
  if (!value.is_number()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " holds a ", TypeName(value),
                     ", not a number: it cannot be increased (the original "
                     "raised TypeError)"));
  }
  const std::string& text = value.number_text();
  if (IsIntegerText(text)) return JsonValue::Number(AddOneToInteger(text));
  return JsonValue::Number(PythonFloatRepr(ToDouble(text) + 1.0));
}

}  // namespace parley
