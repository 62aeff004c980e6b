// Pub/sub state that other parts of the server change: RESET and disconnects drop a client's
// subscriptions. Thread-safety: call on the client's own loop thread.
#pragma once

#include "commands/command.h"
#include "commands/server_context.h"

namespace cachet {

// Unsubscribes the client from every channel and pattern, without replying.
void DropSubscriptions(ServerContext& server, ClientState& client);

// Whether a RESP2 client in subscribed mode may run this command (Redis's exact list).
bool AllowedInSubscribedMode(const CommandSpec& command);

}  // namespace cachet
