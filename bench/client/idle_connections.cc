// The idle sockets of the c1_idle10k workload; see idle_connections.h.
#include "bench/client/idle_connections.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>  // POLLRDHUP needs _GNU_SOURCE, which g++ defines

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/posix_error.h"
#include "bench/common/sockets.h"

namespace framerpc {
namespace bench {
namespace {

// The entries of /proc/PID/fd.
absl::StatusOr<int> CountOpenFiles(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/fd");
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return PosixError(absl::StrCat("opendir ", path), errno);
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count;
}

}  // namespace

absl::StatusOr<IdleConnections> IdleConnections::Open(absl::string_view target,
                                                      int count,
                                                      pid_t server_pid) {
  absl::StatusOr<int> before = 0;
  if (server_pid != 0) {
    before = CountOpenFiles(server_pid);
    if (!before.ok()) return before.status();
  }
  IdleConnections idle;
  idle.fds_.reserve(count);
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<UniqueFd> fd = ConnectTo(target);
    if (!fd.ok()) {
      return absl::Status(fd.status().code(),
                          absl::StrCat("idle connection ", i + 1, " of ", count,
                                       ": ", fd.status().message()));
    }
    idle.fds_.push_back(*std::move(fd));
  }
  if (server_pid == 0) return idle;
  // Measuring while the server still accepts them would time the accepting;
  // and a Unix socket refuses a non-blocking connect (EAGAIN), framerpc's
  // Channel's, while its accept queue is full. So wait until the server
  // holds them all: its descriptors are counted in /proc.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (true) {
    absl::StatusOr<int> now = CountOpenFiles(server_pid);
    if (!now.ok()) return now.status();
    if (*now >= *before + count) return idle;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("the server accepted ", *now - *before, " of ", count,
                       " idle connections in 60 s (a connection limit?)"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

int IdleConnections::CountClosed() const {
  std::vector<pollfd> fds;
  fds.reserve(fds_.size());
  // Data alone is no sign: a gRPC server greets every connection with its
  // HTTP/2 settings. A close (a refusal's last act, too) is.
  for (const UniqueFd& fd : fds_) fds.push_back({fd.get(), POLLRDHUP, 0});
  int closed = 0;
  if (::poll(fds.data(), fds.size(), 0) <= 0) return 0;
  for (const pollfd& p : fds) {
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) ++closed;
  }
  return closed;
}

}  // namespace bench
}  // namespace framerpc
