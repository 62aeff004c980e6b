// Dispatch from a type tag to the type's Deserialize.
#include "core/container_factory.h"

#include "core/hash_value.h"
#include "core/list_value.h"
#include "core/set_value.h"
#include "core/zset_value.h"

namespace cachet {

std::unique_ptr<Container> DeserializeContainer(ValueType type, std::string_view data,
                                                const EncodingLimits& limits) {
  switch (type) {
    case ValueType::kHash:
      return HashValue::Deserialize(data, limits);
    case ValueType::kList:
      return ListValue::Deserialize(data);
    case ValueType::kSet:
      return SetValue::Deserialize(data, limits);
    case ValueType::kZSet:
      return ZSetValue::Deserialize(data, limits);
    default:
      return nullptr;
  }
}

}  // namespace cachet
