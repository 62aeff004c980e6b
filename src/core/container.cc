// Names of types and encodings, as TYPE and OBJECT ENCODING print them.
#include "core/container.h"

namespace cachet {

const char* EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kRaw:
    case Encoding::kCompressed:  // what clients expect of a long string (docs/compression.md)
      return "raw";
    case Encoding::kEmbStr:
      return "embstr";
    case Encoding::kInt:
      return "int";
    case Encoding::kListpack:
      return "listpack";
    case Encoding::kQuicklist:
      return "quicklist";
    case Encoding::kIntset:
      return "intset";
    case Encoding::kHashtable:
      return "hashtable";
    case Encoding::kSkiplist:
      return "skiplist";
  }
  return "raw";
}

const char* TypeName(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kHash:
      return "hash";
  }
  return "none";
}

}  // namespace cachet
