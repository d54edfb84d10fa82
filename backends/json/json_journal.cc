#include "backends/json/json_journal.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/json/json_files.h"

namespace parley {
namespace json_backend {

void Journal::RecordFile(const std::string& folder, const std::string& name,
                         const std::string& display, const std::string* prior) {
  if (!paths_.insert(absl::StrCat(folder, "/", name)).second) return;
  FileRecord record{folder, name, display, std::nullopt};
  if (prior != nullptr) record.prior = *prior;
  files_.push_back(std::move(record));
}

void Journal::RecordFolder(const std::string& path) {
  folders_.push_back(path);
}

absl::Status Journal::RollBack(bool sync) {
  absl::Status first;
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
    absl::Status status;
    if (it->prior.has_value()) {
      status = WriteFileAtomically(it->folder, it->name, *it->prior, sync,
                                   it->display)
                   .status();
    } else {
      status = RemoveFile(it->folder, it->name, sync, it->display).status();
    }
    first.Update(status);
  }
  for (auto it = folders_.rbegin(); it != folders_.rend(); ++it) {
    first.Update(RemoveFolderIfEmpty(*it, sync));
  }
  files_.clear();
  paths_.clear();
  folders_.clear();
  return first;
}

void Journal::MergeInto(Journal& parent) {
  for (FileRecord& record : files_) {
    if (parent.paths_.insert(absl::StrCat(record.folder, "/", record.name))
            .second) {
      parent.files_.push_back(std::move(record));
    }
  }
  for (std::string& folder : folders_) {
    parent.folders_.push_back(std::move(folder));
  }
  files_.clear();
  paths_.clear();
  folders_.clear();
}

}  // namespace json_backend
}  // namespace parley
