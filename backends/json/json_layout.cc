#include "backends/json/json_layout.h"

#include "absl/strings/str_cat.h"
#include "storage/status_macros.h"

namespace parley {
namespace json_backend {

StoreLayout::StoreLayout(absl::string_view root) : root_(root) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  if (root_.empty()) root_ = ".";
}

std::string StoreLayout::LockFilePath() const {
  return absl::StrCat(root_, "/.parley.lock");
}

const std::vector<std::string>& StoreLayout::RelativeFolders(RecordKind kind) {
  static const auto* const kConversations =
      new std::vector<std::string>{"conversations"};
  static const auto* const kProfiles =
      new std::vector<std::string>{"data/profiles", "profiles"};
  static const auto* const kSubscriptions =
      new std::vector<std::string>{"data/subscriptions", "subscriptions"};
  switch (kind) {
    case RecordKind::kConversation:
      return *kConversations;
    case RecordKind::kProfile:
      return *kProfiles;
    case RecordKind::kSubscription:
      return *kSubscriptions;
  }
  return *kConversations;
}

std::string StoreLayout::Folder(RecordKind kind, int index) const {
  return absl::StrCat(root_, "/", RelativeFolders(kind)[index]);
}

std::string StoreLayout::Display(RecordKind kind, int folder,
                                 absl::string_view id) {
  return absl::StrCat(RelativeFolders(kind)[folder], "/", id, ".json");
}

std::string StoreLayout::FileName(absl::string_view id) {
  return absl::StrCat(id, ".json");
}

absl::StatusOr<StoreLayout::Location> StoreLayout::Locate(
    RecordKind kind, absl::string_view id) const {
  const int folders = static_cast<int>(RelativeFolders(kind).size());
  for (int i = 0; i < folders; ++i) {
    ASSIGN_OR_RETURN(std::optional<FileIdentity> file,
                     StatPath(absl::StrCat(Folder(kind, i), "/", FileName(id)),
                              Display(kind, i, id)));
    if (file.has_value()) return Location{i, true};
  }
  if (folders == 2) {
    ASSIGN_OR_RETURN(std::optional<FileIdentity> nested,
                     StatPath(Folder(kind, 0), RelativeFolders(kind)[0]));
    ASSIGN_OR_RETURN(std::optional<FileIdentity> flat,
                     StatPath(Folder(kind, 1), RelativeFolders(kind)[1]));
    if (!nested.has_value() && flat.has_value()) return Location{1, false};
  }
  return Location{0, false};
}

absl::StatusOr<std::optional<StoreLayout::Found>> StoreLayout::Read(
    RecordKind kind, absl::string_view id) const {
  const int folders = static_cast<int>(RelativeFolders(kind).size());
  for (int i = 0; i < folders; ++i) {
    ASSIGN_OR_RETURN(
        std::optional<FileContents> contents,
        ReadFileIfExists(absl::StrCat(Folder(kind, i), "/", FileName(id)),
                         Display(kind, i, id)));
    if (contents.has_value()) return Found{i, *std::move(contents)};
  }
  return std::nullopt;
}

}  // namespace json_backend
}  // namespace parley
