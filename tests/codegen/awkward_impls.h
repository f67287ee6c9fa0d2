// Test implementations of the generated services of protos/: each override
// answers in a way that shows which C++ method ran and with which request.
// Methods left alone keep the generated default (UNIMPLEMENTED).
//
// Thread-safe: handlers may run on several server threads at once.
#ifndef FRAMERPC_TESTS_CODEGEN_AWKWARD_IMPLS_H_
#define FRAMERPC_TESTS_CODEGEN_AWKWARD_IMPLS_H_

#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "deep/awkward.framerpc.h"
#include "echo.framerpc.h"

namespace framerpc {
namespace codegen_test {

namespace pkg = ::framerpc::test::deep::pkg;
namespace other = ::framerpc::test::other;

// Overrides delete_ (records the request's `class` field), Echo (text back,
// count + 1) and new_ (nested keyword message in, keyword message out).
// Leaves Now at its default.
class SwitchImpl final : public pkg::Switch::Service {
 public:
  absl::Status delete_(ServerContext& /*context*/, const pkg::Keywords& request,
                       google::protobuf::Empty* /*reply*/) override {
    std::lock_guard<std::mutex> lock(mu_);
    deleted_ = request.class_();
    return absl::OkStatus();
  }

  absl::Status Echo(ServerContext& /*context*/, const other::Imported& request,
                    other::Imported* reply) override {
    reply->set_text(request.text());
    reply->set_count(request.count() + 1);
    return absl::OkStatus();
  }

  absl::Status new_(ServerContext& /*context*/, const pkg::delete__new& request,
                    pkg::delete_* reply) override {
    if (request.text().empty()) {
      return absl::InvalidArgumentError("new: text is empty");
    }
    reply->set_text("new:" + request.text());
    return absl::OkStatus();
  }

  // The `class` field of the last delete request.
  std::string deleted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return deleted_;
  }

 private:
  mutable std::mutex mu_;
  std::string deleted_ ABSL_GUARDED_BY(mu_);
};

// Overrides every method of `register` to answer with its own wire name in
// the reply's `class` field and the request's `new` field + 1.
class RegisterImpl final : public pkg::register_::Service {
 public:
  absl::Status Stub_(ServerContext&, const pkg::Keywords& request,
                     pkg::Keywords* reply) override {
    return Answer("Stub", request, reply);
  }
  absl::Status channel__(ServerContext&, const pkg::Keywords& request,
                         pkg::Keywords* reply) override {
    return Answer("channel", request, reply);
  }
  absl::Status Service_(ServerContext&, const pkg::Keywords& request,
                        pkg::Keywords* reply) override {
    return Answer("Service", request, reply);
  }
  absl::Status status(ServerContext&, const pkg::Keywords& request,
                      pkg::Keywords* reply) override {
    return Answer("status", request, reply);
  }

 private:
  static absl::Status Answer(const char* name, const pkg::Keywords& request,
                             pkg::Keywords* reply) {
    reply->set_class_(name);
    reply->set_new_(request.new_() + 1);
    return absl::OkStatus();
  }
};

// The example of docs/api.md §4 (Server): answers with the request's text.
class EchoImpl final : public demo::Echo::Service {
 public:
  absl::Status Say(ServerContext& /*context*/, const demo::SayRequest& request,
                   demo::SayReply* reply) override {
    reply->set_text(request.text());
    return absl::OkStatus();
  }
};

}  // namespace codegen_test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_CODEGEN_AWKWARD_IMPLS_H_
