// libFuzzer target for WARM.RESTORE and warm file loading: arbitrary bytes as one key record
// (type byte, then payload) are decoded and stored in an engine. Every input must be stored
// or refused, never crash or read out of range; a stored key must read back as a valid value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/engine.h"
#include "engine/key_access.h"
#include "persist/snapshot_records.h"
#include "persist/warm_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static cachet::Engine* engine = new cachet::Engine(cachet::EngineOptions());
  if (size == 0) return 0;
  std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  cachet::KeyRecord rec;
  bool decodes = cachet::DecodeKeyRecord(data[0], payload, &rec);
  cachet::WarmApplyResult r = cachet::ApplyKeyRecord(*engine, 0, data[0], payload,
                                                     /*replace=*/true, cachet::EncodingLimits());
  if (r == cachet::WarmApplyResult::kLoaded) {
    if (!decodes) __builtin_trap();
    cachet::KeyAccess access(*engine, rec.key);
    const cachet::Entry* e = access.Find(0, rec.key, false);
    if (e == nullptr) __builtin_trap();
    std::string again;
    cachet::EncodeKeyRecord(e, access.DeadlineOf(0, e), &again);  // walks the whole value
  }
  // Nothing outlives the input (the key table's tagged pointers would look leaked at exit).
  engine->FlushAll(false);
  return 0;
}
