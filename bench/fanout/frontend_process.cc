#include "bench/fanout/frontend_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/posix_error.h"

extern char** environ;

namespace framerpc {
namespace bench {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(10);
constexpr absl::Duration kStopTimeout = absl::Seconds(10);
constexpr char kAnnouncement[] = "listening on ";

// Reads the child's stdout until its first line ends, for at most
// `timeout`; the line without its newline.
absl::StatusOr<std::string> ReadFirstLine(int fd, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string text;
  while (text.find('\n') == std::string::npos) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line within ", absl::FormatDuration(timeout),
                       " (read '", text, "')"));
    }
    pollfd waiting{fd, POLLIN, 0};
    const int ready = ::poll(
        &waiting, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return PosixError("poll the frontend's stdout", errno);
    if (ready == 0) continue;
    char chunk[256];
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return PosixError("read the frontend's stdout", errno);
    if (n == 0) {
      return absl::UnavailableError(
          absl::StrCat("exited before a whole line (read '", text, "')"));
    }
    text.append(chunk, static_cast<size_t>(n));
  }
  return text.substr(0, text.find('\n'));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FrontendProcess>> FrontendProcess::Start(
    const std::string& binary, const std::vector<std::string>& args) {
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) {
    return PosixError("pipe for the frontend's stdin", errno);
  }
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(to_child[0]);
    ::close(to_child[1]);
    return PosixError("pipe for the frontend's stdout", error);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr,
                                  argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (error != 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    return PosixError(absl::StrCat("start ", binary), error);
  }
  std::unique_ptr<FrontendProcess> process(
      new FrontendProcess(pid, to_child[1], from_child[0]));
  absl::StatusOr<std::string> line =
      ReadFirstLine(process->stdout_fd_, kStartTimeout);
  if (!line.ok()) {
    return absl::Status(line.status().code(),
                        absl::StrCat(binary, ": ", line.status().message()));
  }
  absl::string_view announced = *line;
  if (!absl::ConsumePrefix(&announced, kAnnouncement)) {
    return absl::InternalError(
        absl::StrCat(binary, " printed '", *line, "', not its address"));
  }
  process->address_ = std::string(announced);
  return process;
}

FrontendProcess::~FrontendProcess() {
  ::close(stdin_fd_);
  const absl::Time deadline = absl::Now() + kStopTimeout;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      ::kill(pid_, SIGKILL);  // our own child, by its pid
      ::waitpid(pid_, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  ::close(stdout_fd_);
}

int FrontendProcess::CountThreads() const {
  DIR* dir = ::opendir(absl::StrCat("/proc/", pid_, "/task").c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count;
}

}  // namespace bench
}  // namespace framerpc
