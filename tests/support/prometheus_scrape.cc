#include "tests/support/prometheus_scrape.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace framerpc {
namespace testing_support {
namespace {

bool IsNameChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == ':' || (!first && c >= '0' && c <= '9');
}

absl::Status BadLine(absl::string_view line, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("prometheus text line \"", line, "\": ", why));
}

bool ParseValue(absl::string_view text, double* value) {
  if (text == "+Inf") {
    *value = HUGE_VAL;
    return true;
  }
  if (text == "-Inf") {
    *value = -HUGE_VAL;
    return true;
  }
  return absl::SimpleAtod(text, value);
}

absl::StatusOr<PrometheusSample> ParseSample(absl::string_view line) {
  PrometheusSample sample;
  size_t i = 0;
  while (i < line.size() && IsNameChar(line[i], i == 0)) ++i;
  if (i == 0) return BadLine(line, "no metric name");
  sample.name = std::string(line.substr(0, i));
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const size_t name_start = i;
      while (i < line.size() && IsNameChar(line[i], i == name_start)) ++i;
      const std::string label(line.substr(name_start, i - name_start));
      if (label.empty() || i + 1 >= line.size() || line[i] != '=' ||
          line[i + 1] != '"') {
        return BadLine(line, "expected label=\"value\"");
      }
      i += 2;
      std::string value;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\') {
          if (i + 1 >= line.size()) return BadLine(line, "dangling escape");
          const char e = line[i + 1];
          if (e == 'n') {
            value += '\n';
          } else if (e == '\\' || e == '"') {
            value += e;
          } else {
            return BadLine(line, "unknown escape");
          }
          i += 2;
        } else {
          value += line[i++];
        }
      }
      if (i >= line.size()) return BadLine(line, "unterminated label value");
      ++i;  // closing quote
      if (!sample.labels.emplace(label, value).second) {
        return BadLine(line, "repeated label");
      }
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return BadLine(line, "unterminated labels");
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return BadLine(line, "no value");
  const absl::string_view rest = line.substr(i + 1);
  // The value, then optionally a timestamp.
  std::vector<absl::string_view> parts = absl::StrSplit(rest, ' ');
  if (parts.empty() || parts.size() > 2 ||
      !ParseValue(parts[0], &sample.value)) {
    return BadLine(line, "the value is not a number");
  }
  return sample;
}

}  // namespace

absl::StatusOr<PrometheusText> ParsePrometheusText(absl::string_view text) {
  PrometheusText parsed;
  if (!text.empty() && text.back() != '\n') {
    return absl::InvalidArgumentError("prometheus text does not end in \\n");
  }
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::vector<std::string> words =
          absl::StrSplit(line, absl::MaxSplits(' ', 3));
      if (words.size() >= 4 && words[1] == "TYPE") {
        if (!parsed.types.emplace(words[2], words[3]).second) {
          return BadLine(line, "second TYPE line for the family");
        }
      } else if (words.size() >= 3 && words[1] == "HELP") {
        parsed.helps[words[2]] = words.size() == 4 ? words[3] : "";
      }
      continue;
    }
    absl::StatusOr<PrometheusSample> sample = ParseSample(line);
    if (!sample.ok()) return sample.status();
    parsed.samples.push_back(*std::move(sample));
  }
  return parsed;
}

std::vector<PrometheusSample> PrometheusText::Find(
    absl::string_view name,
    const std::map<std::string, std::string>& labels) const {
  std::vector<PrometheusSample> found;
  for (const PrometheusSample& sample : samples) {
    if (sample.name != name) continue;
    bool match = true;
    for (const auto& [key, value] : labels) {
      auto it = sample.labels.find(key);
      if (it == sample.labels.end() || it->second != value) match = false;
    }
    if (match) found.push_back(sample);
  }
  return found;
}

absl::StatusOr<double> PrometheusText::Value(
    absl::string_view name,
    const std::map<std::string, std::string>& labels) const {
  std::vector<PrometheusSample> found = Find(name, labels);
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat("no sample ", name));
  }
  if (found.size() > 1) {
    return absl::FailedPreconditionError(
        absl::StrCat(found.size(), " samples ", name, " match"));
  }
  return found.front().value;
}

absl::StatusOr<std::string> HttpExchange(int port, absl::string_view request,
                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    return absl::UnavailableError(absl::StrCat(
        "connect 127.0.0.1:", port, ": ", std::strerror(errno)));
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent,
                             MSG_NOSIGNAL);
    if (n <= 0) return absl::UnavailableError("send failed");
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char chunk[4096];
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no complete answer from 127.0.0.1:", port, " in time; got \"",
          response, "\""));
    }
    pollfd p{fd, POLLIN, 0};
    const int ready =
        ::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready <= 0) continue;
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n == 0) return response;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (!response.empty()) return response;  // reset after the answer
      return absl::UnavailableError(
          absl::StrCat("recv: ", std::strerror(errno)));
    }
    response.append(chunk, static_cast<size_t>(n));
  }
}

absl::StatusOr<std::string> HttpGet(int port, absl::string_view path,
                                    absl::Duration timeout) {
  return HttpExchange(
      port,
      // Connection: close, so that a keep-alive server (Prometheus's) ends
      // the answer by closing.
      absl::StrCat("GET ", path,
                   " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
      timeout);
}

std::string HttpBody(absl::string_view response) {
  const size_t end = response.find("\r\n\r\n");
  if (end == absl::string_view::npos) return "";
  return std::string(response.substr(end + 4));
}

std::string PromtoolPath() {
  for (const char* path : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

PromtoolVerdict PromtoolCheck(const std::string& promtool,
                              absl::string_view text) {
  PromtoolVerdict verdict;
  char dir_template[] = "/tmp/framerpc_promtool_XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  if (dir == nullptr) {
    verdict.output = absl::StrCat("mkdtemp: ", std::strerror(errno));
    return verdict;
  }
  const std::string text_path = absl::StrCat(dir, "/metrics.txt");
  const std::string out_path = absl::StrCat(dir, "/promtool.out");
  {
    std::ofstream out(text_path);
    out << text;
  }
  const std::string command = absl::StrCat(promtool, " check metrics < ",
                                           text_path, " > ", out_path, " 2>&1");
  const int status = std::system(command.c_str());
  verdict.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  {
    std::ifstream in(out_path);
    std::stringstream said;
    said << in.rdbuf();
    verdict.output = said.str();
  }
  ::unlink(text_path.c_str());
  ::unlink(out_path.c_str());
  ::rmdir(dir);
  return verdict;
}

}  // namespace testing_support
}  // namespace framerpc
