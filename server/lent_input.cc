#include "server/lent_input.h"

#include <utility>

namespace framerpc {
namespace internal {
namespace {

// Below this a copy costs less than the swap, the copy of what follows the
// frame and the spare's bookkeeping.
constexpr size_t kLendFromBytes = size_t{64} << 10;

}  // namespace

Buffer SpareInput::Take() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.has_value()) {
      Buffer buffer = std::move(*spare_);
      spare_.reset();
      buffer.RetrieveAll();
      return buffer;
    }
  }
  return Buffer();
}

void SpareInput::GiveBack(Buffer buffer) {
  if (buffer.capacity() > Buffer::kMaxIdleCapacity) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (!spare_.has_value()) spare_.emplace(std::move(buffer));
}

LentInput::LentInput(Buffer buffer, absl::string_view payload,
                     std::weak_ptr<SpareInput> home)
    : buffer_(std::move(buffer)), payload_(payload), home_(std::move(home)) {}

LentInput::~LentInput() { GiveBack(); }

LentInput::LentInput(LentInput&& other) noexcept
    : buffer_(std::move(other.buffer_)),
      payload_(other.payload_),
      home_(std::move(other.home_)) {
  other.buffer_.reset();
  other.payload_ = absl::string_view();
}

LentInput& LentInput::operator=(LentInput&& other) noexcept {
  if (this != &other) {
    GiveBack();
    buffer_ = std::move(other.buffer_);
    payload_ = other.payload_;
    home_ = std::move(other.home_);
    other.buffer_.reset();
    other.payload_ = absl::string_view();
  }
  return *this;
}

void LentInput::GiveBack() {
  if (!buffer_.has_value()) return;
  if (std::shared_ptr<SpareInput> home = home_.lock()) {
    home->GiveBack(std::move(*buffer_));
  }
  buffer_.reset();
  payload_ = absl::string_view();
}

bool ShouldLendInput(size_t payload_size, size_t bytes_after) {
  return payload_size >= kLendFromBytes && bytes_after < payload_size / 4;
}

}  // namespace internal
}  // namespace framerpc
