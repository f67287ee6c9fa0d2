#include "bench/fleet/replica.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/common/blocking_frames.h"

namespace framerpc {
namespace bench {

absl::Status Replica::CountingEcho::Echo(ServerContext&,
                                         const EchoRequest& request,
                                         EchoReply* reply) {
  if (delay > absl::ZeroDuration()) absl::SleepFor(delay);
  reply->set_payload(request.payload());
  calls.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Replica>> Replica::Start(const std::string& host,
                                                        absl::Duration delay,
                                                        int num_workers) {
  ServerOptions options;
  options.num_workers = num_workers;
  options.max_frame_size = kBenchMaxBodySize;
  std::unique_ptr<Replica> replica(new Replica(options));
  replica->service_.delay = delay;
  absl::Status status = replica->server_.AddService(&replica->service_);
  if (status.ok()) status = replica->server_.Listen(absl::StrCat(host, ":0"));
  if (status.ok()) status = replica->server_.Start();
  if (!status.ok()) return status;
  replica->address_ = absl::StrCat(host, ":", replica->server_.port());
  return replica;
}

Replica::~Replica() {
  server_.Shutdown();
  server_.Wait();
}

}  // namespace bench
}  // namespace framerpc
