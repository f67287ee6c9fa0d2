#include "tests/reliability/process_stats.h"

#include <dirent.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace framerpc {
namespace reliability {
namespace {

std::string ProcDir(pid_t pid) {
  return pid == 0 ? std::string("/proc/self") : absl::StrCat("/proc/", pid);
}

// The number a /proc/<pid>/status line starting with `field` gives; -1 if
// there is none.
int64_t StatusNumber(pid_t pid, const std::string& field) {
  std::ifstream status(ProcDir(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stoll(line.substr(field.size()));
  }
  return -1;
}

}  // namespace

int64_t ResidentKib(pid_t pid) { return StatusNumber(pid, "VmRSS:"); }

int ThreadCount(pid_t pid) {
  return static_cast<int>(StatusNumber(pid, "Threads:"));
}

int OpenFds(pid_t pid) {
  DIR* dir = ::opendir((ProcDir(pid) + "/fd").c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return pid == 0 ? count - 1 : count;  // not the one opendir holds
}

bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) return condition();
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

}  // namespace reliability
}  // namespace framerpc
