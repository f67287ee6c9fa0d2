#include "rpc/proto_name.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace {

absl::Status NotAName(absl::string_view name, absl::string_view what,
                      absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      what, " ", QuoteForStatus(name), " is not a proto full name: ", why));
}

bool IsSeparator(char c) { return c == '.' || c == '/'; }

}  // namespace

absl::Status CheckProtoFullName(absl::string_view name, ProtoNameForm form,
                                absl::string_view what) {
  if (name.empty()) return absl::OkStatus();
  if (name.size() > kMaxProtoNameSize) {
    return NotAName(name, what,
                    absl::StrCat("longer than ", kMaxProtoNameSize, " bytes"));
  }
  bool slash_seen = false;
  // One pass; `at_start` is true where an identifier must begin.
  bool at_start = true;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (IsSeparator(c)) {
      if (at_start) {
        return NotAName(name, what,
                        absl::StrCat("empty identifier before offset ", i));
      }
      if (c == '/') {
        if (form != ProtoNameForm::kDottedOrMethod) {
          return NotAName(name, what, absl::StrCat("'/' at offset ", i));
        }
        if (slash_seen) {
          return NotAName(name, what,
                          absl::StrCat("a second '/' at offset ", i));
        }
        slash_seen = true;
      } else if (slash_seen) {
        return NotAName(name, what,
                        absl::StrCat("'.' after the '/', at offset ", i));
      }
      at_start = true;
      continue;
    }
    const bool identifier_char =
        absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_' ||
        (!at_start && absl::ascii_isdigit(static_cast<unsigned char>(c)));
    if (!identifier_char) {
      return NotAName(
          name, what,
          absl::StrCat(
              at_start ? "an identifier cannot start with byte 0x" : "byte 0x",
              absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2),
              " at offset ", i,
              at_start ? "" : " is not allowed in an identifier"));
    }
    at_start = false;
  }
  if (at_start) return NotAName(name, what, "it ends with a separator");
  return absl::OkStatus();
}

}  // namespace framerpc
