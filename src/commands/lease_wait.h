// Waiting for a fill without a thread (docs/leases.md): a CACHE.FETCH that finds another
// client's lease parks in the BlockingRegistry as a kFetch client, like BLPOP. It is finished
// by ServeBlockedClients when its key is touched (a fill or write: HIT; a void or release: one
// waiter gets the lease, the others keep waiting), and by its timer, set to the earlier of its
// WAIT and the lease's expiry (the lease ran out: it takes it over; WAIT ran out: TIMEOUT).
//
// Thread-safety: these run on the thread of the command (or timer) that ends the wait; they
// reach other clients only through BlockingRegistry and ClientHandle.
#pragma once

#include <cstdint>
#include <memory>

#include "commands/blocking_registry.h"
#include "commands/cache_fetch.h"
#include "commands/server_context.h"
#include "engine/key_access.h"
#include "resp/reply_builder.h"

namespace cachet {

// Parks a fetch that OpFetch answered kWait (under access, so no fill slips in before it).
// Returns the parked client; nullptr when it cannot park (no registry or no connection).
std::shared_ptr<BlockedClient> ParkFetch(ServerContext& server, KeyAccess& access,
                                         const BlockedClient& request, const FetchOutcome& outcome);

// Finishes parked fetch c after its key was touched. False when c must keep waiting (its key
// is still leased): the clients queued behind it wait too.
bool ServeFetchWaiter(ServerContext& server, const std::shared_ptr<BlockedClient>& c);

// c's timer fired and its wait was claimed: replies into reply and returns nullptr, or parks
// it again (a new lease is in the way and its WAIT has not ended) and returns the new wait.
std::shared_ptr<BlockedClient> FetchWaitTimedOut(ServerContext& server, const BlockedClient& c,
                                                 ReplyBuilder& reply);

// The fetch reply of a wait ended from outside (CLIENT UNBLOCK): TIMEOUT.
void ReplyFetchTimeout(ReplyBuilder& reply);

// A disconnecting client gives up the leases it holds; their waiters are served at once.
void ReleaseClientLeases(ServerContext& server, uint64_t client_id);

}  // namespace cachet
