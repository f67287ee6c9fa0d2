#include "bench/common/server_shell.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "bench/common/file_limit.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "Address to serve on: host:port (port 0 picks one) or unix:/path");
ABSL_FLAG(bool, exit_on_stdin_eof, true,
          "Stop when stdin reaches end of file (besides SIGTERM and SIGINT)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve TLS with it (needs --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");

namespace framerpc {
namespace bench {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

std::string InitServer(int argc, char** argv, absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", argv[0],
                 rest[1]);
    std::exit(2);
  }
  const sigset_t stop = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  RaiseFileLimit(uint64_t{1} << 20);
  return absl::GetFlag(FLAGS_listen);
}

void AnnounceListening(absl::string_view address) {
  const std::string line = absl::StrCat("listening on ", address, "\n");
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

void WaitForStopRequest() {
  const sigset_t stop = StopSignals();
  const int signal_fd = ::signalfd(-1, &stop, SFD_CLOEXEC);
  if (signal_fd < 0) DieWith("signalfd", std::strerror(errno));
  std::vector<pollfd> fds = {{signal_fd, POLLIN, 0}};
  if (absl::GetFlag(FLAGS_exit_on_stdin_eof)) fds.push_back({0, POLLIN, 0});
  while (true) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      DieWith("poll", std::strerror(errno));
    }
    if (fds[0].revents != 0) break;  // SIGTERM or SIGINT is pending
    if (fds.size() > 1 && fds[1].revents != 0) {
      if (fds[1].revents & POLLNVAL) {  // no stdin at all: rely on signals
        fds.pop_back();
        continue;
      }
      char discard[256];
      const ssize_t n = ::read(0, discard, sizeof(discard));
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
    }
  }
  ::close(signal_fd);
}

void ReportExit() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("exit cpu_user_us=%lld cpu_sys_us=%lld\n",
              static_cast<long long>(usage.ru_utime.tv_sec) * 1000000 +
                  usage.ru_utime.tv_usec,
              static_cast<long long>(usage.ru_stime.tv_sec) * 1000000 +
                  usage.ru_stime.tv_usec);
  std::fflush(stdout);
}

ServerTlsFiles TlsFiles() {
  ServerTlsFiles files{absl::GetFlag(FLAGS_tls_cert),
                       absl::GetFlag(FLAGS_tls_key)};
  if (files.cert_file.empty() != files.key_file.empty()) {
    DieWith("tls", "--tls_cert and --tls_key go together");
  }
  return files;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  if (!in) DieWith("read " + path, "cannot be read");
  return contents.str();
}

void DieWith(absl::string_view action, absl::string_view status) {
  const std::string line = absl::StrCat(action, ": ", status, "\n");
  std::fputs(line.c_str(), stderr);
  std::fflush(stdout);
  // _Exit: other threads may still be serving; static destructors must not
  // run under them.
  std::_Exit(1);
}

}  // namespace bench
}  // namespace framerpc
