// idle_connections: what idle connections cost every call, with each
// Poller. Starts a Server (TestService, handlers on workers, or on the loop
// with --inline), opens N connections that each make one call and then stay
// idle, and times calls made one at a time on one more connection; prints
// the median and p99 of each (poller, N) cell over several runs, the
// pollers alternating so that a busy moment of the machine hits both.
// docs/performance.md ("Poller: poll(2) or epoll(7)") quotes its figures.
//
// Not a test: it asserts nothing about time. ctest runs it once, tiny
// (idle_connections.Smoke), so that it keeps building and working; it exits
// non-zero if a call fails.
//
// Usage: idle_connections [--idle 0,1000,10000] [--calls 5000] [--runs 3]
//                         [--inline]
// The idle connections are held by a child process (this program again,
// run as `idle_connections --hold ADDRESS N`), so that each process needs
// descriptors for one end only; both raise RLIMIT_NOFILE to fit, as far as
// the hard limit allows.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/unique_fd.h"
#include "framerpc/server.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {
namespace {

struct Flags {
  std::vector<int> idle = {0, 1000, 10000};
  int calls = 5000;
  int runs = 3;
  bool inline_handlers = false;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--inline") {
      flags->inline_handlers = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (flag == "--idle") {
      flags->idle.clear();
      for (absl::string_view part : absl::StrSplit(value, ',')) {
        int n = 0;
        if (!absl::SimpleAtoi(part, &n) || n < 0) return false;
        flags->idle.push_back(n);
      }
    } else if (flag == "--calls") {
      if (!absl::SimpleAtoi(value, &flags->calls) || flags->calls < 1) {
        return false;
      }
    } else if (flag == "--runs") {
      if (!absl::SimpleAtoi(value, &flags->runs) || flags->runs < 1) {
        return false;
      }
    } else {
      return false;
    }
  }
  return true;
}

// Room for one end of `connections` sockets, plus a few more.
absl::Status FitDescriptors(int connections) {
  const rlim_t wanted = static_cast<rlim_t>(connections + 256);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError("getrlimit(RLIMIT_NOFILE) failed");
  }
  if (limit.rlim_cur >= wanted) return absl::OkStatus();
  rlimit raised{wanted, std::max(limit.rlim_max, wanted)};
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("raise RLIMIT_NOFILE to ", wanted, " for ", connections,
                   " connections: the hard limit is ", limit.rlim_max));
}

const std::string& EchoMethod() {
  static const std::string* const method =
      new std::string(TestService::Method("Echo"));
  return *method;
}

TestRequest EchoRequest() {
  return MakeRequest(
      "64 bytes of payload, more or less, as the bench's echo sends them..");
}

// The child: opens `count` connections to `address`, makes one call on each
// (so that the server has accepted and registered every one), says "ready"
// on stdout, then holds them until stdin reaches end of file.
int Hold(const std::string& address, int count) {
  const absl::Status fits = FitDescriptors(count);
  if (!fits.ok()) {
    std::fprintf(stderr, "hold: %s\n", fits.ToString().c_str());
    return 1;
  }
  std::vector<RawClient> clients;
  clients.reserve(count);
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<RawClient> client = RawClient::Connect(address);
    absl::Status status = client.status();
    if (status.ok()) {
      status = CallOnce(*client, 1, EchoMethod(), EchoRequest()).status();
    }
    if (!status.ok()) {
      std::fprintf(stderr, "hold: connection %d: %s\n", i + 1,
                   status.ToString().c_str());
      return 1;
    }
    clients.push_back(*std::move(client));
  }
  std::printf("ready\n");
  std::fflush(stdout);
  char byte;
  while (::read(STDIN_FILENO, &byte, 1) > 0) {
  }
  return 0;
}

// A running Hold child: its stdin (closed to end it) and stdout.
struct Holder {
  pid_t pid = -1;
  UniqueFd to_child;
  UniqueFd from_child;
};

void StopHolder(Holder* holder) {
  holder->to_child.Reset();  // end of file: the child closes its sockets
  int status = 0;
  ::waitpid(holder->pid, &status, 0);
}

absl::StatusOr<Holder> StartHolder(const std::string& address, int count) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    return absl::InternalError("pipe2 for the idle connections' holder");
  }
  // Everything exec needs is made before fork: the server's threads run,
  // so the child may only make async-signal-safe calls before exec.
  const std::string count_text = absl::StrCat(count);
  const char* argv[] = {"/proc/self/exe", "--hold", address.c_str(),
                        count_text.c_str(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("fork the idle connections' holder");
  if (pid == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::execv(argv[0], const_cast<char* const*>(argv));
    ::_exit(127);
  }
  Holder holder;
  holder.pid = pid;
  ::close(in[0]);
  ::close(out[1]);
  holder.to_child.Reset(in[1]);
  holder.from_child.Reset(out[0]);
  char ready[6] = {};
  size_t got = 0;
  while (got < sizeof(ready)) {
    const ssize_t n =
        ::read(holder.from_child.get(), ready + got, sizeof(ready) - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (absl::string_view(ready, got) != "ready\n") {
    StopHolder(&holder);
    return absl::InternalError(absl::StrCat(
        "the holder of ", count, " idle connections failed (see stderr)"));
  }
  return holder;
}

// The latency of one cell's calls.
struct Cell {
  double p50_us;
  double p99_us;
  // The server's resident memory growth per idle connection, in KiB.
  double kib_per_idle = 0;
};

// This process's resident memory, in KiB (second field of statm).
double ResidentKib() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  long size = 0, resident = 0;
  const int n = std::fscanf(statm, "%ld %ld", &size, &resident);
  std::fclose(statm);
  return n == 2 ? resident * (::sysconf(_SC_PAGESIZE) / 1024.0) : 0;
}

double Percentile(std::vector<double>* sorted, double q) {
  const size_t rank = static_cast<size_t>(q * (sorted->size() - 1) + 0.5);
  return (*sorted)[rank];
}

// Times flags.calls calls, one at a time, on a new connection to `address`.
absl::StatusOr<Cell> TimeCalls(const std::string& address, const Flags& flags) {
  const std::string& echo = EchoMethod();
  const TestRequest request = EchoRequest();
  absl::StatusOr<RawClient> client = RawClient::Connect(address);
  if (!client.ok()) return client.status();
  std::vector<double> micros;
  micros.reserve(flags.calls);
  const int warmup = std::min(flags.calls, 500);
  for (int i = 0; i < warmup + flags.calls; ++i) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<RawResponse> response =
        CallOnce(*client, static_cast<uint64_t>(i + 1), echo, request);
    const auto end = std::chrono::steady_clock::now();
    if (!response.ok()) return response.status();
    if (response->code() != absl::StatusCode::kOk) {
      return absl::InternalError(
          absl::StrCat("call ", i + 1, ": ", response->header.message()));
    }
    if (i >= warmup) {
      micros.push_back(
          std::chrono::duration<double, std::micro>(end - start).count());
    }
  }
  std::sort(micros.begin(), micros.end());
  return Cell{Percentile(&micros, 0.5), Percentile(&micros, 0.99)};
}

// One cell: a fresh server on `poller`, `idle` connections held open, then
// the timed calls.
absl::StatusOr<Cell> Measure(PollerKind poller, int idle, const Flags& flags) {
  ServerOptions options;
  options.poller = poller;
  options.max_connections = idle + 16;
  TestService service;
  ServiceOptions service_options;
  service_options.inline_handlers = flags.inline_handlers;
  Server server(options);
  absl::Status status = server.AddService(&service, service_options);
  if (status.ok()) status = server.Listen("127.0.0.1:0");
  if (status.ok()) status = server.Start();
  if (!status.ok()) return status;
  const std::string address = absl::StrCat("127.0.0.1:", server.port());
  Holder holder;
  const double resident_before = ResidentKib();
  if (idle > 0) {
    absl::StatusOr<Holder> started = StartHolder(address, idle);
    if (!started.ok()) return started.status();
    holder = *std::move(started);
  }
  const double resident_idle = ResidentKib();
  absl::StatusOr<Cell> cell = TimeCalls(address, flags);
  if (idle > 0) StopHolder(&holder);
  if (cell.ok() && idle > 0) {
    cell->kib_per_idle = (resident_idle - resident_before) / idle;
  }
  return cell;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int Main(int argc, char** argv) {
  int hold = 0;
  if (argc == 4 && std::string(argv[1]) == "--hold" &&
      absl::SimpleAtoi(argv[3], &hold)) {
    return Hold(argv[2], hold);
  }
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: %s [--idle 0,1000,10000] [--calls 5000] [--runs 3] "
                 "[--inline]\n",
                 argv[0]);
    return 2;
  }
  const absl::Status fits =
      FitDescriptors(*std::max_element(flags.idle.begin(), flags.idle.end()));
  if (!fits.ok()) {
    std::fprintf(stderr, "%s\n", fits.ToString().c_str());
    return 1;
  }
  const std::pair<PollerKind, const char*> pollers[] = {
      {PollerKind::kPoll, "poll"}, {PollerKind::kEpoll, "epoll"}};
  // (idle, poller) -> each run's p50 and p99.
  std::map<std::pair<int, std::string>, std::vector<Cell>> cells;
  for (int run = 0; run < flags.runs; ++run) {
    for (const int idle : flags.idle) {
      for (const auto& [kind, name] : pollers) {
        absl::StatusOr<Cell> cell = Measure(kind, idle, flags);
        if (!cell.ok()) {
          std::fprintf(stderr, "run %d, %s, %d idle: %s\n", run + 1, name, idle,
                       cell.status().ToString().c_str());
          return 1;
        }
        std::printf(
            "run %d  %-5s  %6d idle  p50 %7.1f us  p99 %7.1f us  "
            "server memory %.1f KiB per idle connection\n",
            run + 1, name, idle, cell->p50_us, cell->p99_us,
            cell->kib_per_idle);
        std::fflush(stdout);
        cells[{idle, name}].push_back(*cell);
      }
    }
  }
  std::printf("\nmedian over %d runs of %d calls (%s handlers):\n", flags.runs,
              flags.calls, flags.inline_handlers ? "inline" : "worker");
  std::printf("%-6s %8s %10s %10s\n", "poller", "idle", "p50 us", "p99 us");
  for (const int idle : flags.idle) {
    for (const auto& poller : pollers) {
      const char* name = poller.second;
      std::vector<double> p50, p99;
      for (const Cell& cell : cells[{idle, name}]) {
        p50.push_back(cell.p50_us);
        p99.push_back(cell.p99_us);
      }
      std::printf("%-6s %8d %10.1f %10.1f\n", name, idle, Median(p50),
                  Median(p99));
    }
  }
  return 0;
}

}  // namespace
}  // namespace test
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::test::Main(argc, argv); }
