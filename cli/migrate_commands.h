// parley migrate, verify, export and import (storage/migrate.h describes the
// design; MIGRATION.md the commands).
#ifndef PARLEY_CLI_MIGRATE_COMMANDS_H_
#define PARLEY_CLI_MIGRATE_COMMANDS_H_

#include "absl/status/status.h"
#include "cli/command_line.h"

namespace parley {

// Each prints its summary table on stdout (always) and progress on stderr
// (only when it is a terminal). verify, and migrate --verify, return
// DataLoss when the stores differ (parley then exits non-zero).
absl::Status MigrateCommand(const CommandLine& args);
absl::Status VerifyCommand(const CommandLine& args);
absl::Status ExportCommand(const CommandLine& args);
absl::Status ImportCommand(const CommandLine& args);

}  // namespace parley

#endif  // PARLEY_CLI_MIGRATE_COMMANDS_H_
