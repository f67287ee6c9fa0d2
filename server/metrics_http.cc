#include "server/metrics_http.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <list>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/poll_timeout.h"
#include "base/posix_error.h"
#include "base/thread_name.h"
#include "rpc/address.h"
#include "rpc/log.h"
#include "rpc/prometheus_text.h"

namespace framerpc {
namespace internal {
namespace {

std::string HttpResponse(absl::string_view status_line,
                         absl::string_view content_type,
                         absl::string_view body,
                         absl::string_view extra_headers = "") {
  return absl::StrCat("HTTP/1.1 ", status_line, "\r\nContent-Type: ",
                      content_type, "\r\nContent-Length: ", body.size(),
                      "\r\n", extra_headers, "Connection: close\r\n\r\n",
                      body);
}

std::string PlainError(absl::string_view status_line, absl::string_view why,
                       absl::string_view extra_headers = "") {
  return HttpResponse(status_line, "text/plain; charset=utf-8",
                      absl::StrCat(why, "\n"), extra_headers);
}

// One scraper's connection: what it sent so far, then the answer going out.
struct Client {
  UniqueFd fd;
  absl::Time deadline;
  std::string request;
  std::string response;
  size_t sent = 0;
  bool answered() const { return !response.empty(); }
};

// The end of the request head ("\r\n\r\n", or a bare "\n\n"), or npos.
size_t HeadEnd(absl::string_view request) {
  const size_t crlf = request.find("\r\n\r\n");
  if (crlf != absl::string_view::npos) return crlf + 4;
  const size_t lf = request.find("\n\n");
  if (lf != absl::string_view::npos) return lf + 2;
  return absl::string_view::npos;
}

}  // namespace

std::string AnswerMetricsRequest(absl::string_view request_head,
                                 const std::function<std::string()>& render) {
  const size_t line_end = request_head.find_first_of("\r\n");
  const absl::string_view line = request_head.substr(0, line_end);
  // METHOD SP TARGET SP HTTP/1.x
  const size_t first_space = line.find(' ');
  const size_t last_space = line.rfind(' ');
  if (first_space == absl::string_view::npos || first_space == last_space ||
      !absl::StartsWith(line.substr(last_space + 1), "HTTP/1.")) {
    return PlainError("400 Bad Request", "not an HTTP/1.x request line");
  }
  const absl::string_view method = line.substr(0, first_space);
  absl::string_view path =
      line.substr(first_space + 1, last_space - first_space - 1);
  path = path.substr(0, path.find('?'));
  if (method != "GET") {
    return PlainError("405 Method Not Allowed",
                      absl::StrCat("only GET is served, not ", method.substr(0, 32)),
                      "Allow: GET\r\n");
  }
  if (path != "/metrics") {
    return PlainError("404 Not Found", "only /metrics is served here");
  }
  return HttpResponse("200 OK", kPrometheusContentType, render());
}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    absl::string_view address, std::function<std::string()> render) {
  absl::StatusOr<Address> parsed = ParseHostPort(address);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ServerOptions::metrics_http_address \"", address,
                     "\" is not \"host:port\": ", parsed.status().message()));
  }
  // Scrapes are short: keepalive probing would only matter for an idle
  // connection, and a client here is dropped after kClientTimeout anyway.
  absl::StatusOr<std::unique_ptr<Listener>> listener = Listener::Create(
      address, absl::Hours(2), absl::Seconds(20));
  if (!listener.ok()) {
    return absl::Status(listener.status().code(),
                        absl::StrCat("metrics HTTP endpoint: ",
                                     listener.status().message()));
  }
  UniqueFd wakeup(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wakeup.valid()) {
    return PosixError("metrics HTTP endpoint: eventfd", errno);
  }
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer(
      *std::move(listener), std::move(wakeup), std::move(render)));
  try {
    server->thread_ = std::thread([raw = server.get()] { raw->Run(); });
  } catch (const std::system_error& e) {
    return absl::ResourceExhaustedError(
        absl::StrCat("metrics HTTP endpoint: create its thread: ", e.what()));
  }
  return server;
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<Listener> listener,
                                     UniqueFd wakeup,
                                     std::function<std::string()> render)
    : listener_(std::move(listener)),
      port_(listener_->port()),
      wakeup_(std::move(wakeup)),
      render_(std::move(render)) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

void MetricsHttpServer::Stop() {
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  // An eventfd write of 1 cannot fail short of overflow, which 1s never
  // reach; the thread sees it readable.
  while (::write(wakeup_.get(), &one, sizeof(one)) < 0 && errno == EINTR) {
  }
  thread_.join();
  listener_.reset();  // refuses connections from now on
}

void MetricsHttpServer::Run() {
  NameThisThread("framerpc-metrics");
  // Oldest first, so that making room drops the client waiting longest.
  std::list<Client> clients;
  std::vector<pollfd> fds;
  std::vector<std::list<Client>::iterator> polled;
  char chunk[4096];
  // Out of descriptors (EMFILE and the like), accepting is paused for a
  // while: polling the listener at once would only spin.
  absl::Time accept_paused_until = absl::InfinitePast();
  while (true) {
    absl::Time now = absl::Now();
    // The next thing due: a paused accept resuming, a client overdue.
    absl::Time next_deadline =
        accept_paused_until > now ? accept_paused_until : absl::InfiniteFuture();
    for (const Client& client : clients) {
      next_deadline = std::min(next_deadline, client.deadline);
    }
    fds.clear();
    polled.clear();
    fds.push_back({wakeup_.get(), POLLIN, 0});
    // A negative descriptor is skipped by poll(2).
    fds.push_back(
        {accept_paused_until <= now ? listener_->fd() : -1, POLLIN, 0});
    for (auto it = clients.begin(); it != clients.end(); ++it) {
      fds.push_back({it->fd.get(),
                     static_cast<short>(it->answered() ? POLLOUT : POLLIN), 0});
      polled.push_back(it);
    }
    const int ready = ::poll(fds.data(), fds.size(),
                             PollTimeoutMillis(next_deadline - now));
    if (ready < 0 && errno != EINTR) {
      Log(LogSeverity::kError,
          absl::StrCat("metrics HTTP endpoint: poll: ",
                       PosixError("poll", errno).message(), "; stopping"));
      return;
    }
    if (fds[0].revents != 0) return;  // Stop()
    now = absl::Now();
    for (size_t i = 0; i < polled.size(); ++i) {
      const short revents = fds[i + 2].revents;
      if (revents == 0) continue;
      Client& client = *polled[i];
      bool done = false;
      if (!client.answered()) {
        const ssize_t n = ::recv(client.fd.get(), chunk, sizeof(chunk), 0);
        if (n > 0) {
          client.request.append(chunk, static_cast<size_t>(n));
          const size_t head_end = HeadEnd(client.request);
          if (head_end != absl::string_view::npos) {
            client.response = AnswerMetricsRequest(
                absl::string_view(client.request).substr(0, head_end),
                render_);
          } else if (client.request.size() > kMaxRequestBytes) {
            client.response = PlainError(
                "431 Request Header Fields Too Large",
                absl::StrCat("the request head is over ", kMaxRequestBytes,
                             " bytes"));
          }
          if (client.answered()) client.request = std::string();
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          done = true;  // gone before asking
        }
      }
      if (client.answered() && !done) {
        const ssize_t n =
            ::send(client.fd.get(), client.response.data() + client.sent,
                   client.response.size() - client.sent, MSG_NOSIGNAL);
        if (n > 0) client.sent += static_cast<size_t>(n);
        if (client.sent == client.response.size()) {
          done = true;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          done = true;
        }
      }
      if (done) clients.erase(polled[i]);
    }
    // Overdue clients are dropped, answered or not.
    for (auto it = clients.begin(); it != clients.end();) {
      it = it->deadline <= now ? clients.erase(it) : std::next(it);
    }
    if (fds[1].revents != 0) {
      while (true) {
        absl::StatusOr<absl::optional<AcceptedSocket>> accepted =
            listener_->Accept();
        if (!accepted.ok()) {
          accept_paused_until = now + kAcceptPause;
          break;
        }
        if (!accepted->has_value()) break;
        if (clients.size() >= kMaxClients) clients.pop_front();
        Client client;
        client.fd = std::move((*accepted)->fd);
        client.deadline = now + kClientTimeout;
        clients.push_back(std::move(client));
      }
    }
  }
}

}  // namespace internal
}  // namespace framerpc
