// ServerContext: what a handler knows about the call it serves (method, peer,
// deadline, the caller's metadata) and the metadata it sends back.
//
// The server creates one per call and passes it to the handler by reference;
// it lives until the response is sent. Not thread-safe: a handler that hands
// the context to other threads must synchronise itself.
#ifndef FRAMERPC_SERVER_CONTEXT_H_
#define FRAMERPC_SERVER_CONTEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "framerpc/metadata.h"

namespace framerpc {

class ServerContext {
 public:
  // `deadline` is absl::InfiniteFuture() for a call without one.
  ServerContext(std::string method, std::string peer, absl::Time deadline,
                Metadata metadata);

  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  // The full method name, "package.Service/Method".
  const std::string& method() const { return method_; }
  // The caller's address: "127.0.0.1:41234", "[::1]:41234" or "unix:/path".
  const std::string& peer() const { return peer_; }
  // When the caller stops waiting; absl::InfiniteFuture() if never.
  absl::Time deadline() const { return deadline_; }
  // True once the deadline has passed: the answer will not be read.
  bool IsExpired() const;

  // The caller's metadata.
  const Metadata& metadata() const { return metadata_; }

  // Adds (or replaces) a key sent back with the response, whatever its status.
  void AddResponseMetadata(absl::string_view key, absl::string_view value);
  const Metadata& response_metadata() const { return response_metadata_; }

 private:
  std::string method_;
  std::string peer_;
  absl::Time deadline_;
  Metadata metadata_;
  Metadata response_metadata_;
};

}  // namespace framerpc

#endif  // FRAMERPC_SERVER_CONTEXT_H_
