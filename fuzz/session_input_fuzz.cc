// libFuzzer target for what sessions accept from outside: arbitrary bytes as session data
// (the JSON object check) and as a snapshot session record (the decoder). Both must answer
// yes or no, never crash, recurse without bound or read out of range.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_check.h"
#include "core/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string detail;
  cachet::CheckJsonObject(text, &detail);
  cachet::Session s;
  if (cachet::DeserializeSession(text, &s)) {
    // A record that decodes must survive a re-encode unchanged (varints may be non-minimal in
    // the input, so compare fields, not bytes).
    std::string again;
    cachet::SerializeSession(s, &again);
    cachet::Session back;
    if (!cachet::DeserializeSession(again, &back) || back.id() != s.id() ||
        back.user() != s.user() || back.data() != s.data() || back.ip() != s.ip() ||
        back.user_agent() != s.user_agent() || back.created_ms != s.created_ms ||
        back.last_active_ms != s.last_active_ms || back.idle_ms != s.idle_ms ||
        back.max_lifetime_ms != s.max_lifetime_ms || back.bind != s.bind) {
      __builtin_trap();
    }
  }
  return 0;
}
