#include "cli/command_line.h"

#include <algorithm>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace parley {

std::string CommandLine::Url() const {
  auto it = flags.find("url");
  if (it != flags.end()) return it->second;
  const char* env = std::getenv("DATABASE_URL");
  return env != nullptr && *env != '\0' ? env : "json:data";
}

std::string CommandLine::Flag(const std::string& name,
                              const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

absl::StatusOr<int> CommandLine::IntFlag(const std::string& name,
                                         int fallback) const {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  int value;
  if (!absl::SimpleAtoi(it->second, &value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": expected a non-negative integer, got \"",
                     it->second, "\""));
  }
  return value;
}

absl::StatusOr<CommandLine> ParseCommandLine(
    int argc, char** argv, const std::vector<std::string>& switches) {
  CommandLine line;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      line.words.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (std::find(switches.begin(), switches.end(), name) !=
               switches.end()) {
      value = "1";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " needs a value"));
    }
    line.flags[name] = value;
  }
  return line;
}

}  // namespace parley
