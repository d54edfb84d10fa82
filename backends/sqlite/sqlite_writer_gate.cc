#include "backends/sqlite/sqlite_writer_gate.h"

#include <climits>
#include <cstdlib>
#include <map>
#include <string>

namespace parley {
namespace sqlite {
namespace {

// The file's path with its folder resolved (symbolic links, "..", relative
// paths), so that two spellings of one file share a gate.
std::string GateKey(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string folder =
      slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string name =
      slash == std::string::npos ? path : path.substr(slash + 1);
  char resolved[PATH_MAX];
  if (realpath(folder.empty() ? "/" : folder.c_str(), resolved) == nullptr) {
    return path;
  }
  return std::string(resolved) + "/" + name;
}

}  // namespace

std::shared_ptr<WriterGate> WriterGate::ForFile(const std::string& path) {
  static auto* const mu = new absl::Mutex;
  static auto* const gates =
      new std::map<std::string, std::weak_ptr<WriterGate>>;
  const std::string key = GateKey(path);
  absl::MutexLock lock(mu);
  std::weak_ptr<WriterGate>& slot = (*gates)[key];
  std::shared_ptr<WriterGate> gate = slot.lock();
  if (gate == nullptr) {
    gate = std::make_shared<WriterGate>();
    slot = gate;
  }
  return gate;
}

void WriterGate::Enter() {
  mu_.Lock();
  Waiter waiter{this, next_ticket_++};
  // absl::Mutex evaluates waiters' conditions itself on release and wakes
  // only the one whose turn it is (a CondVar would wake them all).
  mu_.Await(absl::Condition(&IsTurn, &waiter));
  mu_.Unlock();
}

void WriterGate::Leave() {
  absl::MutexLock lock(&mu_);
  ++serving_;
}

bool WriterGate::IsTurn(Waiter* waiter) {
  return waiter->gate->serving_ == waiter->ticket;
}

}  // namespace sqlite
}  // namespace parley
