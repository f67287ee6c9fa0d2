#include "tests/support/prometheus_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/prometheus_scrape.h"

namespace framerpc {
namespace testing_support {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(60);
constexpr absl::Duration kStopTimeout = absl::Seconds(10);
constexpr int kPortAttempts = 5;

// A port nobody listens on now (bound to 0, read back, released).
int FreeTcpPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
          0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// True when the child has exited, and reaps it then.
bool Exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

std::string LogPath(const std::string& dir) { return dir + "/prometheus.log"; }

absl::StatusOr<pid_t> Spawn(const std::string& dir, int port) {
  std::vector<std::string> args = {
      PrometheusServer::BinaryPath(),
      absl::StrCat("--config.file=", dir, "/prometheus.yml"),
      absl::StrCat("--web.listen-address=127.0.0.1:", port),
      absl::StrCat("--storage.tsdb.path=", dir, "/data"),
  };
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log_path = LogPath(dir);
  // fork and exec for PR_SET_PDEATHSIG (see the header); between them the
  // child makes only async-signal-safe calls.
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return absl::UnavailableError(
        absl::StrCat("fork for prometheus: ", std::strerror(errno)));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int in = ::open("/dev/null", O_RDONLY);
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                           0644);
    if (in < 0 || log < 0 || ::dup2(in, 0) < 0 || ::dup2(log, 1) < 0 ||
        ::dup2(log, 2) < 0) {
      ::_exit(127);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

std::string PrometheusServer::BinaryPath() {
  for (const char* path : {"/usr/bin/prometheus", "/usr/local/bin/prometheus"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<PrometheusServer>> PrometheusServer::Start(
    int target_port) {
  if (BinaryPath().empty()) {
    return absl::FailedPreconditionError("prometheus is not installed");
  }
  std::string dir =
      std::filesystem::temp_directory_path().string() + "/framerpc-prom-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("mkdtemp ", dir, ": ", std::strerror(errno)));
  }
  {
    std::ofstream config(dir + "/prometheus.yml");
    config << "global:\n"
              "  scrape_interval: 1s\n"
              "  scrape_timeout: 1s\n"
              "scrape_configs:\n"
              "  - job_name: framerpc_test\n"
              "    static_configs:\n"
              "      - targets: ['127.0.0.1:"
           << target_port << "']\n";
  }
  std::string failures;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    const int port = FreeTcpPort();
    if (port < 0) continue;
    absl::StatusOr<pid_t> pid = Spawn(dir, port);
    if (!pid.ok()) {
      std::filesystem::remove_all(dir);
      return pid.status();
    }
    std::unique_ptr<PrometheusServer> server(
        new PrometheusServer(*pid, port, dir));
    const absl::Time give_up = absl::Now() + kStartTimeout;
    while (absl::Now() < give_up) {
      if (Exited(*pid)) {
        server->pid_ = -1;  // reaped: its PID may be anyone's now
        break;
      }
      absl::StatusOr<std::string> ready =
          HttpGet(port, "/-/ready", absl::Seconds(2));
      if (ready.ok() && ready->rfind("HTTP/1.1 200", 0) == 0) return server;
      absl::SleepFor(absl::Milliseconds(100));
    }
    absl::StrAppend(&failures, "attempt on port ", port, ":\n", server->Log());
    // Stop would remove the directory the next attempt needs.
    if (server->pid_ > 0) {
      ::kill(server->pid_, SIGKILL);
      while (::waitpid(server->pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    server->pid_ = -1;
    server->dir_.clear();
  }
  std::filesystem::remove_all(dir);
  return absl::UnavailableError(
      absl::StrCat("prometheus did not come up: ", failures));
}

PrometheusServer::~PrometheusServer() { Stop(); }

void PrometheusServer::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const absl::Time give_up = absl::Now() + kStopTimeout;
    bool exited = false;
    while (!exited && absl::Now() < give_up) {
      exited = Exited(pid_);
      if (!exited) absl::SleepFor(absl::Milliseconds(20));
    }
    if (!exited) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ignored;  // a leftover directory is only litter
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
  }
}

std::string PrometheusServer::Log() const {
  if (dir_.empty()) return "";
  std::ifstream in(LogPath(dir_));
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() > 4096 ? all.substr(all.size() - 4096) : all;
}

namespace {

// Percent-encodes a query parameter.
std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> PrometheusServer::QueryOne(
    absl::string_view promql) {
  absl::StatusOr<std::string> response = HttpGet(
      port_, absl::StrCat("/api/v1/query?query=", UrlEncode(promql)),
      absl::Seconds(5));
  if (!response.ok()) return response.status();
  const std::string body = HttpBody(*response);
  // {"status":"success","data":{"resultType":"vector","result":[{"metric":
  // {...},"value":[1700000000.123,"5"]}]}}
  const size_t first = body.find("\"value\":[");
  if (first == std::string::npos) {
    return absl::NotFoundError(absl::StrCat("no sample yet: ", body));
  }
  if (body.find("\"value\":[", first + 1) != std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat("more than one sample: ", body));
  }
  const size_t open = body.find(",\"", first);
  const size_t close =
      open == std::string::npos ? open : body.find('"', open + 2);
  if (close == std::string::npos) {
    return absl::InternalError(absl::StrCat("unreadable answer: ", body));
  }
  return body.substr(open + 2, close - open - 2);
}

}  // namespace testing_support
}  // namespace framerpc
