// The per-thread buffer behind StringValue for compressed strings.
#include "core/string_value.h"

#include "base/logging.h"

namespace cachet {

std::string_view InflatedValue(const Entry* e) {
  thread_local std::string buffer;
  // Do not keep a huge buffer for ever because one huge value was read once.
  if (buffer.capacity() > (8u << 20) && StringLength(e) < (1u << 20)) std::string().swap(buffer);
  if (!DecompressValue(e->value(), &buffer)) {
    // Only memory corruption gets here: the stored form was made by CompressValue.
    LOG_WARNING("Compressed value of key '%.*s' does not decode; reading it as empty",
                static_cast<int>(e->key().size()), e->key().data());
  }
  return buffer;
}

}  // namespace cachet
