// Serves demo.Echo on a free loopback port and calls it once through the
// generated stub. Exit status 0 when the reply is right. The project has
// server/ and client/ folders of its own, included beside framerpc's.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "echo.framerpc.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "server/server.h"

class EchoImpl final : public demo::Echo::Service {
  absl::Status Say(framerpc::ServerContext&, const demo::SayRequest& request,
                   demo::SayReply* reply) override {
    reply->set_text(request.text());
    return absl::OkStatus();
  }
};

int main() {
  framerpc::Server server;
  EchoImpl echo;
  absl::Status status = server.AddService(&echo);
  if (status.ok()) status = server.Listen("127.0.0.1:0");
  if (status.ok()) status = server.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "server: %s\n", status.ToString().c_str());
    return 1;
  }
  auto channel = framerpc::Channel::Create(
      absl::StrCat(kConsumerChannelTarget, server.port()));
  if (!channel.ok()) return 1;
  demo::Echo::Stub stub(*channel);
  demo::SayRequest request;
  request.set_text(kConsumerServerGreeting);
  framerpc::ClientContext context;
  context.set_timeout(absl::Seconds(10));
  absl::StatusOr<demo::SayReply> reply = stub.Say(request, &context);
  server.Shutdown(absl::Seconds(1));
  server.Wait();
  if (!reply.ok() || reply->text() != kConsumerServerGreeting) {
    std::fprintf(stderr, "call: %s\n",
                 reply.ok() ? "wrong text" : reply.status().ToString().c_str());
    return 1;
  }
  std::printf("consumer: reply '%s'\n", reply->text().c_str());
  return 0;
}
