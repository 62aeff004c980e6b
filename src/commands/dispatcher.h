// Dispatch: runs one parsed command for a client — lookup, arity, authentication and
// maxmemory checks with Redis's errors, then the handler, then statistics, the slow log and
// MONITOR. Thread-safety: called on the client's loop thread; shared state is thread-safe.
#pragma once

#include "commands/command.h"
#include "commands/server_context.h"

namespace cachet {

void Dispatch(ServerContext& server, ClientState& client, ReplyBuilder& reply, ArgList args);

// The line MONITOR clients receive for a command (without the leading '+' and CRLF).
std::string MonitorLine(int64_t now_us, int db, const std::string& addr, ArgList args);

}  // namespace cachet
