// The command line of framerpc_cli, parsed into CliOptions, and
// the text of `framerpc_cli --help`.
#ifndef FRAMERPC_TOOLS_CLI_OPTIONS_H_
#define FRAMERPC_TOOLS_CLI_OPTIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace framerpc {
namespace cli {

// Exit codes of framerpc_cli (also in --help and docs/cli.md).
enum ExitCode {
  kExitOk = 0,
  kExitRpcFailed = 1,    // the call reached the server and failed
  kExitBadInput = 2,     // usage, bad JSON/text, unknown service or method
  // No server answered: the client itself failed the call UNAVAILABLE
  // (nobody listening, connection lost). An UNAVAILABLE a server sent is 1.
  kExitUnreachable = 3,
};

enum class Format { kJson, kText };

struct CliOptions {
  bool help = false;
  bool verbose = false;  // -v: also print the response metadata
  std::string command;  // "list", "describe", "call" or "stats"
  std::string address;
  // The rest of the positional arguments: SERVICE_OR_METHOD, then for
  // `call` optionally the request.
  std::vector<std::string> args;
  std::vector<std::string> protos;        // --proto
  std::vector<std::string> import_paths;  // --import_path, -I
  absl::Duration timeout = absl::Seconds(10);
  std::vector<std::pair<std::string, std::string>> metadata;  // -H k:v
  bool has_data = false;                                      // -d given
  std::string data;  // -d's value, "@" or "@FILE" not yet read
  Format format = Format::kJson;
  // --format or --json given: `stats` prints the answer in that format
  // instead of its table.
  bool format_given = false;
  // TLS (--tls, or implied by any --tls_* file or name): the CAs to trust
  // (empty: the system's store), a client certificate and key for mutual
  // TLS, and the name the server's certificate must carry.
  bool tls = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;
};

// Parses argv[1..]. Options may come anywhere, as "--name value" or
// "--name=value"; "--" ends them. INVALID_ARGUMENT with a message for the
// user on a bad command line (help needs no command).
absl::StatusOr<CliOptions> ParseCliOptions(
    const std::vector<std::string>& args);

// The text of --help.
const char* UsageText();

}  // namespace cli
}  // namespace framerpc

#endif  // FRAMERPC_TOOLS_CLI_OPTIONS_H_
