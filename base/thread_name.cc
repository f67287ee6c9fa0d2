#include "base/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <string>

namespace framerpc {

void NameThisThread(absl::string_view name) {
  constexpr size_t kMaxNameBytes = 15;  // the kernel's TASK_COMM_LEN, less NUL
  const std::string cut(name.substr(0, std::min(name.size(), kMaxNameBytes)));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace framerpc
