// KvService: the KeyValue service of kv.proto, served from a KvStore.
// Borrows the store, which must outlive the service. Thread-safe, as the
// store is.
#ifndef FRAMERPC_EXAMPLES_KV_KV_SERVICE_H_
#define FRAMERPC_EXAMPLES_KV_KV_SERVICE_H_

#include "kv.framerpc.h"
#include "kv_store.h"

namespace kv {

class KvService final : public KeyValue::Service {
 public:
  explicit KvService(KvStore* store) : store_(store) {}

  absl::Status Put(framerpc::ServerContext& context, const PutRequest& request,
                   PutReply* reply) override;
  absl::Status Get(framerpc::ServerContext& context, const GetRequest& request,
                   GetReply* reply) override;
  absl::Status Delete(framerpc::ServerContext& context,
                      const DeleteRequest& request,
                      DeleteReply* reply) override;
  absl::Status List(framerpc::ServerContext& context,
                    const ListRequest& request, ListReply* reply) override;

 private:
  KvStore* store_;
};

}  // namespace kv

#endif  // FRAMERPC_EXAMPLES_KV_KV_SERVICE_H_
