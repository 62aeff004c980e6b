// Rebuilds an aggregate value from the bytes its Serialize() wrote (snapshot loading).
#pragma once

#include <memory>
#include <string_view>

#include "core/container.h"

namespace cachet {

// nullptr when data is malformed or type is not an aggregate type.
std::unique_ptr<Container> DeserializeContainer(ValueType type, std::string_view data,
                                                const EncodingLimits& limits);

}  // namespace cachet
