// parley: the command-line tool.
//
//   parley info            [--url URL]   backend, redacted URL, record counts
//   parley demo            [--url URL] [--users N] [--conversations N]
//                          [--exchanges N] [--seed N]
//   parley schema status   [--url URL]
//   parley schema upgrade  [--url URL]
//   parley migrate         --from URL|--in FILE --to URL [--verify]
//                          [--skip-bad] [--batch N]
//   parley verify          --from URL|--in FILE --to URL [--skip-bad]
//   parley export          --from URL --out FILE [--skip-bad]
//   parley import          --in FILE --to URL [--verify] [--skip-bad]
//
// The store is --url, else $DATABASE_URL, else the JSON store in ./data.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/storage.h"
#include "backends/builtin_backends.h"
#include "cli/command_line.h"
#include "cli/migrate_commands.h"
#include "cli/workload.h"
#include "storage/backend.h"
#include "storage/schema_admin.h"
#include "storage/status_macros.h"
#include "storage/url.h"

namespace parley {
namespace {

constexpr char kUsage[] =
    "usage: parley <command> [options]\n"
    "\n"
    "commands:\n"
    "  info                 backend, URL (password hidden), record counts\n"
    "  demo                 write a small council-workload store and say what "
    "it did\n"
    "  schema status        the store's schema version and pending "
    "migrations\n"
    "  schema upgrade       apply pending schema migrations\n"
    "  migrate              copy every record --from URL (or --in FILE) "
    "--to URL,\n"
    "                       all-or-nothing; a second run changes nothing\n"
    "  verify               compare --from URL (or --in FILE) with --to URL "
    "record\n"
    "                       by record; exit status 1 on any difference\n"
    "  export               write --from URL to --out FILE (NDJSON)\n"
    "  import               load --in FILE into --to URL (as migrate)\n"
    "\n"
    "options:\n"
    "  --url URL            the store (default: $DATABASE_URL, else "
    "json:data)\n"
    "  --users N            demo: users (default 20)\n"
    "  --conversations N    demo: conversations per user (default 3)\n"
    "  --exchanges N        demo: exchanges per conversation (default 2)\n"
    "  --seed N             demo: seed (default 42)\n"
    "  --from URL / --to URL    migrate, verify, export, import: the stores\n"
    "  --in FILE / --out FILE   import, export: the export file\n"
    "  --verify             migrate, import: verify afterwards\n"
    "  --skip-bad           skip, list and count unreadable source records\n"
    "  --batch N            migrate, import: records read, compared and "
    "written per\n"
    "                       round trip, and progress every N records "
    "(default 100)\n";

absl::Status Info(const CommandLine& args) {
  ASSIGN_OR_RETURN(auto storage, Storage::Open(args.Url()));
  ASSIGN_OR_RETURN(StorageCounts counts, storage->Count());
  std::printf("backend:        %s\n", storage->backend_name().c_str());
  std::printf("url:            %s\n", storage->redacted_url().c_str());
  std::printf("profiles:       %lld\n",
              static_cast<long long>(counts.profiles));
  std::printf("subscriptions:  %lld\n",
              static_cast<long long>(counts.subscriptions));
  std::printf("conversations:  %lld\n",
              static_cast<long long>(counts.conversations));
  std::printf("messages:       %lld\n",
              static_cast<long long>(counts.messages));
  return absl::OkStatus();
}

absl::Status Demo(const CommandLine& args) {
  WorkloadParams params;
  ASSIGN_OR_RETURN(params.users, args.IntFlag("users", 20));
  ASSIGN_OR_RETURN(params.conversations_per_user,
                   args.IntFlag("conversations", 3));
  ASSIGN_OR_RETURN(params.exchanges, args.IntFlag("exchanges", 2));
  ASSIGN_OR_RETURN(int seed, args.IntFlag("seed", 42));
  params.seed = static_cast<uint64_t>(seed);
  ASSIGN_OR_RETURN(auto storage, Storage::Open(args.Url()));
  const Workload workload(params);

  std::printf(
      "parley demo: writing a council workload (users=%d, "
      "conversations/user=%d, exchanges=%d, seed=%d)\n",
      params.users, params.conversations_per_user, params.exchanges, seed);
  std::printf("  store: %s (%s)\n", storage->redacted_url().c_str(),
              storage->backend_name().c_str());
  // A second run over the same store would collide on conversation ids:
  // say so instead of failing half-way.
  if (params.users > 0 && params.conversations_per_user > 0) {
    ASSIGN_OR_RETURN(auto existing,
                     storage->GetConversation(workload.ConversationId(0, 0)));
    if (existing.has_value()) {
      std::printf(
          "  the demo records are already there (seed %d); "
          "nothing written. Use --seed to write another set.\n",
          seed);
      return Info(args);
    }
  }
  std::map<std::string, int64_t> ops;
  const absl::Time start = absl::Now();
  RETURN_IF_ERROR(LoadUsers(*storage, workload, 0, params.users,
                            [&ops](const char* op) { ++ops[op]; }));
  const absl::Duration took = absl::Now() - start;
  int64_t total = 0;
  for (const auto& [op, n] : ops) {
    std::printf("  %-24s %6lld\n", op.c_str(), static_cast<long long>(n));
    total += n;
  }
  std::printf("  %lld calls in %.2f s (%.0f calls/s)\n",
              static_cast<long long>(total), absl::ToDoubleSeconds(took),
              total / std::max(absl::ToDoubleSeconds(took), 1e-9));
  // Read one conversation back, to show the API round trip.
  ASSIGN_OR_RETURN(auto list, storage->ListConversations(workload.UserId(0)));
  if (!list.empty()) {
    std::printf("  %s has %zu conversations; newest %s with %lld messages\n",
                workload.UserId(0).c_str(), list.size(), list[0].id().c_str(),
                static_cast<long long>(list[0].message_count()));
  }
  return Info(args);
}

absl::Status Schema(const CommandLine& args) {
  if (args.words.size() != 2 ||
      (args.words[1] != "status" && args.words[1] != "upgrade")) {
    return absl::InvalidArgumentError(
        "usage: parley schema status|upgrade [--url URL]");
  }
  ASSIGN_OR_RETURN(StorageUrl url, ParseDatabaseUrl(args.Url()));
  // Opening a SQLite file creates it; asking about a store that is not
  // there must not.
  if (args.words[1] == "status") {
    absl::Status exists = url.type().CheckExists(url);
    if (!exists.ok()) {
      return absl::Status(exists.code(),
                          absl::StrCat(url.Redacted(), ": ", exists.message(),
                                       " (parley schema upgrade creates it)"));
    }
  }
  BackendOptions options;
  options.schema_policy = BackendOptions::SchemaPolicy::kInspectOnly;
  ASSIGN_OR_RETURN(auto backend, OpenBackend(url, options));
  // An unversioned store (no SchemaAdmin) has nothing to upgrade; it is
  // reported at versions 0 and 0.
  SchemaAdmin* admin = backend->schema_admin();
  SchemaStatus status;
  if (admin != nullptr && args.words[1] == "upgrade") {
    ASSIGN_OR_RETURN(SchemaStatus before, admin->GetSchemaStatus());
    ASSIGN_OR_RETURN(status, admin->UpgradeSchema());
    std::printf("upgraded %s from version %d to %d\n", url.Redacted().c_str(),
                before.stored_version, status.stored_version);
  } else if (admin != nullptr) {
    ASSIGN_OR_RETURN(status, admin->GetSchemaStatus());
  }
  std::printf("store:          %s\n", url.Redacted().c_str());
  std::string stored = absl::StrCat(status.stored_version);
  if (status.stored_version == 0) stored = "0 (empty store)";
  if (status.stored_version == -1) {
    stored = "-1 (the original application's tables, not yet adopted)";
  }
  if (admin == nullptr) {
    stored =
        absl::StrCat("none (", url.type().name(), " stores are not versioned)");
  }
  std::printf("stored version: %s\n", stored.c_str());
  std::printf("code version:   %d\n", status.code_version);
  std::printf("pending:        %s\n",
              status.pending.empty()
                  ? "none"
                  : absl::StrCat("\n  ", absl::StrJoin(status.pending, "\n  "))
                        .c_str());
  return absl::OkStatus();
}

// Refuses words and flags the command does not take, rather than ignoring
// a mistyped one (`--urll` would otherwise open ./data).
absl::Status CheckUsage(const CommandLine& args) {
  static const auto* const kFlags =
      new std::map<std::string, std::set<std::string>>{
          {"info", {"url"}},
          {"demo", {"url", "users", "conversations", "exchanges", "seed"}},
          {"schema", {"url"}},
          {"migrate", {"from", "in", "to", "verify", "skip-bad", "batch"}},
          {"verify", {"from", "in", "to", "skip-bad"}},
          {"export", {"from", "out", "skip-bad"}},
          {"import", {"in", "to", "verify", "skip-bad", "batch"}},
      };
  const std::string& command = args.words[0];
  auto known = kFlags->find(command);
  if (known == kFlags->end()) return absl::OkStatus();  // unknown command
  const size_t words = command == "schema" ? 2 : 1;
  if (args.words.size() > words) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", args.words[words], "\""));
  }
  for (const auto& [name, value] : args.flags) {
    if (known->second.count(name) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option --", name));
    }
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  // Under `bazel run` the binary starts in its runfiles tree; the user's
  // folder (where ./data lives) is in BUILD_WORKING_DIRECTORY.
  if (const char* dir = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(dir) != 0) {
      std::fprintf(stderr, "parley: cannot enter %s\n", dir);
      return 1;
    }
  }
  auto args = ParseCommandLine(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "parley: %s\n%s",
                 std::string(args.status().message()).c_str(), kUsage);
    return 2;
  }
  if (args->words.empty() || args->flags.count("help")) {
    std::fputs(kUsage, args->words.empty() && !args->flags.count("help")
                           ? stderr
                           : stdout);
    return args->flags.count("help") ? 0 : 2;
  }
  const std::string& command = args->words[0];
  if (absl::Status usage = CheckUsage(*args); !usage.ok()) {
    std::fprintf(stderr, "parley %s: %s\n%s", command.c_str(),
                 std::string(usage.message()).c_str(), kUsage);
    return 2;
  }
  absl::Status status;
  if (command == "info") {
    status = Info(*args);
  } else if (command == "demo") {
    status = Demo(*args);
  } else if (command == "schema") {
    status = Schema(*args);
  } else if (command == "migrate") {
    status = MigrateCommand(*args);
  } else if (command == "verify") {
    status = VerifyCommand(*args);
  } else if (command == "export") {
    status = ExportCommand(*args);
  } else if (command == "import") {
    status = ImportCommand(*args);
  } else {
    std::fprintf(stderr, "parley: unknown command \"%s\"\n%s", command.c_str(),
                 kUsage);
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "parley %s: %s\n", command.c_str(),
                 status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace parley

int main(int argc, char** argv) { return parley::Main(argc, argv); }
