// DnsmasqServer: a real DNS server for client tests, dnsmasq started by
// the test on 127.0.0.1 and a free port, answering only for the records the
// test gives (no upstream, no /etc/hosts, no configuration file of the
// machine), and NXDOMAIN for every other name under "test." (--local).
// The machine's own resolver configuration is never touched. The records
// are fixed at start (Start), or read from a hosts file the test rewrites
// while dnsmasq runs (StartWithHostsFile, RewriteHostsFile), to move a
// name from one address to another.
//
// Owns the dnsmasq process, known by its PID only: the destructor kills
// that PID (SIGKILL) and reaps it, and removes its files. Should the
// test process die without running it, dnsmasq gets SIGKILL too (it is
// started with PR_SET_PDEATHSIG, tied to the thread that started it, which
// must outlive it). Not thread-safe; the accessors are plain values.
#ifndef FRAMERPC_TESTS_CLIENT_DNSMASQ_SERVER_H_
#define FRAMERPC_TESTS_CLIENT_DNSMASQ_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rpc/address.h"

namespace framerpc {
namespace testing_support {

class DnsmasqServer {
 public:
  // The dnsmasq binary (/usr/sbin/dnsmasq, from Debian's dnsmasq-base), or
  // "" when it is not installed: tests then skip.
  static std::string BinaryPath();

  // Starts dnsmasq with one --host-record per element ("name,ipv4",
  // "name,ipv6" or "name,ipv4,ipv6") and waits, at most 10 s, until it
  // accepts TCP connections on its port. A port taken between choosing it
  // and dnsmasq's bind is retried with another. UNAVAILABLE with dnsmasq's
  // own output when it does not come up.
  static absl::StatusOr<std::unique_ptr<DnsmasqServer>> Start(
      const std::vector<std::string>& host_records);

  // Starts dnsmasq answering from a hosts file holding `hosts_lines`
  // ("127.0.0.2 name.test", one address and its names a line), as Start
  // does otherwise. Records read from it have TTL 0, so nothing caches
  // them.
  static absl::StatusOr<std::unique_ptr<DnsmasqServer>> StartWithHostsFile(
      const std::vector<std::string>& hosts_lines);

  // Replaces the hosts file's lines (whole: dnsmasq never sees half a
  // file) and sends SIGHUP to dnsmasq's PID, which makes it read the file
  // again. dnsmasq reloads on its own time, a moment after this returns.
  // FAILED_PRECONDITION for a server started without a hosts file;
  // UNAVAILABLE naming the cause when the file cannot be written.
  absl::Status RewriteHostsFile(const std::vector<std::string>& hosts_lines);

  ~DnsmasqServer();
  DnsmasqServer(const DnsmasqServer&) = delete;
  DnsmasqServer& operator=(const DnsmasqServer&) = delete;

  int port() const { return port_; }
  // 127.0.0.1:port(), kind kTcp.
  Address address() const;

 private:
  DnsmasqServer(pid_t pid, int port, std::string dir, bool has_hosts_file)
      : pid_(pid),
        port_(port),
        dir_(std::move(dir)),
        has_hosts_file_(has_hosts_file) {}

  // Starts dnsmasq with the options every server has plus `mode_args`,
  // logging into `dir` (made by the caller, removed here on failure).
  static absl::StatusOr<std::unique_ptr<DnsmasqServer>> Launch(
      const std::string& dir, const std::vector<std::string>& mode_args,
      bool has_hosts_file);

  pid_t pid_;
  int port_;
  std::string dir_;  // holds dnsmasq.log and the hosts file; removed
  bool has_hosts_file_;
};

}  // namespace testing_support
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_CLIENT_DNSMASQ_SERVER_H_
