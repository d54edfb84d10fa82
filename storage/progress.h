// A one-line progress display for long runs (migrate, import, export).
#ifndef PARLEY_STORAGE_PROGRESS_H_
#define PARLEY_STORAGE_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/time/time.h"

namespace parley {

// Shows "<label>: done / total records, N rec/s, ETA m:ss" on one line of
// `out`, redrawn in place at most every `min_interval` (200 ms: 5 times a
// second). When `enabled` is false (stderr is not a terminal) it prints
// nothing at all, so logs and pipes stay clean.
//
// Not thread-safe: call from the thread doing the work.
class ProgressMeter {
 public:
  // `total` < 0 when unknown (no ETA then).
  ProgressMeter(std::FILE* out, bool enabled, std::string label, int64_t total,
                absl::Duration min_interval = absl::Milliseconds(200));
  ~ProgressMeter();  // calls Finish()

  // True when `fd` is a terminal: the usual `enabled` for stderr.
  static bool IsTerminal(int fd);

  // Reports `done` records so far; redraws when the interval has passed.
  void Update(int64_t done);
  // Clears the line (the summary follows on stdout).
  void Finish();

  // How many times the line was drawn (for tests).
  int64_t draws() const { return draws_; }

 private:
  void Draw(int64_t done, absl::Time now);

  std::FILE* const out_;
  const bool enabled_;
  const std::string label_;
  const int64_t total_;
  const absl::Duration min_interval_;
  const absl::Time start_;
  absl::Time last_draw_ = absl::InfinitePast();
  size_t last_width_ = 0;
  int64_t draws_ = 0;
  bool finished_ = false;
};

// "1:05", "12:00:03": a duration for people.
std::string FormatEta(absl::Duration d);

}  // namespace parley

#endif  // PARLEY_STORAGE_PROGRESS_H_
