#include "storage/migrate_source.h"

#include <utility>

namespace parley {
namespace {

class BackendSource final : public RecordSource {
 public:
  BackendSource(Backend& backend, std::string name)
      : backend_(backend), name_(std::move(name)) {}

  const std::string& name() const override { return name_; }
  absl::StatusOr<StoreCounts> Count() override {
    return backend_.stream().Count();
  }
  absl::Status Scan(RecordVisitor& visitor) override {
    return backend_.stream().Scan(visitor);
  }

 private:
  Backend& backend_;
  const std::string name_;
};

}  // namespace

std::unique_ptr<RecordSource> BackendRecordSource(Backend& backend,
                                                  std::string name) {
  return std::make_unique<BackendSource>(backend, std::move(name));
}

}  // namespace parley
