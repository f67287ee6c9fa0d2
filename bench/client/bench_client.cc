// bench_client: the load generator for every bench system. Closed-loop
// synchronous echo calls from --threads threads for --warmup, then for
// --duration; prints one JSON line (see result_json.h) on stdout. Exits 1
// when any call failed or any reply differed from its request (or the server
// closed one of the --idle_connections), 2 on a bad command line or when it
// cannot start, 3 when a call hung past the end.
#include <csignal>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "bench/client/caller_factory.h"
#include "bench/client/idle_connections.h"
#include "bench/client/load_runner.h"
#include "bench/client/result_json.h"
#include "bench/common/file_limit.h"

ABSL_FLAG(std::string, system, "",
          "raw, rawpb, pollref, grpc, capnp, thrift or framerpc (as built)");
ABSL_FLAG(std::string, target, "",
          "Server address: host:port or unix:/path; framerpc also takes "
          "every other target form of docs/api.md 5.1 ([v6]:port, "
          "dns:///name:port, dns://ADDR:PORT/name:port, "
          "ipv4:a.b.c.d:port,..., ipv6:[v6]:port,...), passed to "
          "Channel::Create as given");
ABSL_FLAG(std::string, tls_ca, "",
          "grpc and framerpc: speak TLS, trusting the CA certificates in this "
          "PEM file (the framerpc-tls and grpc-tls systems)");
ABSL_FLAG(int, threads, 1, "Client threads, each with one call in flight");
ABSL_FLAG(int64_t, payload, 64, "Payload bytes per request (and reply)");
ABSL_FLAG(double, duration, 2.0, "Seconds of the measured window");
ABSL_FLAG(double, warmup, 0.5, "Seconds of calls before the window");
ABSL_FLAG(bool, channel_per_thread, false,
          "grpc, framerpc: a channel per thread instead of one shared");
ABSL_FLAG(int, max_connections, 1,
          "framerpc: the shared Channel's ChannelOptions::max_connections");
ABSL_FLAG(std::string, load_balancing, "least_loaded",
          "framerpc: ChannelOptions::load_balancing for a target of several "
          "addresses: pick_first, round_robin or least_loaded");
ABSL_FLAG(int, idle_connections, 0,
          "Connections opened to the target before the load and left idle "
          "(fewer when RLIMIT_NOFILE's hard limit does not allow them)");
ABSL_FLAG(int, server_pid, 0,
          "When set, the server's CPU time is read from /proc at the "
          "window's edges");

namespace framerpc {
namespace bench {
namespace {

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "bench_client: %s (see --help)\n", why.c_str());
  std::exit(2);
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(absl::StrCat(
      "bench_client --system S --target ADDR [--threads N] [--payload BYTES] "
      "[--duration S] [--warmup S] [--channel_per_thread] "
      "[--max_connections N] [--load_balancing P] [--idle_connections N] "
      "[--server_pid PID]"
      "\nSystems built: ",
      BuiltSystems()));
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  std::signal(SIGPIPE, SIG_IGN);  // a closed peer is an error, not a signal
  if (rest.size() > 1)
    Usage(absl::StrCat("unexpected argument '", rest[1], "'"));

  RunDescription run;
  run.system = absl::GetFlag(FLAGS_system);
  run.threads = absl::GetFlag(FLAGS_threads);
  run.channel_per_thread = absl::GetFlag(FLAGS_channel_per_thread);
  const std::string target = absl::GetFlag(FLAGS_target);
  const int64_t payload = absl::GetFlag(FLAGS_payload);
  const double duration = absl::GetFlag(FLAGS_duration);
  const double warmup = absl::GetFlag(FLAGS_warmup);
  if (run.system.empty() || target.empty())
    Usage("--system and --target are required");
  if (run.threads < 1 || run.threads > 4096) Usage("--threads must be 1..4096");
  if (payload < 0 || payload > (int64_t{8} << 20))
    Usage("--payload must be 0..8 MiB");
  if (!(duration > 0 && duration <= 3600))
    Usage("--duration must be in (0, 3600]");
  if (!(warmup >= 0 && warmup <= 3600)) Usage("--warmup must be in [0, 3600]");
  run.payload = static_cast<size_t>(payload);
  const int idle_wanted = absl::GetFlag(FLAGS_idle_connections);
  if (idle_wanted < 0 || idle_wanted > 1000000)
    Usage("--idle_connections must be 0..1000000");

  absl::StatusOr<std::unique_ptr<CallerFactory>> factory =
      MakeCallerFactory(run.system, target, run.channel_per_thread,
                        absl::GetFlag(FLAGS_max_connections),
                        absl::GetFlag(FLAGS_load_balancing),
                        absl::GetFlag(FLAGS_tls_ca));
  if (!factory.ok()) Usage(factory.status().ToString());

  // Opened, and accepted by the server, before the load starts.
  absl::optional<IdleConnections> idle;
  if (idle_wanted > 0) {
    // Headroom for the load's own sockets and the libraries' descriptors.
    const int spare = 256 + 2 * run.threads;
    const uint64_t limit = RaiseFileLimit(uint64_t(idle_wanted) + spare);
    run.idle_connections = idle_wanted;
    if (limit < uint64_t(idle_wanted) + spare) {
      run.idle_connections =
          limit > uint64_t(spare) ? static_cast<int>(limit) - spare : 0;
      std::fprintf(stderr,
                   "bench_client: RLIMIT_NOFILE allows %llu descriptors; "
                   "holding %d idle connections instead of %d\n",
                   static_cast<unsigned long long>(limit), run.idle_connections,
                   idle_wanted);
    }
    absl::StatusOr<IdleConnections> opened = IdleConnections::Open(
        target, run.idle_connections, absl::GetFlag(FLAGS_server_pid));
    if (!opened.ok()) {
      std::fprintf(stderr, "bench_client: %s\n",
                   opened.status().ToString().c_str());
      return 2;
    }
    idle = *std::move(opened);
  }

  LoadOptions options;
  options.threads = run.threads;
  options.payload = run.payload;
  options.duration = absl::Seconds(duration);
  options.warmup = absl::Seconds(warmup);
  options.server_pid = absl::GetFlag(FLAGS_server_pid);
  absl::StatusOr<LoadResult> result = RunClosedLoop(options, **factory);
  if (!result.ok()) {
    std::fprintf(stderr, "bench_client: %s\n",
                 result.status().ToString().c_str());
    return 2;
  }
  if (idle) {
    const int closed = idle->CountClosed();
    if (closed > 0) {
      // Counted as failed calls: the cell did not measure what it names.
      result->errors += closed;
      if (result->first_error.empty()) {
        result->first_error =
            absl::StrCat("the server closed ", closed, " of ", idle->size(),
                         " idle connections (a connection limit?)");
      }
    }
  }
  std::printf("%s\n", ResultJson(run, &*result).c_str());
  std::fflush(stdout);
  if (result->errors > 0 || result->mismatches > 0) {
    std::fprintf(
        stderr,
        "bench_client: %lld failed calls, %lld mismatched replies%s%s\n",
        static_cast<long long>(result->errors),
        static_cast<long long>(result->mismatches),
        result->first_error.empty() ? "" : "; first error: ",
        result->first_error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
