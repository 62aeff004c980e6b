// Dispatch: runs one parsed command for a client — lookup, arity, authentication, transaction
// and maxmemory checks with Redis's errors; inside MULTI it queues the command, otherwise it
// Calls it: the handler, then statistics, the slow log and MONITOR.
// Thread-safety: called on the client's loop thread; shared state is thread-safe.
#pragma once

#include "commands/command.h"
#include "commands/server_context.h"

namespace cachet {

void Dispatch(ServerContext& server, ClientState& client, ReplyBuilder& reply, ArgList args);

// Runs a command that passed Dispatch's checks: the handler, then statistics, the slow log and
// MONITOR. EXEC runs its queued commands through it.
void Call(ServerContext& server, ClientState& client, ReplyBuilder& reply,
          const CommandSpec* target, ArgList args);

// The line MONITOR clients receive for a command (without the leading '+' and CRLF).
std::string MonitorLine(int64_t now_us, int db, const std::string& addr, ArgList args);

}  // namespace cachet
