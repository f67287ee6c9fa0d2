// kv_client: one call to a kv_server from the shell.
//   kv_client --target 127.0.0.1:7000 put KEY VALUE
//   kv_client --target 127.0.0.1:7000 get KEY
//   kv_client --target 127.0.0.1:7000 delete KEY
//   kv_client --target 127.0.0.1:7000 list [PREFIX] [--limit N]
// --token T sends "authorization: Bearer T" (kv_server --require_token).
// --tls (implied by any --tls_* flag) speaks TLS: --tls_ca CA.pem to trust
// (default: the system's store), --tls_cert and --tls_key for a server that
// asks for a client certificate, --tls_server_name when the certificate
// names another host than the target.
// Exit status: 0 success, 1 the call failed, 2 bad usage.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "framerpc/channel.h"
#include "kv.framerpc.h"
#include "token_check.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7000",
          "server target: host:port, [v6]:port, unix:/path, "
          "dns:///name:port, dns://DNSADDR:PORT/name:port, "
          "ipv4:a.b.c.d:port,... or ipv6:[v6]:port,...");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(5), "deadline of the call");
ABSL_FLAG(uint32_t, limit, 0, "list: entries at most (0: server default)");
ABSL_FLAG(std::string, token, "",
          "bearer token sent with the call, for a kv_server --require_token");
ABSL_FLAG(bool, tls, false,
          "speak TLS (implied by --tls_ca, --tls_cert, --tls_server_name)");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM file of the CAs the server's certificate must chain to "
          "(default: the system's trust store)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM file of this client's certificate, for mutual TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM file of --tls_cert's private key");
ABSL_FLAG(std::string, tls_server_name, "",
          "the name the server's certificate must carry (default: the "
          "target's host)");

namespace {

constexpr char kUsage[] =
    "Calls the framerpc example key-value service.\n"
    "Usage: kv_client [--target=ADDR] [--timeout=5s] [--token=T] "
    "[--tls --tls_ca=CA.pem ...] COMMAND ARGS\n"
    "  put KEY VALUE | get KEY | delete KEY | list [PREFIX] [--limit=N]";

int UsageError(const std::string& why) {
  std::fprintf(stderr, "kv_client: %s\n%s\n", why.c_str(), kUsage);
  return 2;
}

int CallFailed(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "kv_client: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) return UsageError("no command given");
  const std::string command = args[1];
  const size_t operands = args.size() - 2;

  framerpc::ChannelOptions options;
  const std::string token = absl::GetFlag(FLAGS_token);
  if (!token.empty()) {
    options.interceptors.push_back(
        std::make_shared<framerpc_examples::BearerToken>(token));
  }
  options.tls.ca_file = absl::GetFlag(FLAGS_tls_ca);
  options.tls.cert_chain_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls.private_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls.server_name = absl::GetFlag(FLAGS_tls_server_name);
  options.tls.enabled = absl::GetFlag(FLAGS_tls) ||
                        !options.tls.ca_file.empty() ||
                        !options.tls.cert_chain_file.empty() ||
                        !options.tls.server_name.empty();
  auto channel =
      framerpc::Channel::Create(absl::GetFlag(FLAGS_target), options);
  if (!channel.ok()) return CallFailed("create channel", channel.status());
  kv::KeyValue::Stub stub(*channel);
  framerpc::ClientContext context;
  context.set_timeout(absl::GetFlag(FLAGS_timeout));

  if (command == "put") {
    if (operands != 2) return UsageError("put takes KEY VALUE");
    kv::PutRequest request;
    request.set_key(args[2]);
    request.set_value(args[3]);
    auto reply = stub.Put(request, &context);
    if (!reply.ok())
      return CallFailed(absl::StrCat("put '", args[2], "'"), reply.status());
    std::printf("%s %s\n", reply->created() ? "created" : "updated", args[2]);
  } else if (command == "get") {
    if (operands != 1) return UsageError("get takes KEY");
    kv::GetRequest request;
    request.set_key(args[2]);
    auto reply = stub.Get(request, &context);
    if (!reply.ok())
      return CallFailed(absl::StrCat("get '", args[2], "'"), reply.status());
    std::printf("%s\n", reply->value().c_str());
  } else if (command == "delete") {
    if (operands != 1) return UsageError("delete takes KEY");
    kv::DeleteRequest request;
    request.set_key(args[2]);
    auto reply = stub.Delete(request, &context);
    if (!reply.ok())
      return CallFailed(absl::StrCat("delete '", args[2], "'"), reply.status());
    std::printf("deleted %s\n", args[2]);
  } else if (command == "list") {
    if (operands > 1) return UsageError("list takes at most a PREFIX");
    kv::ListRequest request;
    if (operands == 1) request.set_prefix(args[2]);
    request.set_limit(absl::GetFlag(FLAGS_limit));
    auto reply = stub.List(request, &context);
    if (!reply.ok()) return CallFailed("list", reply.status());
    for (const kv::Entry& entry : reply->entries()) {
      std::printf("%s = %s\n", entry.key().c_str(), entry.value().c_str());
    }
    std::printf("(%d %s%s)\n", reply->entries_size(),
                reply->entries_size() == 1 ? "entry" : "entries",
                reply->truncated() ? ", more not shown" : "");
  } else {
    return UsageError(absl::StrCat("unknown command '", command, "'"));
  }
  return 0;
}
