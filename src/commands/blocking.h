// Blocking list commands, shared parts: popping for a blocked client (as soon as one of its keys
// holds a list) and the service that hands elements to parked clients after a command made
// their keys ready, Redis's handleClientsBlockedOnKeys.
//
// Thread-safety: ServeBlockedClients runs on the thread whose command touched the keys; it
// reaches parked clients on other loops only through BlockingRegistry and ClientHandle.
#pragma once

#include <string>
#include <string_view>

#include "commands/blocking_registry.h"
#include "commands/list_family.h"
#include "commands/server_context.h"
#include "resp/reply_builder.h"

namespace cachet {

// Serves clients parked on the keys this thread's commands made ready, first come first served
// per key, following chains (a BLMOVE that pushes to a key another client waits on). The
// dispatcher calls it after each top-level command (not while client.in_exec); EXEC calls it at
// its end.
void ServeBlockedClients(ServerContext& server);

// Pops (or moves) for c from key, which holds a non-empty list, under access; replies into reply
// and logs the non-blocking equivalent (LPOP, RPOP, LMOVE, RPOPLPUSH). kWrongType (with the
// WRONGTYPE error replied) when a BLMOVE destination holds another type: nothing changes then.
// REQUIRES: access locks key and c.dest; a PropagationScope is open.
ListStatus PopForBlocked(KeyAccess& access, const BlockedClient& c, std::string_view key,
                         ReplyBuilder& reply);

// What a client gets when its wait ends without data: a null array (Redis 7.0 uses it for
// BLMOVE and BRPOPLPUSH too).
void ReplyBlockTimeout(const BlockedClient& c, ReplyBuilder& reply);

}  // namespace cachet
