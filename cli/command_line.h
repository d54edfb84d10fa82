// The parley command line: command words and --flags.
#ifndef PARLEY_CLI_COMMAND_LINE_H_
#define PARLEY_CLI_COMMAND_LINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace parley {

struct CommandLine {
  std::vector<std::string> words;            // "schema", "status", ...
  std::map<std::string, std::string> flags;  // --name value / --name=value

  // --url, else $DATABASE_URL, else "json:data".
  std::string Url() const;
  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  // The flag's value, or `fallback` when absent.
  std::string Flag(const std::string& name,
                   const std::string& fallback = "") const;
  // A non-negative integer flag; InvalidArgument naming it when malformed.
  absl::StatusOr<int> IntFlag(const std::string& name, int fallback) const;
};

// Parses argv. Flags without a value: the names in `switches` (for example
// "verify", "skip-bad", "help") take none; every other --flag takes the
// next word or its "=value". InvalidArgument for a flag missing its value.
absl::StatusOr<CommandLine> ParseCommandLine(
    int argc, char** argv,
    const std::vector<std::string>& switches = {"help", "verify", "skip-bad",
                                                "force", "quiet"});

}  // namespace parley

#endif  // PARLEY_CLI_COMMAND_LINE_H_
