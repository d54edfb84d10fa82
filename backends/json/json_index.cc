#include "backends/json/json_index.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/status_macros.h"

namespace parley {
namespace json_backend {

RecordIndex::RecordIndex(const StoreLayout* layout, RecordKind kind,
                         FactsLoader loader)
    : layout_(layout), kind_(kind), loader_(std::move(loader)) {
  absl::MutexLock lock(&mu_);
  folders_.resize(StoreLayout::RelativeFolders(kind).size());
}

std::string RecordIndex::FilePath(int folder, const std::string& id) const {
  return absl::StrCat(layout_->Folder(kind_, folder), "/",
                      StoreLayout::FileName(id));
}

absl::StatusOr<std::vector<RecordIndex::Item>> RecordIndex::FindByKey(
    absl::string_view key) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(RefreshNames());
  RETURN_IF_ERROR(LoadUnloaded());
  RETURN_IF_ERROR(CheckBroken());
  std::vector<std::string> ids;
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    ids.assign(it->second.begin(), it->second.end());
  }
  std::vector<Item> items;
  for (const std::string& id : ids) {
    RETURN_IF_ERROR(Revalidate(id));
    auto it = entries_.find(id);
    if (it == entries_.end()) continue;  // the file is gone
    RETURN_IF_ERROR(it->second.error);
    if (it->second.facts.key != key) continue;  // rewritten for another key
    items.push_back(Item{id, it->second.facts});
  }
  return items;
}

absl::StatusOr<std::vector<RecordIndex::Item>> RecordIndex::All() {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(RefreshNames());
  std::vector<std::string> ids;
  ids.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  std::vector<Item> items;
  items.reserve(ids.size());
  for (const std::string& id : ids) {
    RETURN_IF_ERROR(Revalidate(id));
    auto it = entries_.find(id);
    if (it == entries_.end()) continue;
    RETURN_IF_ERROR(it->second.error);
    items.push_back(Item{id, it->second.facts});
  }
  return items;
}

void RecordIndex::Recorded(const std::string& id, int folder,
                           const FileIdentity& identity, IndexFacts facts,
                           int64_t write_start_ns) {
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[id];
  entry.folder = folder;
  entry.identity = identity;
  entry.racy = IsRacy(identity, write_start_ns);
  SetFacts(id, entry, absl::OkStatus(), std::move(facts));
}

void RecordIndex::Removed(const std::string& id) {
  absl::MutexLock lock(&mu_);
  Erase(id);
}

void RecordIndex::Forget() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
  by_key_.clear();
  unloaded_.clear();
  broken_.clear();
  for (FolderState& folder : folders_) folder = FolderState();
  names_dirty_ = true;
}

absl::Status RecordIndex::RefreshNames() {
  const auto& relative = StoreLayout::RelativeFolders(kind_);
  bool changed = names_dirty_;
  for (size_t i = 0; i < folders_.size() && !changed; ++i) {
    const FolderState& state = folders_[i];
    ASSIGN_OR_RETURN(std::optional<FileIdentity> now,
                     StatPath(layout_->Folder(kind_, i), relative[i]));
    changed = !state.listed || state.racy || now != state.identity;
  }
  if (!changed) return absl::OkStatus();

  // Stat each folder before listing it: a change made after the stat gives
  // the folder a newer mtime than the one remembered, so it is seen next
  // time.
  const int64_t scan_start = NowNs();
  absl::flat_hash_map<std::string, int> found;  // id -> highest folder
  std::vector<FolderState> states(folders_.size());
  for (int i = static_cast<int>(folders_.size()) - 1; i >= 0; --i) {
    ASSIGN_OR_RETURN(states[i].identity,
                     StatPath(layout_->Folder(kind_, i), relative[i]));
    states[i].listed = true;
    states[i].racy = states[i].identity.has_value() &&
                     IsRacy(*states[i].identity, scan_start);
    ASSIGN_OR_RETURN(std::vector<std::string> ids,
                     ListRecordIds(layout_->Folder(kind_, i), relative[i]));
    for (std::string& id : ids) found[std::move(id)] = i;
  }

  std::vector<std::string> gone;
  for (const auto& [id, entry] : entries_) {
    if (!found.contains(id)) gone.push_back(id);
  }
  for (const std::string& id : gone) Erase(id);
  for (auto& [id, folder] : found) {
    auto [it, inserted] = entries_.try_emplace(id);
    Entry& entry = it->second;
    if (inserted || entry.folder != folder) {
      entry.folder = folder;
      if (entry.loaded) SetFacts(id, entry, absl::OkStatus(), IndexFacts());
      entry.loaded = false;
      unloaded_.insert(id);
    }
  }
  folders_ = std::move(states);
  names_dirty_ = false;
  return absl::OkStatus();
}

absl::Status RecordIndex::LoadUnloaded() {
  std::vector<std::string> ids(unloaded_.begin(), unloaded_.end());
  for (const std::string& id : ids) RETURN_IF_ERROR(Revalidate(id));
  return absl::OkStatus();
}

absl::Status RecordIndex::CheckBroken() {
  std::vector<std::string> ids(broken_.begin(), broken_.end());
  std::sort(ids.begin(), ids.end());
  for (const std::string& id : ids) RETURN_IF_ERROR(Revalidate(id));
  for (const std::string& id : ids) {
    auto it = entries_.find(id);
    if (it != entries_.end() && !it->second.error.ok()) return it->second.error;
  }
  return absl::OkStatus();
}

absl::Status RecordIndex::Revalidate(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::OkStatus();
  Entry& entry = it->second;
  if (entry.loaded && !entry.racy) {
    ASSIGN_OR_RETURN(std::optional<FileIdentity> now,
                     StatPath(FilePath(entry.folder, id),
                              StoreLayout::Display(kind_, entry.folder, id)));
    if (!now.has_value()) {
      // Removed (or moved) without us seeing the folder change yet.
      Erase(id);
      names_dirty_ = true;
      return absl::OkStatus();
    }
    if (*now == entry.identity) return absl::OkStatus();
  }
  return Reload(id, entry);
}

absl::Status RecordIndex::Reload(const std::string& id, Entry& entry) {
  const int64_t read_start = NowNs();
  ASSIGN_OR_RETURN(std::optional<LoadedFacts> loaded,
                   loader_(entry.folder, id));
  if (!loaded.has_value()) {
    Erase(id);
    names_dirty_ = true;
    return absl::OkStatus();
  }
  entry.identity = loaded->identity;
  entry.racy = IsRacy(loaded->identity, read_start);
  SetFacts(id, entry, std::move(loaded->error), std::move(loaded->facts));
  return absl::OkStatus();
}

void RecordIndex::SetFacts(const std::string& id, Entry& entry,
                           absl::Status error, IndexFacts facts) {
  if (entry.loaded && entry.facts.key.has_value()) {
    auto it = by_key_.find(*entry.facts.key);
    if (it != by_key_.end()) {
      it->second.erase(id);
      if (it->second.empty()) by_key_.erase(it);
    }
  }
  entry.loaded = true;
  unloaded_.erase(id);
  entry.error = std::move(error);
  entry.facts = std::move(facts);
  if (entry.error.ok()) {
    broken_.erase(id);
    if (entry.facts.key.has_value()) by_key_[*entry.facts.key].insert(id);
  } else {
    broken_.insert(id);
  }
}

void RecordIndex::Erase(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (it->second.loaded && it->second.facts.key.has_value()) {
    auto keyed = by_key_.find(*it->second.facts.key);
    if (keyed != by_key_.end()) {
      keyed->second.erase(id);
      if (keyed->second.empty()) by_key_.erase(keyed);
    }
  }
  unloaded_.erase(id);
  broken_.erase(id);
  entries_.erase(it);
}

}  // namespace json_backend
}  // namespace parley
