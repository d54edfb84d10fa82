#include "cli/migrate_commands.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "backends/builtin_backends.h"
#include "storage/export_format.h"
#include "storage/migrate.h"
#include "storage/migrate_source.h"
#include "storage/migrate_verify.h"
#include "storage/progress.h"
#include "storage/status_macros.h"
#include "storage/url.h"

namespace parley {

namespace {

constexpr const char* kKindRows[] = {"profiles", "subscriptions",
                                     "conversations"};

BackendOpener Opener() {
  return [](const StorageUrl& url, const BackendOptions& options) {
    return OpenBackend(url, options);
  };
}

double PeakRssMiB() {
  struct rusage usage;
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return usage.ru_maxrss / 1024.0;  // KiB on Linux
}

// The source of migrate, verify and export: --from URL or --in FILE.
struct OpenedSource {
  std::unique_ptr<Backend> backend;  // null for an export file
  std::unique_ptr<RecordSource> source;
  std::optional<StorageUrl> url;
};

absl::StatusOr<OpenedSource> OpenSource(const CommandLine& args,
                                        bool allow_file) {
  OpenedSource opened;
  if (allow_file && args.Has("in")) {
    if (args.Has("from")) {
      return absl::InvalidArgumentError("give --from or --in, not both");
    }
    opened.source = ExportFileSource(args.Flag("in"));
    return opened;
  }
  if (!args.Has("from")) {
    return absl::InvalidArgumentError(allow_file ? "--from URL (or --in FILE) "
                                                   "is required"
                                                 : "--from URL is required");
  }
  ASSIGN_OR_RETURN(StorageUrl url, ParseDatabaseUrl(args.Flag("from")));
  ASSIGN_OR_RETURN(opened.backend, OpenSourceStore(url, Opener()));
  opened.source = BackendRecordSource(*opened.backend, url.Redacted());
  opened.url = std::move(url);
  return opened;
}

absl::StatusOr<StorageUrl> DestinationUrl(const CommandLine& args,
                                          const OpenedSource& source) {
  if (!args.Has("to")) {
    return absl::InvalidArgumentError("--to URL is required");
  }
  ASSIGN_OR_RETURN(StorageUrl url, ParseDatabaseUrl(args.Flag("to")));
  if (source.url.has_value()) {
    RETURN_IF_ERROR(CheckDistinctStores(*source.url, url));
  }
  return url;
}

int64_t TotalRecords(RecordSource& source, bool wanted) {
  if (!wanted) return -1;
  absl::StatusOr<StoreCounts> counts = source.Count();
  if (!counts.ok()) return -1;  // a damaged store: no estimate, no harm
  return counts->profiles + counts->subscriptions + counts->conversations;
}

std::string Seconds(absl::Duration d) {
  return absl::StrFormat("%.2f s", absl::ToDoubleSeconds(d));
}

void PrintStats(const char* verb, const MigrationStats& stats) {
  std::printf("%-14s %9s %9s %9s %9s %9s %10s\n", "kind", "source", "added",
              "updated", "unchanged", "bad", "time");
  KindStats total;
  for (int k = 0; k < kRecordKinds; ++k) {
    const KindStats& s = stats.kinds[k];
    std::printf("%-14s %9lld %9lld %9lld %9lld %9lld %10s\n", kKindRows[k],
                static_cast<long long>(s.read), static_cast<long long>(s.added),
                static_cast<long long>(s.updated),
                static_cast<long long>(s.unchanged),
                static_cast<long long>(s.bad), Seconds(s.time).c_str());
    total.read += s.read;
    total.added += s.added;
    total.updated += s.updated;
    total.unchanged += s.unchanged;
    total.bad += s.bad;
  }
  std::printf(
      "%-14s %9lld %9lld %9lld %9lld %9lld %10s\n", "total",
      static_cast<long long>(total.read), static_cast<long long>(total.added),
      static_cast<long long>(total.updated),
      static_cast<long long>(total.unchanged),
      static_cast<long long>(total.bad), Seconds(stats.elapsed).c_str());
  const double secs = std::max(absl::ToDoubleSeconds(stats.elapsed), 1e-9);
  std::printf(
      "%s %lld records (%lld messages) in %.2f s: %.0f records/s; "
      "peak RSS %.1f MiB\n",
      verb, static_cast<long long>(total.read + total.bad),
      static_cast<long long>(stats.messages_read), secs,
      (total.read + total.bad) / secs, PeakRssMiB());
  std::printf("messages: %lld read, %lld written (with their conversations)\n",
              static_cast<long long>(stats.messages_read),
              static_cast<long long>(stats.messages_written));
  for (const BadRecord& bad : stats.bad) {
    std::printf("skipped unreadable %s %s: %s\n",
                std::string(RecordKindName(bad.kind)).c_str(), bad.id.c_str(),
                bad.error.c_str());
  }
  if (stats.records_bad() > static_cast<int64_t>(stats.bad.size())) {
    std::printf("(%lld more unreadable records not listed)\n",
                static_cast<long long>(stats.records_bad() - stats.bad.size()));
  }
}

absl::Status PrintVerify(const VerifyReport& report, const std::string& from,
                         const std::string& to, bool allow_bad_source) {
  std::printf("verify %s against %s\n", from.c_str(), to.c_str());
  std::printf("%-14s %9s %9s %9s %9s %9s %7s %7s\n", "kind", "source", "dest",
              "missing", "extra", "different", "bad-src", "bad-dst");
  auto row = [](const char* name, const KindComparison& k) {
    std::printf("%-14s %9lld %9lld %9lld %9lld %9lld %7lld %7lld\n", name,
                static_cast<long long>(k.in_source),
                static_cast<long long>(k.in_destination),
                static_cast<long long>(k.missing),
                static_cast<long long>(k.extra),
                static_cast<long long>(k.different),
                static_cast<long long>(k.bad_source),
                static_cast<long long>(k.bad_destination));
  };
  for (int k = 0; k < kRecordKinds; ++k) row(kKindRows[k], report.kinds[k]);
  row("messages", report.messages);
  for (int k = 0; k < kRecordKinds; ++k) {
    const KindComparison& c = report.kinds[k];
    std::printf("digest %-14s source %s  dest %s%s\n", kKindRows[k],
                c.source_digest.c_str(), c.destination_digest.c_str(),
                c.source_digest == c.destination_digest ? "" : "  (differ)");
  }
  for (const RecordDifference& d : report.first_differences) {
    std::printf("differs: %s %s: %s\n",
                std::string(RecordKindName(d.kind)).c_str(), d.id.c_str(),
                d.what.c_str());
  }
  for (const BadRecord& b : report.bad_source) {
    std::printf("unreadable in source: %s %s: %s\n",
                std::string(RecordKindName(b.kind)).c_str(), b.id.c_str(),
                b.error.c_str());
  }
  for (const BadRecord& b : report.bad_destination) {
    std::printf("unreadable in destination: %s %s: %s\n",
                std::string(RecordKindName(b.kind)).c_str(), b.id.c_str(),
                b.error.c_str());
  }
  std::printf("verified in %.2f s; peak RSS %.1f MiB\n",
              absl::ToDoubleSeconds(report.elapsed), PeakRssMiB());
  if (report.clean(allow_bad_source)) {
    std::printf("verify: no differences%s\n",
                report.bad_in_source() > 0
                    ? " (unreadable source records skipped, listed above)"
                    : "");
    return absl::OkStatus();
  }
  return absl::DataLossError(absl::StrCat(
      "verify: ", report.differences(), " records differ, ",
      report.bad_in_source(), " unreadable in the source, ",
      report.bad_in_destination(), " unreadable in the destination"));
}

absl::Status VerifyAgainst(RecordSource& source, const StorageUrl& to,
                           bool allow_bad_source) {
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> destination,
                   OpenSourceStore(to, Opener()));
  std::unique_ptr<RecordSource> target =
      BackendRecordSource(*destination, to.Redacted());
  ASSIGN_OR_RETURN(VerifyReport report,
                   VerifyStores(source, *target, VerifyOptions()));
  return PrintVerify(report, source.name(), to.Redacted(), allow_bad_source);
}

absl::Status RunMigration(const CommandLine& args, OpenedSource& source,
                          const char* verb) {
  ASSIGN_OR_RETURN(StorageUrl to, DestinationUrl(args, source));
  ASSIGN_OR_RETURN(int batch, args.IntFlag("batch", 100));
  const bool show = ProgressMeter::IsTerminal(STDERR_FILENO);
  ProgressMeter meter(stderr, show, verb, TotalRecords(*source.source, show));
  MigrateOptions options;
  options.skip_bad = args.Has("skip-bad");
  options.batch_size = std::max(batch, 1);
  options.on_progress = [&meter](int64_t done) { meter.Update(done); };
  ASSIGN_OR_RETURN(MigrationStats stats,
                   MigrateInto(*source.source, to, Opener(), options));
  meter.Finish();
  std::printf("%s %s into %s (%s)\n", verb, source.source->name().c_str(),
              to.Redacted().c_str(),
              std::string(to.type().import_method()).c_str());
  PrintStats(verb, stats);
  if (!args.Has("verify")) return absl::OkStatus();
  std::printf("\n");
  return VerifyAgainst(*source.source, to, options.skip_bad);
}

}  // namespace

absl::Status MigrateCommand(const CommandLine& args) {
  ASSIGN_OR_RETURN(OpenedSource source, OpenSource(args, /*allow_file=*/true));
  return RunMigration(args, source, "migrated");
}

absl::Status ImportCommand(const CommandLine& args) {
  if (!args.Has("in"))
    return absl::InvalidArgumentError("--in FILE is required");
  ASSIGN_OR_RETURN(OpenedSource source, OpenSource(args, /*allow_file=*/true));
  return RunMigration(args, source, "imported");
}

absl::Status VerifyCommand(const CommandLine& args) {
  ASSIGN_OR_RETURN(OpenedSource source, OpenSource(args, /*allow_file=*/true));
  ASSIGN_OR_RETURN(StorageUrl to, DestinationUrl(args, source));
  return VerifyAgainst(*source.source, to, args.Has("skip-bad"));
}

absl::Status ExportCommand(const CommandLine& args) {
  if (!args.Has("out")) {
    return absl::InvalidArgumentError("--out FILE is required");
  }
  ASSIGN_OR_RETURN(OpenedSource source, OpenSource(args, /*allow_file=*/false));
  const bool show = ProgressMeter::IsTerminal(STDERR_FILENO);
  ProgressMeter meter(stderr, show, "exported",
                      TotalRecords(*source.source, show));
  ExportOptions options;
  options.skip_bad = args.Has("skip-bad");
  options.on_record = [&meter](int64_t done) { meter.Update(done); };
  const std::string out = args.Flag("out");
  ASSIGN_OR_RETURN(MigrationStats stats,
                   ExportToFile(*source.source, out, options));
  meter.Finish();
  std::printf("exported %s to %s\n", source.source->name().c_str(),
              out.c_str());
  PrintStats("exported", stats);
  return absl::OkStatus();
}

}  // namespace parley
