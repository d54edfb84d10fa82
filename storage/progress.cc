#include "storage/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace parley {

ProgressMeter::ProgressMeter(std::FILE* out, bool enabled, std::string label,
                             int64_t total, absl::Duration min_interval)
    : out_(out),
      enabled_(enabled),
      label_(std::move(label)),
      total_(total),
      min_interval_(min_interval),
      start_(absl::Now()) {}

ProgressMeter::~ProgressMeter() { Finish(); }

bool ProgressMeter::IsTerminal(int fd) { return ::isatty(fd) == 1; }

void ProgressMeter::Update(int64_t done) {
  if (!enabled_ || finished_) return;
  const absl::Time now = absl::Now();
  if (now - last_draw_ < min_interval_) return;
  Draw(done, now);
}

void ProgressMeter::Draw(int64_t done, absl::Time now) {
  last_draw_ = now;
  ++draws_;
  const double seconds = absl::ToDoubleSeconds(now - start_);
  const double rate = seconds > 0 ? done / seconds : 0;
  std::string line = absl::StrCat(label_, ": ", done);
  if (total_ >= 0) absl::StrAppend(&line, " / ", total_);
  absl::StrAppend(&line, " records, ", absl::StrFormat("%.0f", rate), " rec/s");
  if (total_ >= 0 && rate > 0 && done <= total_) {
    absl::StrAppend(&line, ", ETA ",
                    FormatEta(absl::Seconds((total_ - done) / rate)));
  }
  const size_t width = line.size();
  if (width < last_width_) line.append(last_width_ - width, ' ');
  last_width_ = width;
  std::fprintf(out_, "\r%s", line.c_str());
  std::fflush(out_);
}

void ProgressMeter::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  if (draws_ > 0) {
    std::fprintf(out_, "\r%s\r", std::string(last_width_, ' ').c_str());
    std::fflush(out_);
  }
}

std::string FormatEta(absl::Duration d) {
  int64_t s = static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(d)));
  if (s < 0) s = 0;
  if (s >= 3600) {
    return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace parley
