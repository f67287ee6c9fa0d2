#include "bench/client/echo_caller.h"

#include <algorithm>
#include <cstring>

namespace framerpc {
namespace bench {

std::string MakePayload(size_t size, int thread_index) {
  std::string payload(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    payload[i] = static_cast<char>('a' + i % 26);
  }
  if (size >= 12) {
    const uint32_t index = static_cast<uint32_t>(thread_index);
    std::memcpy(&payload[8], &index, sizeof(index));
  }
  return payload;
}

void StampPayload(uint64_t sequence, std::string* payload) {
  std::memcpy(payload->data(), &sequence,
              std::min(payload->size(), sizeof(sequence)));
}

}  // namespace bench
}  // namespace framerpc
