#include "bench/client/result_json.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/client/latency_stats.h"

namespace framerpc {
namespace bench {

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 ||
            static_cast<unsigned char>(c) >= 0x7f) {
          // Keeps the line ASCII whatever bytes an error message carries.
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string ResultJson(const RunDescription& run, LoadResult* result) {
  const LatencySummary latency = Summarize(&result->latencies_ns);
  const double calls = static_cast<double>(result->latencies_ns.size());
  const double seconds = absl::ToDoubleSeconds(result->window);
  const double per_call = calls > 0 ? 1.0 / calls : 0.0;
  std::string json = absl::StrFormat(
      "{\"system\":%s,\"threads\":%d,\"payload\":%d,"
      "\"channel_per_thread\":%s,\"seconds\":%.6f,\"calls\":%.0f,"
      "\"calls_per_sec\":%.1f,\"p50_us\":%.3f,\"p99_us\":%.3f,"
      "\"p999_us\":%.3f,\"mb_per_sec\":%.3f,\"client_cpu_us_per_call\":%.4f",
      JsonString(run.system), run.threads, run.payload,
      run.channel_per_thread ? "true" : "false", seconds, calls,
      seconds > 0 ? calls / seconds : 0.0, latency.p50_us, latency.p99_us,
      latency.p999_us,
      seconds > 0 ? calls * static_cast<double>(run.payload) / seconds / 1e6
                  : 0.0,
      absl::ToDoubleMicroseconds(result->client_cpu) * per_call);
  if (result->server_cpu) {
    absl::StrAppendFormat(
        &json, ",\"server_cpu_us_per_call\":%.4f",
        absl::ToDoubleMicroseconds(*result->server_cpu) * per_call);
  }
  if (run.idle_connections > 0) {
    absl::StrAppendFormat(&json, ",\"idle_connections\":%d",
                          run.idle_connections);
  }
  absl::StrAppendFormat(&json, ",\"errors\":%d,\"mismatches\":%d",
                        result->errors, result->mismatches);
  if (!result->first_error.empty()) {
    absl::StrAppend(&json,
                    ",\"first_error\":", JsonString(result->first_error));
  }
  return json + "}";
}

}  // namespace bench
}  // namespace framerpc
