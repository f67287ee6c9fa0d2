#include "client/target.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace internal {
namespace {

constexpr absl::string_view kDnsPrefix = "dns:";
constexpr absl::string_view kIpv4Prefix = "ipv4:";
constexpr absl::string_view kIpv6Prefix = "ipv6:";
constexpr absl::string_view kUnixPrefix = "unix:";
constexpr int kDefaultDnsPort = 53;

// The target is the user's own text, but it may come from a configuration
// file of any size: QuoteForStatus keeps the message short.
absl::Status BadTarget(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid target ", QuoteForStatus(text), ": ", why,
                   " (expected host:port, [v6]:port, dns:///name:port, "
                   "dns://ADDR:PORT/name:port, ipv4:a.b.c.d:port,..., "
                   "ipv6:[v6]:port,... or unix:/path)"));
}

bool IsIpLiteral(const std::string& host, int family) {
  in6_addr storage;  // large enough for either family
  return ::inet_pton(family, host.c_str(), &storage) == 1;
}

// The scheme of "scheme://...": a letter, then letters, digits, '+', '-'
// or '.' (RFC 3986), so that "[::1]:80" and "host:80" have none.
absl::string_view UriScheme(absl::string_view text) {
  const size_t end = text.find("://");
  if (end == absl::string_view::npos || end == 0) return {};
  const absl::string_view scheme = text.substr(0, end);
  if (!absl::ascii_isalpha(static_cast<unsigned char>(scheme[0]))) return {};
  for (char c : scheme) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' &&
        c != '-' && c != '.') {
      return {};
    }
  }
  return scheme;
}

// Host names are letters, digits, '-' and '.'; '_' too, as DNS itself
// allows it (service labels). Checked so that a typo such as a '/' or a
// space fails here, naming the target, rather than as a lookup failure.
bool IsDnsName(absl::string_view name) {
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '.' && c != '_') {
      return false;
    }
  }
  return true;
}

// "ADDR:PORT", "ADDR", "[v6]:PORT" or "[v6]" of "dns://ADDR:PORT/".
absl::StatusOr<Address> ParseDnsServer(absl::string_view text,
                                       absl::string_view authority) {
  std::string with_port(authority);
  const bool bracketed = absl::StartsWith(authority, "[");
  if ((bracketed && absl::EndsWith(authority, "]")) ||
      (!bracketed && authority.find(':') == absl::string_view::npos)) {
    absl::StrAppend(&with_port, ":", kDefaultDnsPort);
  }
  absl::StatusOr<Address> server = ParseHostPort(with_port);
  if (!server.ok()) {
    return BadTarget(
        text, absl::StrCat("DNS server ", QuoteForStatus(authority), ": ",
                           server.status().message()));
  }
  if (!IsIpLiteral(server->host, AF_INET) &&
      !IsIpLiteral(server->host, AF_INET6)) {
    return BadTarget(text,
                     absl::StrCat("DNS server ", QuoteForStatus(authority),
                                  " is not an IP address"));
  }
  if (server->port == 0) {
    return BadTarget(text,
                     absl::StrCat("DNS server ", QuoteForStatus(authority),
                                  ": port 0 is out of range"));
  }
  return server;
}

absl::StatusOr<Target> ParseDns(absl::string_view text) {
  absl::string_view rest = text.substr(kDnsPrefix.size());
  if (!absl::ConsumePrefix(&rest, "//")) {
    return BadTarget(text, "'dns:' must be followed by '//'");
  }
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) {
    return BadTarget(text, "missing '/' before the name");
  }
  Target target;
  target.kind = Target::Kind::kDns;
  const absl::string_view authority = rest.substr(0, slash);
  if (!authority.empty()) {
    absl::StatusOr<Address> server = ParseDnsServer(text, authority);
    if (!server.ok()) return server.status();
    target.dns_server = *std::move(server);
  }
  const absl::string_view name = rest.substr(slash + 1);
  if (name.empty()) return BadTarget(text, "missing name:port after '/'");
  absl::StatusOr<Address> address = ParseHostPort(name);
  if (!address.ok()) {
    return BadTarget(text, absl::StrCat("name ", QuoteForStatus(name), ": ",
                                        address.status().message()));
  }
  if (!IsDnsName(address->host) && !IsIpLiteral(address->host, AF_INET6)) {
    return BadTarget(text, absl::StrCat("name ", QuoteForStatus(address->host),
                                        " is not a DNS name"));
  }
  target.address = *std::move(address);
  return target;
}

// "ipv4:" or "ipv6:" and a comma-separated list of literals of `family`.
absl::StatusOr<Target> ParseFixed(absl::string_view text,
                                  absl::string_view prefix, int family) {
  const absl::string_view list = text.substr(prefix.size());
  if (list.empty()) return BadTarget(text, "empty address list");
  Target target;
  target.kind = Target::Kind::kFixed;
  int index = 0;
  for (absl::string_view element : absl::StrSplit(list, ',')) {
    ++index;
    const std::string where = absl::StrCat("element ", index);
    if (element.empty()) {
      return BadTarget(text, absl::StrCat(where, " is empty"));
    }
    if (family == AF_INET6 && !absl::StartsWith(element, "[")) {
      return BadTarget(
          text, absl::StrCat(where, " ", QuoteForStatus(element),
                             ": an IPv6 address must be written [v6]:port"));
    }
    absl::StatusOr<Address> address = ParseHostPort(element);
    if (!address.ok()) {
      return BadTarget(text, absl::StrCat(where, " ", QuoteForStatus(element),
                                          ": ", address.status().message()));
    }
    if (!IsIpLiteral(address->host, family)) {
      return BadTarget(
          text, absl::StrCat(where, " ", QuoteForStatus(element), ": ",
                             QuoteForStatus(address->host), " is not an ",
                             family == AF_INET ? "IPv4" : "IPv6", " address"));
    }
    target.fixed.push_back(*std::move(address));
  }
  return target;
}

}  // namespace

absl::StatusOr<Target> ParseTarget(absl::string_view text) {
  if (text.empty()) return BadTarget(text, "empty target");
  if (absl::StartsWith(text, kDnsPrefix)) return ParseDns(text);
  if (absl::StartsWith(text, kIpv4Prefix)) {
    return ParseFixed(text, kIpv4Prefix, AF_INET);
  }
  if (absl::StartsWith(text, kIpv6Prefix)) {
    return ParseFixed(text, kIpv6Prefix, AF_INET6);
  }
  Target target;
  absl::StatusOr<Address> address;
  if (absl::StartsWith(text, kUnixPrefix)) {
    target.kind = Target::Kind::kUnix;
    address = ParseUnixAddress(text);
  } else if (const absl::string_view scheme = UriScheme(text);
             !scheme.empty()) {
    return BadTarget(text,
                     absl::StrCat("unknown scheme ", QuoteForStatus(scheme)));
  } else {
    address = ParseHostPort(text);
  }
  if (!address.ok()) return BadTarget(text, address.status().message());
  target.address = *std::move(address);
  return target;
}

}  // namespace internal
}  // namespace framerpc
