#include "rpc/address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace {

constexpr absl::string_view kUnixPrefix = "unix:";

// Quoted with QuoteForStatus: an address may come from a configuration file
// or a command line of any length, and the message must stay short.
absl::Status BadAddress(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid address ", QuoteForStatus(text), ": ", why,
                   " (expected host:port, [v6]:port or unix:/path)"));
}

}  // namespace

std::string Address::ToString() const {
  if (kind == Kind::kUnix) return absl::StrCat(kUnixPrefix, path);
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<Address> ParseAddress(absl::string_view text) {
  absl::StatusOr<Address> address = absl::StartsWith(text, kUnixPrefix)
                                        ? ParseUnixAddress(text)
                                        : ParseHostPort(text);
  if (!address.ok()) return BadAddress(text, address.status().message());
  return address;
}

absl::StatusOr<Address> ParseUnixAddress(absl::string_view text) {
  Address address;
  address.kind = Address::Kind::kUnix;
  if (!absl::StartsWith(text, kUnixPrefix)) {
    return absl::InvalidArgumentError("missing 'unix:'");
  }
  address.path = std::string(text.substr(kUnixPrefix.size()));
  if (address.path.empty()) {
    return absl::InvalidArgumentError("empty unix path");
  }
  if (address.path.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unix path longer than ", sizeof(sockaddr_un::sun_path) - 1, " bytes"));
  }
  if (address.path.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("unix path contains a NUL byte");
  }
  return address;
}

absl::StatusOr<Address> ParseHostPort(absl::string_view text) {
  Address address;
  absl::string_view port_text;
  if (absl::StartsWith(text, "[")) {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos)
      return absl::InvalidArgumentError("missing ']'");
    address.host = std::string(text.substr(1, close - 1));
    absl::string_view rest = text.substr(close + 1);
    if (!absl::StartsWith(rest, ":")) {
      return absl::InvalidArgumentError("missing ':port' after ']'");
    }
    port_text = rest.substr(1);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == absl::string_view::npos)
      return absl::InvalidArgumentError("missing ':port'");
    address.host = std::string(text.substr(0, colon));
    if (address.host.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(
          "an IPv6 host must be written in brackets");
    }
    port_text = text.substr(colon + 1);
  }
  if (address.host.empty()) return absl::InvalidArgumentError("empty host");
  int port;
  if (port_text.empty() || !absl::SimpleAtoi(port_text, &port) ||
      port_text.find_first_not_of("0123456789") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("port ", QuoteForStatus(port_text), " is not a number"));
  }
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port ", port, " is out of range"));
  }
  address.port = port;
  return address;
}

absl::StatusOr<std::vector<ResolvedAddress>> Resolve(const Address& address) {
  std::vector<ResolvedAddress> result;
  if (address.kind == Address::Kind::kUnix) {
    ResolvedAddress resolved;
    auto* un = reinterpret_cast<sockaddr_un*>(&resolved.storage);
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, address.path.data(), address.path.size());
    resolved.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) +
                                             address.path.size() + 1);
    result.push_back(resolved);
    return result;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* list = nullptr;
  const std::string port = absl::StrCat(address.port);
  const int rc =
      ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("resolve host '", address.host,
                                               "': ", ::gai_strerror(rc)));
  }
  for (addrinfo* info = list; info != nullptr; info = info->ai_next) {
    if (info->ai_addrlen > sizeof(sockaddr_storage)) continue;
    ResolvedAddress resolved;
    std::memcpy(&resolved.storage, info->ai_addr, info->ai_addrlen);
    resolved.length = info->ai_addrlen;
    result.push_back(resolved);
  }
  ::freeaddrinfo(list);
  if (result.empty()) {
    return absl::UnavailableError(
        absl::StrCat("resolve host '", address.host, "': no usable address"));
  }
  return result;
}

std::string SockaddrToString(const sockaddr* address, socklen_t length) {
  char text[INET6_ADDRSTRLEN] = {};
  switch (address->sa_family) {
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(address);
      ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
      return absl::StrCat(text, ":", ntohs(in->sin_port));
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
      return absl::StrCat("[", text, "]:", ntohs(in6->sin6_port));
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(address);
      const size_t offset = offsetof(sockaddr_un, sun_path);
      if (length <= offset || un->sun_path[0] == '\0') return "unix:";
      return absl::StrCat(
          kUnixPrefix,
          absl::string_view(un->sun_path,
                            strnlen(un->sun_path, length - offset)));
    }
    default:
      return absl::StrCat("(address family ", address->sa_family, ")");
  }
}

}  // namespace framerpc
