// What every bench server does around serving, so each server file holds only
// its system: the --listen flag, the "listening on ADDR" line that bench/run.sh
// reads from the first line of stdout, waiting for a stop request (SIGTERM,
// SIGINT or end of stdin), and a last line with the CPU time used.
//
// Usage, in main:
//   std::string listen = InitServer(argc, argv, "usage...");  // first thing
//   ... bind, start serving on other threads ...
//   AnnounceListening(bound_address);
//   WaitForStopRequest();
//   ... stop serving, join threads ...
//   ReportExit();
#ifndef FRAMERPC_BENCH_COMMON_SERVER_SHELL_H_
#define FRAMERPC_BENCH_COMMON_SERVER_SHELL_H_

#include <string>

#include "absl/strings/string_view.h"

namespace framerpc {
namespace bench {

// Parses the command line (absl flags: --listen, --exit_on_stdin_eof, and the
// server's own), blocks SIGTERM and SIGINT, ignores SIGPIPE and raises
// RLIMIT_NOFILE to its hard limit (the c1_idle10k workload holds 10,000
// connections to the server; a refused accept would fail the cell). Returns
// the --listen address. Call before starting any thread, so every thread
// inherits the blocked signals and only WaitForStopRequest() sees them.
// Exits with status 2 on a bad command line.
std::string InitServer(int argc, char** argv, absl::string_view usage);

// The --tls_cert and --tls_key flags (PEM files): with both, the server
// speaks TLS with that certificate (the framerpc-tls and grpc-tls systems).
struct ServerTlsFiles {
  std::string cert_file;
  std::string key_file;
  bool enabled() const { return !cert_file.empty(); }
};
ServerTlsFiles TlsFiles();

// The whole of the file at `path`; exits like DieWith when it cannot be read.
std::string ReadFileOrDie(const std::string& path);

// Prints "listening on ADDRESS" on stdout and flushes.
void AnnounceListening(absl::string_view address);

// Blocks until SIGTERM or SIGINT arrives, or stdin reaches end of file (a
// runner that dies closes the pipe, so its servers follow it); the latter
// unless --exit_on_stdin_eof=false. A closed or invalid stdin is ignored.
void WaitForStopRequest();

// Prints "exit cpu_user_us=U cpu_sys_us=S" (getrusage, whole process) on
// stdout and flushes.
void ReportExit();

// Prints "ACTION: STATUS" on stderr and exits with status 1.
[[noreturn]] void DieWith(absl::string_view action, absl::string_view status);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_COMMON_SERVER_SHELL_H_
