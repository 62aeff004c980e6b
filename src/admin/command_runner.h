// CommandRunner: runs Redis commands on behalf of HTTP routes through the same dispatcher as
// RESP clients (so they are logged to the append-only log, counted, shown by MONITOR and
// subject to maxmemory), as an authenticated internal RESP3 client, and decodes each reply.
//
// Thread-safety: one runner per thread (the HTTP thread owns it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client_registry.h"
#include "commands/command.h"
#include "commands/server_context.h"

namespace cachet {

// A decoded RESP3 reply.
struct RespValue {
  enum Type { kSimple, kError, kInteger, kBulk, kNull, kArray, kMap, kSet, kDouble, kBool };
  Type type = kNull;
  std::string str;      // simple, error, bulk, verbatim (without its format prefix), double text
  int64_t integer = 0;  // integer, bool (0/1)
  std::vector<RespValue> elements;  // array, set; map as key, value, key, value, ...

  bool is_error() const { return type == kError; }
  // The value of a map's key (nullptr when absent or not a map).
  const RespValue* Find(std::string_view key) const;
};

// Decodes one reply from the start of bytes. False when it is malformed or deeper than 32.
bool DecodeResp(std::string_view bytes, RespValue* out);

class CommandRunner {
 public:
  explicit CommandRunner(ServerContext* server);
  RespValue Run(const std::vector<std::string>& args, int db = 0);

 private:
  ServerContext* server_;
  ClientState client_;
  ClientInfo info_;
};

}  // namespace cachet
