// syscall_probe: the client side of e2e_syscalls_test, run under strace.
// Makes COUNT Echo calls, one at a time, on one Channel to TARGET (each
// with a deadline, as real calls have), then prints "ok <calls>" and exits
// 0, or prints what failed and exits 1.
//
// Usage: syscall_probe TARGET COUNT
#include <cstdio>
#include <cstdlib>

#include "absl/time/time.h"
#include "e2e_test.framerpc.h"
#include "framerpc/channel.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: syscall_probe TARGET COUNT\n");
    return 2;
  }
  const int count = std::atoi(argv[2]);
  auto channel = framerpc::Channel::Create(argv[1]);
  if (!channel.ok()) {
    std::printf("channel: %s\n", channel.status().ToString().c_str());
    return 1;
  }
  framerpc::e2e::TestService::Stub stub(*channel);
  framerpc::e2e::EchoRequest request;
  request.set_text("probe");
  for (int i = 0; i < count; ++i) {
    framerpc::ClientContext context;
    context.set_timeout(absl::Seconds(20));
    auto reply = stub.Echo(request, &context);
    if (!reply.ok()) {
      std::printf("call %d: %s\n", i, reply.status().ToString().c_str());
      return 1;
    }
  }
  std::printf("ok %d\n", count);
  std::fflush(stdout);
  return 0;
}
