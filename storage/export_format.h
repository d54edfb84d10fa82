// Parley's export file: newline-delimited JSON, one line per record, in the
// order RecordStream::Scan gives (so an export can be verified against a
// store by a merge join, like a store).
//
//   {"format":"parley-export","version":1,"created_at":"2025-12-04T10:11:12",
//    "source":"scheme://bob:***@db/chat"}
//   {"kind":"profile","record":{...}}
//   {"kind":"subscription","record":{...}}
//   {"kind":"conversation","record":{..., "messages":[...]}}
//   {"format":"parley-export-end","counts":{"profiles":2,"subscriptions":2,
//    "conversations":4,"messages":6},"skipped_bad":0}
//
// Each record is its canonical text (storage/record_digest.h): exact key
// order, number text and unknown keys. The trailer proves the file is
// whole: a file without it, or whose counts disagree with its lines, is
// DataLoss on import, which then changes nothing (imports are
// all-or-nothing).
#ifndef PARLEY_STORAGE_EXPORT_FORMAT_H_
#define PARLEY_STORAGE_EXPORT_FORMAT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/migrate_source.h"
#include "storage/migrate_stats.h"

namespace parley {

inline constexpr char kExportFormat[] = "parley-export";
inline constexpr char kExportTrailerFormat[] = "parley-export-end";
inline constexpr int kExportVersion = 1;

struct ExportOptions {
  // Unreadable source records are listed in the stats and left out (else the
  // export stops with their error and writes nothing).
  bool skip_bad = false;
  // Called after each record with the number of records read so far.
  std::function<void(int64_t records_done)> on_record;
};

// Writes every record of `source` to `path`, atomically: into
// "<path>.parley-tmp-<pid>", fsynced, then renamed over `path`; on failure
// `path` is untouched. The header names `source->name()` (a redacted URL).
absl::StatusOr<MigrationStats> ExportToFile(RecordSource& source,
                                            const std::string& path,
                                            const ExportOptions& options);

// An export file read as a RecordSource (for import, and for migrate and
// verify with an export file as their source). Scan checks the header, the
// order of the records and the trailer; DataLoss naming the file and line
// when they are wrong. Count reads only the trailer. NotFound when the file
// does not exist (reported by Scan and Count).
std::unique_ptr<RecordSource> ExportFileSource(std::string path);

}  // namespace parley

#endif  // PARLEY_STORAGE_EXPORT_FORMAT_H_
