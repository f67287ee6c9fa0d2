#include "rpc/quote_for_status.h"

#include "absl/strings/str_cat.h"
#include "rpc/utf8.h"

namespace framerpc {
namespace {

// A cut at `size` that does not split a UTF-8 sequence: backs off over at
// most three continuation bytes (10xxxxxx). Invalid input may still end in
// a broken sequence; ValidUtf8OrEscaped escapes it.
size_t Utf8PrefixSize(absl::string_view text, size_t size) {
  for (int backed = 0; backed < 3 && size > 0 && size < text.size() &&
                       (static_cast<unsigned char>(text[size]) & 0xC0) == 0x80;
       ++backed) {
    --size;
  }
  return size;
}

}  // namespace

std::string QuoteForStatus(absl::string_view peer_text) {
  if (peer_text.size() <= kMaxQuotedPeerBytes) {
    return absl::StrCat("'", ValidUtf8OrEscaped(peer_text), "'");
  }
  const absl::string_view prefix =
      peer_text.substr(0, Utf8PrefixSize(peer_text, kMaxQuotedPeerBytes));
  return absl::StrCat("'", ValidUtf8OrEscaped(prefix), "...' (",
                      peer_text.size(), " bytes)");
}

}  // namespace framerpc
