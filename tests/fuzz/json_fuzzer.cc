// libFuzzer target for Parley's JSON reader and writers (storage/json_value).
//
// Properties, besides not crashing (ASan, UBSan): for every input x that
// ParseJson accepts, each writer's text parses back to x:
//   ParseJson(WriteCompactJson(x)) == x
//   ParseJson(WritePythonJson(x, style)) == x   for several styles, including
//                                               the one detected from the input
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/json_value.h"

namespace parley {
namespace {

void CheckRoundTrip(const JsonValue& value, const std::string& text,
                    const char* writer) {
  absl::StatusOr<JsonValue> again = ParseJson(text);
  if (!again.ok()) {
    std::fprintf(stderr, "json_fuzzer: %s output does not parse: %s\n%s\n",
                 writer, std::string(again.status().message()).c_str(),
                 text.c_str());
    std::abort();
  }
  if (*again != value) {
    std::fprintf(stderr, "json_fuzzer: %s output parses to another value\n%s\n",
                 writer, text.c_str());
    std::abort();
  }
}

}  // namespace
}  // namespace parley

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::JsonFileStyle;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const JsonFileStyle detected = parley::DetectJsonFileStyle(input);
  absl::StatusOr<parley::JsonValue> value = parley::ParseJson(input);
  if (!value.ok()) return 0;
  parley::CheckRoundTrip(*value, parley::WriteCompactJson(*value), "compact");
  parley::CheckRoundTrip(*value, parley::WritePythonJson(*value), "python");
  parley::CheckRoundTrip(*value, parley::WritePythonJson(*value, detected),
                         "python (detected style)");
  JsonFileStyle one_line;
  one_line.indent = -1;
  one_line.ensure_ascii = false;
  one_line.trailing_newline = true;
  parley::CheckRoundTrip(*value, parley::WritePythonJson(*value, one_line),
                         "python (one line, raw UTF-8)");
  JsonFileStyle wide;
  wide.indent = 4;
  parley::CheckRoundTrip(*value, parley::WritePythonJson(*value, wide),
                         "python (indent 4)");
  return 0;
}
