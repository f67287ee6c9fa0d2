#include "tests/client/dnsmasq_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

// The hosts file of a server started with one, in its directory.
std::string HostsPath(const std::string& dir) { return dir + "/hosts"; }
std::string LogPath(const std::string& dir) { return dir + "/dnsmasq.log"; }

// Writes `lines` to a new file beside `path`, then renames it over `path`,
// so that a reader sees the old file or the new one, never a part.
absl::Status WriteWhole(const std::string& path,
                        const std::vector<std::string>& lines) {
  const std::string temporary = path + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    for (const std::string& line : lines) out << line << "\n";
    out.flush();
    if (!out) {
      return absl::UnavailableError(
          absl::StrCat("write ", temporary, ": ", std::strerror(errno)));
    }
  }
  // dnsmasq started as root reads it as "nobody" after dropping privileges.
  ::chmod(temporary.c_str(), 0644);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "rename ", temporary, " to ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<pid_t> Spawn(const std::string& binary, int port,
                            const std::vector<std::string>& mode_args,
                            const std::string& log_path) {
  std::vector<std::string> args = {
      binary,
      "--conf-file=/dev/null",
      "--no-resolv",
      "--no-hosts",
      absl::StrCat("--port=", port),
      "--listen-address=127.0.0.1",
      "--bind-interfaces",
      "--local=/test/",  // other names under test.: NXDOMAIN, not REFUSED
  };
  args.insert(args.end(), mode_args.begin(), mode_args.end());
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

// A new directory for one server's files, readable by all (see WriteWhole).
absl::StatusOr<std::string> MakeDirectory() {
  if (DnsmasqServer::BinaryPath().empty()) {
    return absl::FailedPreconditionError("dnsmasq is not installed");
  }
  std::string dir = ::testing::TempDir() + "framerpc-dnsmasq-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("mkdtemp ", dir, ": ", std::strerror(errno)));
  }
  ::chmod(dir.c_str(), 0755);
  return dir;
}

void RemoveDirectory(const std::string& dir) {
  for (const std::string& path :
       {LogPath(dir), HostsPath(dir), HostsPath(dir) + ".new"}) {
    std::remove(path.c_str());
  }
  ::rmdir(dir.c_str());
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
  absl::StatusOr<std::string> dir = MakeDirectory();
  if (!dir.ok()) return dir.status();
  // Foreground, no pid file, no change of user, logging to stderr.
  std::vector<std::string> mode_args = {"--no-daemon"};
  for (const std::string& record : host_records) {
    mode_args.push_back(absl::StrCat("--host-record=", record));
  }
  return Launch(*dir, mode_args, /*has_hosts_file=*/false);
}

absl::StatusOr<std::unique_ptr<DnsmasqServer>>
DnsmasqServer::StartWithHostsFile(const std::vector<std::string>& hosts_lines) {
  absl::StatusOr<std::string> dir = MakeDirectory();
  if (!dir.ok()) return dir.status();
  absl::Status written = WriteWhole(HostsPath(*dir), hosts_lines);
  if (!written.ok()) {
    ::rmdir(dir->c_str());
    return written;
  }
  // Not --no-daemon: in that (debug) mode dnsmasq may not reload on
  // SIGHUP. In the foreground, without a pid file, logging to stderr.
  return Launch(*dir,
                {"--keep-in-foreground", "--pid-file=", "--log-facility=-",
                 absl::StrCat("--addn-hosts=", HostsPath(*dir))},
                /*has_hosts_file=*/true);
}

absl::StatusOr<std::unique_ptr<DnsmasqServer>> DnsmasqServer::Launch(
    const std::string& dir, const std::vector<std::string>& mode_args,
    bool has_hosts_file) {
  const std::string binary = BinaryPath();
  const std::string log_path = LogPath(dir);
  std::string failures;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    const int port = FreeUdpPort();
    if (port < 0) continue;
    absl::StatusOr<pid_t> pid = Spawn(binary, port, mode_args, log_path);
    if (!pid.ok()) {
      RemoveDirectory(dir);
      return pid.status();
    }
    const absl::Time give_up = absl::Now() + kStartTimeout;
    bool reaped = false;
    while (absl::Now() < give_up) {
      if (Exited(*pid)) {
        reaped = true;  // its PID may be anyone's now: never kill it
        break;
      }
      if (AcceptsTcp(port)) {
        return std::unique_ptr<DnsmasqServer>(
            new DnsmasqServer(*pid, port, dir, has_hosts_file));
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    // Exited (most likely the port was taken meanwhile) or never ready.
    if (!reaped) KillAndReap(*pid);
    absl::StrAppend(&failures, "\n[port ", port, "] ", ReadLog(log_path));
  }
  RemoveDirectory(dir);
  return absl::UnavailableError(absl::StrCat(
      "dnsmasq did not come up in ", kPortAttempts, " tries:", failures));
}

absl::Status DnsmasqServer::RewriteHostsFile(
    const std::vector<std::string>& hosts_lines) {
  if (!has_hosts_file_) {
    return absl::FailedPreconditionError(
        "this dnsmasq was started without a hosts file");
  }
  absl::Status written = WriteWhole(HostsPath(dir_), hosts_lines);
  if (!written.ok()) return written;
  if (::kill(pid_, SIGHUP) != 0) {
    return absl::UnavailableError(absl::StrCat("SIGHUP to dnsmasq (pid ", pid_,
                                               "): ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

DnsmasqServer::~DnsmasqServer() {
  KillAndReap(pid_);
  RemoveDirectory(dir_);
}

Address DnsmasqServer::address() const {
  Address address;
  address.host = "127.0.0.1";
  address.port = port_;
  return address;
}

}  // namespace testing_support
}  // namespace framerpc
