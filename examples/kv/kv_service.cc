#include "kv_service.h"

namespace kv {

absl::Status KvService::Put(framerpc::ServerContext&, const PutRequest& request,
                            PutReply* reply) {
  absl::StatusOr<bool> created = store_->Put(request.key(), request.value());
  if (!created.ok()) return created.status();
  reply->set_created(*created);
  return absl::OkStatus();
}

absl::Status KvService::Get(framerpc::ServerContext&, const GetRequest& request,
                            GetReply* reply) {
  absl::StatusOr<std::string> value = store_->Get(request.key());
  if (!value.ok()) return value.status();
  *reply->mutable_value() = std::move(*value);
  return absl::OkStatus();
}

absl::Status KvService::Delete(framerpc::ServerContext&,
                               const DeleteRequest& request, DeleteReply*) {
  return store_->Delete(request.key());
}

absl::Status KvService::List(framerpc::ServerContext&,
                             const ListRequest& request, ListReply* reply) {
  absl::StatusOr<KvStore::ListResult> result =
      store_->List(request.prefix(), request.limit());
  if (!result.ok()) return result.status();
  for (auto& [key, value] : result->entries) {
    Entry* entry = reply->add_entries();
    entry->set_key(std::move(key));
    entry->set_value(std::move(value));
  }
  reply->set_truncated(result->truncated);
  return absl::OkStatus();
}

}  // namespace kv
