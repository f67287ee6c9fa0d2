#include "tests/client/dnsmasq_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace testing_support {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(10);
constexpr int kPortAttempts = 5;

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// A UDP port free on 127.0.0.1 a moment ago; dnsmasq binds UDP and TCP.
int FreeUdpPort() {
  UniqueFd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (!probe.valid() ||
      ::bind(probe.get(), reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0 ||
      ::getsockname(probe.get(), reinterpret_cast<sockaddr*>(&address),
                    &length) != 0) {
    return -1;
  }
  return ntohs(address.sin_port);
}

bool AcceptsTcp(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_in address = Loopback(port);
  return fd.valid() &&
         ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address),
                   sizeof(address)) == 0;
}

std::string ReadLog(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str().substr(0, 2000);
}

void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// True when the child has exited, and reaps it then.
bool Exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

absl::StatusOr<pid_t> Spawn(const std::string& binary, int port,
                            const std::vector<std::string>& host_records,
                            const std::string& log_path) {
  std::vector<std::string> args = {
      binary,
      "--no-daemon",  // foreground, no pid file, no change of user
      "--conf-file=/dev/null",
      "--no-resolv",
      "--no-hosts",
      absl::StrCat("--port=", port),
      "--listen-address=127.0.0.1",
      "--bind-interfaces",
      "--local=/test/",  // other names under test.: NXDOMAIN, not REFUSED
  };
  for (const std::string& record : host_records) {
    args.push_back(absl::StrCat("--host-record=", record));
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  // fork and exec rather than posix_spawn, for PR_SET_PDEATHSIG: a test
  // process that dies without its destructors (a sanitizer's abort, a
  // crash, SIGKILL) takes its dnsmasq with it. Between fork and exec the
  // child makes only async-signal-safe calls.
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return absl::UnavailableError(
        absl::StrCat("fork for ", binary, ": ", std::strerror(errno)));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died already
    const int in = ::open("/dev/null", O_RDONLY);
    const int log =
        ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || log < 0 || ::dup2(in, 0) < 0 || ::dup2(log, 1) < 0 ||
        ::dup2(log, 2) < 0) {
      ::_exit(127);
    }
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

std::string DnsmasqServer::BinaryPath() {
  for (const char* path : {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<DnsmasqServer>> DnsmasqServer::Start(
    const std::vector<std::string>& host_records) {
  const std::string binary = BinaryPath();
  if (binary.empty()) {
    return absl::FailedPreconditionError("dnsmasq is not installed");
  }
  std::string dir = ::testing::TempDir() + "framerpc-dnsmasq-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("mkdtemp ", dir, ": ", std::strerror(errno)));
  }
  const std::string log_path = dir + "/dnsmasq.log";
  std::string failures;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    const int port = FreeUdpPort();
    if (port < 0) continue;
    absl::StatusOr<pid_t> pid = Spawn(binary, port, host_records, log_path);
    if (!pid.ok()) return pid.status();
    const absl::Time give_up = absl::Now() + kStartTimeout;
    bool reaped = false;
    while (absl::Now() < give_up) {
      if (Exited(*pid)) {
        reaped = true;  // its PID may be anyone's now: never kill it
        break;
      }
      if (AcceptsTcp(port)) {
        return std::unique_ptr<DnsmasqServer>(
            new DnsmasqServer(*pid, port, dir));
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    // Exited (most likely the port was taken meanwhile) or never ready.
    if (!reaped) KillAndReap(*pid);
    absl::StrAppend(&failures, "\n[port ", port, "] ", ReadLog(log_path));
  }
  std::remove(log_path.c_str());
  ::rmdir(dir.c_str());
  return absl::UnavailableError(absl::StrCat(
      "dnsmasq did not come up in ", kPortAttempts, " tries:", failures));
}

DnsmasqServer::~DnsmasqServer() {
  KillAndReap(pid_);
  std::remove((log_dir_ + "/dnsmasq.log").c_str());
  ::rmdir(log_dir_.c_str());
}

Address DnsmasqServer::address() const {
  Address address;
  address.host = "127.0.0.1";
  address.port = port_;
  return address;
}

}  // namespace testing_support
}  // namespace framerpc
