// A server process for tests that kill or restart a server: serves the test
// service on argv[1] (default 127.0.0.1:0), prints "listening on ADDR" and
// then "started <text>" as each handler starts (not with argv[2] "--quiet",
// for load tests that do not read them), and runs until killed.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "framerpc/server.h"
#include "test_service_impl.h"

int main(int argc, char** argv) {
  const std::string listen = argc > 1 ? argv[1] : "127.0.0.1:0";
  const bool quiet = argc > 2 && std::string(argv[2]) == "--quiet";
  framerpc::e2e::TestServiceImpl service;
  if (!quiet) {
    service.set_on_start([](const framerpc::e2e::EchoRequest& request) {
      std::printf("started %s\n", request.text().c_str());
      std::fflush(stdout);
    });
  }
  framerpc::Server server;
  absl::Status status = server.AddService(&service);
  if (status.ok()) status = server.Listen(listen);
  if (status.ok()) status = server.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "e2e_test_server: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%d\n", server.port());
  std::fflush(stdout);
  server.Wait();  // until the test kills the process
  return 0;
}
