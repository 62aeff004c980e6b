// List operations on the keyspace, without replies, shared by the list commands and by other
// files (the blocking pops BLPOP / BRPOP / BLMOVE reuse them once a key is ready). Each runs under
// the caller's KeyAccess, which must lock every key it names, and leaves memory accounting and
// empty-key removal done (KeyAccess::ContainerChanged). Every list push goes through OpPush or
// OpMove, so code that must react to a list gaining elements has one place to hook. Also the
// LEFT / RIGHT argument parser of LMOVE and BLMOVE.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/key_access.h"
#include "resp/reply_builder.h"

namespace cachet {

enum class ListStatus {
  kOk,
  kNoKey,      // the (source) key does not exist; nothing changed
  kWrongType,  // a key holds another type; nothing changed
};

// Pops up to count elements from the head (left) or the tail of the list at key, appending them
// to *out in pop order. count 0 checks the key and changes nothing.
ListStatus OpPop(KeyAccess& access, int db, std::string_view key, bool left, size_t count,
                 std::vector<std::string>* out);

// Pushes values one after another at the head (left) or the tail, creating the list unless
// only_existing (LPUSHX / RPUSHX). *length receives the new length (0 with kNoKey).
ListStatus OpPush(KeyAccess& access, int db, std::string_view key, bool left,
                  std::span<const std::string_view> values, bool only_existing, int64_t* length);

// LMOVE: pops one element from src (head when src_left) and pushes it onto dst (head when
// dst_left), creating dst if needed; src may equal dst. *moved receives the element. kNoKey when
// src does not exist (dst is then not looked at, as in Redis).
ListStatus OpMove(KeyAccess& access, int db, std::string_view src, std::string_view dst,
                  bool src_left, bool dst_left, std::string* moved);

// Parses LMOVE / BLMOVE's LEFT | RIGHT (case-insensitive) into *left; replies with the syntax
// error and returns false otherwise.
bool ParseDirection(std::string_view arg, bool* left, ReplyBuilder& reply);

}  // namespace cachet
