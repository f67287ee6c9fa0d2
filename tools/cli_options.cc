#include "tools/cli_options.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace framerpc {
namespace cli {
namespace {

absl::Status Usage(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

// Options that take a value, by every spelling.
bool TakesValue(absl::string_view name) {
  return name == "--proto" || name == "--import_path" || name == "-I" ||
         name == "--timeout" || name == "-H" || name == "--header" ||
         name == "-d" || name == "--data" || name == "--format" ||
         name == "--tls_ca" || name == "--tls_cert" || name == "--tls_key" ||
         name == "--tls_server_name";
}

absl::Status Apply(absl::string_view name, const std::string& value,
                   CliOptions* options) {
  if (name == "--proto") {
    options->protos.push_back(value);
  } else if (name == "--import_path" || name == "-I") {
    options->import_paths.push_back(value);
  } else if (name == "--timeout") {
    absl::Duration timeout;
    if (!absl::ParseDuration(value, &timeout) ||
        timeout <= absl::ZeroDuration()) {
      return Usage(absl::StrCat("--timeout: '", value,
                                "' is not a positive duration (e.g. 5s, "
                                "250ms, 1m)"));
    }
    options->timeout = timeout;
  } else if (name == "-H" || name == "--header") {
    const size_t colon = value.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Usage(absl::StrCat(name, ": '", value,
                                "' is not key:value (e.g. -H x-trace:abc)"));
    }
    std::string header_value = value.substr(colon + 1);
    // Allow "key: value", as curl does.
    if (!header_value.empty() && header_value[0] == ' ') {
      header_value.erase(0, 1);
    }
    options->metadata.emplace_back(value.substr(0, colon), header_value);
  } else if (name == "-d" || name == "--data") {
    if (options->has_data) return Usage("-d: given more than once");
    options->has_data = true;
    options->data = value;
  } else if (name == "--tls_ca") {
    options->tls = true;
    options->tls_ca = value;
  } else if (name == "--tls_cert") {
    options->tls = true;
    options->tls_cert = value;
  } else if (name == "--tls_key") {
    options->tls = true;
    options->tls_key = value;
  } else if (name == "--tls_server_name") {
    options->tls = true;
    options->tls_server_name = value;
  } else if (name == "--format") {
    options->format_given = true;
    if (value == "json") {
      options->format = Format::kJson;
    } else if (value == "text") {
      options->format = Format::kText;
    } else {
      return Usage(
          absl::StrCat("--format: '", value, "' is neither 'json' nor 'text'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CliOptions> ParseCliOptions(
    const std::vector<std::string>& args) {
  CliOptions options;
  std::vector<std::string> positional;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      continue;
    }
    if (arg == "-v" || arg == "--verbose") {
      options.verbose = true;
      continue;
    }
    if (arg == "--tls") {
      options.tls = true;
      continue;
    }
    if (arg == "--json") {  // --format json
      options.format = Format::kJson;
      options.format_given = true;
      continue;
    }
    std::string name = arg;
    std::string value;
    bool has_value = false;
    if (const size_t eq = arg.find('=');
        eq != std::string::npos && absl::StartsWith(arg, "--")) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    } else if (arg.size() > 2 && arg[1] != '-' &&
               TakesValue(arg.substr(0, 2))) {  // -Idir, -Hk:v, -d{...}
      name = arg.substr(0, 2);
      value = arg.substr(2);
      has_value = true;
    }
    if (!TakesValue(name)) {
      return Usage(absl::StrCat("unknown option '", name, "'"));
    }
    if (!has_value) {
      if (i + 1 == args.size()) {
        return Usage(absl::StrCat("option ", name, " needs a value"));
      }
      value = args[++i];
    }
    absl::Status applied = Apply(name, value, &options);
    if (!applied.ok()) return applied;
  }
  if (options.help) return options;
  if (positional.empty()) return Usage("no command given");
  options.command = positional[0];
  if (options.command != "list" && options.command != "describe" &&
      options.command != "call" && options.command != "stats") {
    return Usage(absl::StrCat("unknown command '", options.command,
                              "' (expected list, describe, call or stats)"));
  }
  if (positional.size() < 2) {
    return Usage(absl::StrCat(options.command, ": no server address given"));
  }
  options.address = positional[1];
  options.args.assign(positional.begin() + 2, positional.end());
  const size_t n = options.args.size();
  if (options.command == "list" && n > 1) {
    return Usage("list: expected ADDR [SERVICE]");
  }
  if (options.command == "describe" && n != 1) {
    return Usage("describe: expected ADDR SERVICE_OR_METHOD");
  }
  if (options.command == "stats" && n != 0) {
    return Usage("stats: expected ADDR only");
  }
  if (options.command == "call") {
    if (n < 1 || n > 2) return Usage("call: expected ADDR METHOD [REQUEST]");
    if (n == 2 && options.has_data) {
      return Usage("call: the request is given both as an argument and -d");
    }
  }
  return options;
}

const char* UsageText() {
  return R"(framerpc_cli: list, describe and call the methods of a framerpc server,
and read its metrics.

Usage:
  framerpc_cli list ADDR [SERVICE]
      The services the server serves (with SERVICE: its methods).
  framerpc_cli describe ADDR SERVICE_OR_METHOD
      The .proto definition of a service, a method ("pkg.Service/Method") or
      a message, with a method's request and response messages.
  framerpc_cli call ADDR pkg.Service/Method [REQUEST]
      Calls the method with REQUEST (JSON; default {}) and prints the
      response as JSON.
  framerpc_cli stats ADDR
      The server's metrics (framerpc::Server::EnableMetrics) from its
      framerpc.admin service, as a table: per method the calls, those OK,
      the errors by code, the latency's estimated p50 and p99, and the
      request and response bytes; then the connections. With --json (or
      --format json|text) the whole answer instead, with the histograms and
      the Prometheus text.

ADDR is a channel target: host:port, [v6]:port, unix:/path,
dns:///name:port, dns://DNSADDR:PORT/name:port, or an address list,
ipv4:a.b.c.d:port,... or ipv6:[v6]:port,...
The schema comes from the server's reflection service
(framerpc::Server::EnableReflection), or from .proto files with --proto
when the server has none.

Options:
  --proto FILE         read the schema from FILE instead of reflection
                       (repeatable)
  --import_path DIR    where imports of --proto files are found (repeatable;
  -I DIR               default: the directory of each --proto file)
  -d DATA, --data DATA the request; '-d @' reads it from stdin, '-d @FILE'
                       from FILE
  -H KEY:VALUE         request metadata (repeatable)
  --timeout DURATION   deadline of each call, e.g. 500ms, 5s (default 10s)
  --format json|text   request and response as JSON (default; protobuf's
                       JSON mapping, bytes in base64) or as text format
  --json               --format json
  -v, --verbose        call: print the response metadata first, as
                       "Response metadata:" and key: value lines, then
                       "Response contents:" (all on stdout)
  --tls                speak TLS, trusting the system's CAs (implied by
                       each --tls_* option below)
  --tls_ca FILE        PEM: the CAs the server's certificate must chain to
  --tls_cert FILE      PEM: a client certificate, for mutual TLS (with
  --tls_key FILE       its key)
  --tls_server_name N  the name the server's certificate must carry
                       (default: ADDR's host)
  -h, --help           this text

Exit codes:
  0  success
  1  the call failed on the server: "ERROR: CODE: message" on stderr
     (e.g. ERROR: NOT_FOUND: key 'x' not found; DEADLINE_EXCEEDED too, and
     an UNAVAILABLE the server itself answered, e.g. from its backend)
  2  bad input: usage, unreadable request (the parser's message says where),
     unknown service or method, unreadable --proto, no reflection on the
     server and no --proto
  3  no server answered: the client failed the call UNAVAILABLE itself
     (nobody listening, connection lost or closed unanswered)
)";
}

}  // namespace cli
}  // namespace framerpc
