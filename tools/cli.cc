#include "tools/cli.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/call_status.h"
#include "framerpc/channel.h"
#include "framerpc/client_context.h"
#include "framerpc/metadata.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "proto/admin.pb.h"
#include "proto/reflection.pb.h"
#include "tools/cli_options.h"
#include "tools/schema.h"
#include "tools/stats_table.h"

namespace framerpc {
namespace cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptorProto;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr char kListServices[] = "framerpc.reflection.Reflection/ListServices";
constexpr char kFileContainingSymbol[] =
    "framerpc.reflection.Reflection/FileContainingSymbol";
constexpr char kAdminStats[] = "framerpc.admin.Admin/Stats";

// Text-format parse errors, "line L column C: message".
class TextErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!text_.empty()) text_ += "\n";
    absl::StrAppend(&text_, "line ", line + 1, " column ", column + 1, ": ",
                    message);
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

class Cli {
 public:
  Cli(CliOptions options, std::istream& in, std::ostream& out,
      std::ostream& err)
      : options_(std::move(options)), in_(in), out_(out), err_(err) {}

  int Run() {
    ChannelOptions channel_options;
    channel_options.tls.enabled = options_.tls;
    channel_options.tls.ca_file = options_.tls_ca;
    channel_options.tls.cert_chain_file = options_.tls_cert;
    channel_options.tls.private_key_file = options_.tls_key;
    channel_options.tls.server_name = options_.tls_server_name;
    absl::StatusOr<std::shared_ptr<Channel>> channel =
        Channel::Create(options_.address, channel_options);
    if (!channel.ok()) return BadInput(channel.status().message());
    channel_ = *std::move(channel);
    if (options_.command == "list") return List();
    if (options_.command == "describe") return Describe();
    if (options_.command == "stats") return Stats();
    return Call();
  }

 private:
  int BadInput(absl::string_view message) {
    err_ << "framerpc_cli: " << message << "\n";
    return kExitBadInput;
  }

  // A failed call: exit 3 when no server answered, else 1. Only the client
  // library's own UNAVAILABLE means that: a server may answer UNAVAILABLE
  // too (a middle tier passing on its backend's failure), and it was
  // reached.
  int RpcFailed(const absl::Status& status) {
    err_ << "ERROR: " << absl::StatusCodeToString(status.code()) << ": "
         << status.message() << "\n";
    if (status.code() == absl::StatusCode::kUnavailable &&
        internal::IsClientMade(status)) {
      err_ << "framerpc_cli: cannot reach a server at " << options_.address
           << "\n";
      return kExitUnreachable;
    }
    return kExitRpcFailed;
  }

  // Calls `method`. A user's call (`user_call`) carries the -H metadata
  // and, with -v, prints the response metadata that came back.
  absl::Status Invoke(absl::string_view method, const Message& request,
                      Message* response, bool user_call) {
    ClientContext context;
    context.set_timeout(options_.timeout);
    if (user_call) {
      for (const auto& [key, value] : options_.metadata) {
        context.AddMetadata(key, value);
      }
    }
    absl::Status status = channel_->Call(method, request, response, &context);
    if (user_call && options_.verbose) {
      PrintResponseMetadata(context.response_metadata());
    }
    return status;
  }

  // grpcurl -v's layout: a "Response metadata:" block (also when the call
  // failed), then, when it succeeded, the response under "Response
  // contents:" (PrintResponse). Values are C-escaped: metadata may be
  // binary.
  void PrintResponseMetadata(const Metadata& metadata) {
    out_ << "Response metadata:\n";
    if (metadata.empty()) out_ << "(empty)\n";
    for (const auto& [key, value] : metadata) {
      out_ << absl::CHexEscape(key) << ": " << absl::CHexEscape(value) << "\n";
    }
  }

  // A reflection call failed: explains a server without reflection, else
  // reports the failure as any call.
  int ReflectionFailed(const absl::Status& status) {
    if (status.code() == absl::StatusCode::kUnimplemented) {
      return BadInput(absl::StrCat(
          "the server at ", options_.address, " has no reflection service (",
          status.message(),
          "); give the schema with --proto FILE [--import_path DIR]"));
    }
    return RpcFailed(status);
  }

  // Loads schema_ with the definition of `symbol`: from --proto files, or
  // from the server. Returns an exit code, kExitOk when loaded.
  int LoadSchema(absl::string_view symbol) {
    if (!options_.protos.empty()) {
      absl::StatusOr<std::unique_ptr<Schema>> schema =
          Schema::FromProtoFiles(options_.protos, options_.import_paths);
      if (!schema.ok()) return BadInput(schema.status().message());
      schema_ = *std::move(schema);
      return kExitOk;
    }
    reflection::FileContainingSymbolRequest request;
    request.set_symbol(std::string(symbol));
    reflection::FileContainingSymbolResponse response;
    absl::Status status =
        Invoke(kFileContainingSymbol, request, &response, false);
    if (status.code() == absl::StatusCode::kNotFound) {
      return BadInput(absl::StrCat("unknown service or symbol '", symbol,
                                   "': ", status.message()));
    }
    // The server refuses, unlooked-up, what cannot be a proto full name.
    if (status.code() == absl::StatusCode::kInvalidArgument) {
      return BadInput(absl::StrCat("invalid service or symbol '", symbol,
                                   "': ", status.message()));
    }
    if (!status.ok()) return ReflectionFailed(status);
    std::vector<FileDescriptorProto> files(response.files().begin(),
                                           response.files().end());
    absl::StatusOr<std::unique_ptr<Schema>> schema =
        Schema::FromFileProtos(files);
    if (!schema.ok()) return BadInput(schema.status().message());
    schema_ = *std::move(schema);
    return kExitOk;
  }

  int List() {
    const std::string only = options_.args.empty() ? "" : options_.args[0];
    std::vector<std::pair<std::string, std::vector<std::string>>> services;
    if (!options_.protos.empty()) {
      if (int code = LoadSchema(""); code != kExitOk) return code;
      for (const ServiceDescriptor* service : schema_->services()) {
        std::vector<std::string> methods;
        for (int i = 0; i < service->method_count(); ++i) {
          methods.push_back(service->method(i)->name());
        }
        services.emplace_back(service->full_name(), std::move(methods));
      }
    } else {
      reflection::ListServicesRequest request;
      reflection::ListServicesResponse response;
      absl::Status status = Invoke(kListServices, request, &response, false);
      if (!status.ok()) return ReflectionFailed(status);
      for (const reflection::ServiceInfo& info : response.services()) {
        services.emplace_back(info.name(),
                              std::vector<std::string>(info.methods().begin(),
                                                       info.methods().end()));
      }
    }
    if (only.empty()) {
      for (const auto& [name, methods] : services) out_ << name << "\n";
      return kExitOk;
    }
    for (const auto& [name, methods] : services) {
      if (name != only) continue;
      for (const std::string& method : methods) {
        out_ << name << "/" << method << "\n";
      }
      return kExitOk;
    }
    return BadInput(absl::StrCat("unknown service '", only, "'"));
  }

  int Describe() {
    std::string symbol = options_.args[0];
    if (const size_t slash = symbol.find('/'); slash != std::string::npos) {
      symbol[slash] = '.';
    }
    if (int code = LoadSchema(symbol); code != kExitOk) return code;
    const google::protobuf::DescriptorPool& pool = *schema_->pool();
    // The .proto comments come along when the descriptors carry source
    // info: from --proto files always, from reflection when the server's
    // code was generated by protoc-gen-framerpc (docs/cli.md).
    google::protobuf::DebugStringOptions with_comments;
    with_comments.include_comments = true;
    if (const ServiceDescriptor* service = pool.FindServiceByName(symbol)) {
      out_ << service->full_name() << " is a service:\n"
           << service->DebugStringWithOptions(with_comments);
      return kExitOk;
    }
    if (const MethodDescriptor* method = pool.FindMethodByName(symbol)) {
      out_ << method->service()->full_name() << "/" << method->name()
           << " is a method:\n"
           << method->DebugStringWithOptions(with_comments) << "\n"
           << method->input_type()->DebugStringWithOptions(with_comments)
           << "\n"
           << method->output_type()->DebugStringWithOptions(with_comments);
      return kExitOk;
    }
    if (const Descriptor* message = pool.FindMessageTypeByName(symbol)) {
      out_ << message->full_name() << " is a message:\n"
           << message->DebugStringWithOptions(with_comments);
      return kExitOk;
    }
    if (const EnumDescriptor* type = pool.FindEnumTypeByName(symbol)) {
      out_ << type->full_name() << " is an enum:\n"
           << type->DebugStringWithOptions(with_comments);
      return kExitOk;
    }
    return BadInput(absl::StrCat("unknown symbol '", options_.args[0], "'"));
  }

  // The request text: the argument, -d, or the empty message.
  int ReadRequest(std::string* text) {
    if (options_.args.size() == 2) {
      *text = options_.args[1];
    } else if (!options_.has_data) {
      *text = options_.format == Format::kJson ? "{}" : "";
    } else if (options_.data == "@") {
      text->assign(std::istreambuf_iterator<char>(in_),
                   std::istreambuf_iterator<char>());
    } else if (options_.data.size() > 1 && options_.data[0] == '@') {
      const std::string path = options_.data.substr(1);
      std::ifstream file(path, std::ios::binary);
      if (!file) return BadInput(absl::StrCat("-d: cannot read ", path));
      text->assign(std::istreambuf_iterator<char>(file),
                   std::istreambuf_iterator<char>());
    } else {
      *text = options_.data;
    }
    return kExitOk;
  }

  int ParseRequest(const std::string& text, Message* request) {
    const std::string type = request->GetDescriptor()->full_name();
    if (options_.format == Format::kJson) {
      google::protobuf::util::JsonParseOptions parse_options;
      google::protobuf::util::Status status =
          google::protobuf::util::JsonStringToMessage(text, request,
                                                      parse_options);
      if (!status.ok()) {
        return BadInput(absl::StrCat("the request is not valid JSON for ", type,
                                     ": ", status.message().ToString()));
      }
      return kExitOk;
    }
    google::protobuf::TextFormat::Parser parser;
    TextErrors errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(text, request)) {
      return BadInput(absl::StrCat("the request is not valid text format for ",
                                   type, ": ", errors.text()));
    }
    return kExitOk;
  }

  int PrintResponse(const Message& response) {
    if (options_.verbose) out_ << "\nResponse contents:\n";
    std::string text;
    if (options_.format == Format::kJson) {
      google::protobuf::util::JsonPrintOptions print_options;
      print_options.add_whitespace = true;
      print_options.preserve_proto_field_names = true;
      google::protobuf::util::Status status =
          google::protobuf::util::MessageToJsonString(response, &text,
                                                      print_options);
      if (!status.ok()) {
        err_ << "framerpc_cli: cannot print the response as JSON: "
             << status.message().ToString() << "\n";
        return kExitRpcFailed;
      }
    } else {
      google::protobuf::TextFormat::PrintToString(response, &text);
    }
    out_ << text;
    if (text.empty() || text.back() != '\n') out_ << "\n";
    return kExitOk;
  }

  int Call() {
    std::string service_name;
    std::string method_name;
    absl::Status split =
        SplitMethodName(options_.args[0], &service_name, &method_name);
    if (!split.ok()) return BadInput(split.message());
    if (int code = LoadSchema(service_name); code != kExitOk) return code;
    const ServiceDescriptor* service = schema_->FindService(service_name);
    if (service == nullptr) {
      return BadInput(absl::StrCat("unknown service '", service_name, "'"));
    }
    const MethodDescriptor* method = service->FindMethodByName(method_name);
    if (method == nullptr) {
      std::vector<std::string> names;
      for (int i = 0; i < service->method_count(); ++i) {
        names.push_back(service->method(i)->name());
      }
      return BadInput(absl::StrCat("unknown method '", options_.args[0],
                                   "': service ", service_name, " has methods ",
                                   absl::StrJoin(names, ", ")));
    }
    if (method->client_streaming() || method->server_streaming()) {
      return BadInput(absl::StrCat("method '", options_.args[0],
                                   "' is streaming; framerpc is unary only"));
    }
    std::string text;
    if (int code = ReadRequest(&text); code != kExitOk) return code;
    std::unique_ptr<Message> request =
        schema_->NewMessage(method->input_type());
    if (int code = ParseRequest(text, request.get()); code != kExitOk) {
      return code;
    }
    std::unique_ptr<Message> response =
        schema_->NewMessage(method->output_type());
    absl::Status status =
        Invoke(absl::StrCat(service->full_name(), "/", method->name()),
               *request, response.get(), true);
    if (!status.ok()) return RpcFailed(status);
    return PrintResponse(*response);
  }

  int Stats() {
    admin::StatsRequest request;
    admin::StatsReply reply;
    absl::Status status = Invoke(kAdminStats, request, &reply, false);
    if (status.code() == absl::StatusCode::kUnimplemented) {
      return BadInput(absl::StrCat(
          "the server at ", options_.address,
          " serves no metrics: it has no framerpc.admin service (",
          status.message(), "); the server enables it with "
          "framerpc::Server::EnableMetrics()"));
    }
    if (!status.ok()) return RpcFailed(status);
    if (options_.format_given) return PrintResponse(reply);
    out_ << FormatStatsTable(reply);
    return kExitOk;
  }

  const CliOptions options_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  std::shared_ptr<Channel> channel_;
  std::unique_ptr<Schema> schema_;
};

}  // namespace

int RunCli(const std::vector<std::string>& args, std::istream& in,
           std::ostream& out, std::ostream& err) {
  absl::StatusOr<CliOptions> options = ParseCliOptions(args);
  if (!options.ok()) {
    err << "framerpc_cli: " << options.status().message()
        << "\nRun 'framerpc_cli --help' for usage.\n";
    return kExitBadInput;
  }
  if (options->help) {
    out << UsageText();
    return kExitOk;
  }
  return Cli(*std::move(options), in, out, err).Run();
}

}  // namespace cli
}  // namespace framerpc
