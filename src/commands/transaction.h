// MULTI/EXEC support shared by the dispatcher (which queues commands inside MULTI), the
// connection (which ends a transaction when the client goes) and RESET.
#pragma once

#include "commands/command.h"
#include "commands/server_context.h"

namespace cachet {

// Adds a command that passed the dispatcher's checks to client's open transaction.
void QueueCommand(ClientState& client, const CommandSpec* target, ArgList args);
// Ends client's transaction, if any: forgets the queued commands and unwatches every key.
void DiscardTransaction(ServerContext& server, ClientState& client);
// Forgets every key client watches and clears its dirty flag (UNWATCH).
void UnwatchAll(ServerContext& server, ClientState& client);

}  // namespace cachet
