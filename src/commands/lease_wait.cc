// Parked CACHE.FETCH calls: parking, serving, timeouts and holders that disconnect.
#include "commands/lease_wait.h"

#include <algorithm>
#include <string>

#include "base/clock.h"
#include "base/hash.h"
#include "commands/blocking.h"
#include "commands/client_registry.h"

namespace cachet {
namespace {

int64_t MonotonicMs() { return MonotonicUs() / 1000; }

}  // namespace

std::shared_ptr<BlockedClient> ParkFetch(ServerContext& server, KeyAccess& access,
                                         const BlockedClient& request,
                                         const FetchOutcome& outcome) {
  if (server.blocking == nullptr) return nullptr;
  auto c = std::make_shared<BlockedClient>();
  c->client_id = request.client_id;
  c->handle = request.handle;
  c->db = request.db;
  c->protocol = request.protocol;
  c->kind = BlockedClient::Kind::kFetch;
  c->keys = request.keys;
  c->lease_ms = request.lease_ms;
  c->wait_until_ms = request.wait_until_ms;
  // Wake when the lease in the way runs out (its holder may be gone) if that comes first.
  int64_t lease_left = std::max<int64_t>(0, outcome.lease_expires_ms - access.now()) + 1;
  c->deadline_ms = std::min(c->wait_until_ms, MonotonicMs() + lease_left);
  server.blocking->Park(c);
  return c;
}

bool ServeFetchWaiter(ServerContext& server, const std::shared_ptr<BlockedClient>& c) {
  KeyAccess access(*server.engine, c->keys[0]);
  std::shared_ptr<ClientHandle> handle = c->handle.lock();
  FetchParams p;
  p.client = c->client_id;
  p.lease_ms = c->lease_ms;
  p.may_wait = true;
  p.claim = [&] { return handle != nullptr && server.blocking->Claim(c); };
  FetchOutcome outcome = OpFetch(access, c->db, c->keys[0], p);
  if (outcome.status == FetchStatus::kWait) return false;
  if (outcome.status == FetchStatus::kAbandoned) {
    server.blocking->Claim(c);  // a vanished client's wait ends here
    return true;
  }
  std::string out;
  ReplyBuilder reply(&out);
  reply.set_protocol(c->protocol);
  ReplyFetch(reply, outcome);
  handle->Unblock(std::move(out));
  return true;
}

std::shared_ptr<BlockedClient> FetchWaitTimedOut(ServerContext& server, const BlockedClient& c,
                                                 ReplyBuilder& reply) {
  KeyAccess access(*server.engine, c.keys[0]);
  FetchParams p;
  p.client = c.client_id;
  p.lease_ms = c.lease_ms;
  p.may_wait = MonotonicMs() < c.wait_until_ms;
  FetchOutcome outcome = OpFetch(access, c.db, c.keys[0], p);
  if (outcome.status == FetchStatus::kWait) {
    if (auto again = ParkFetch(server, access, c, outcome)) return again;
    outcome.status = FetchStatus::kLocked;
  }
  if (outcome.status == FetchStatus::kLocked) {
    outcome.status = FetchStatus::kTimeout;
    server.engine->leases().Count(LeaseManager::kWaitTimeouts);
  }
  ReplyFetch(reply, outcome);
  return nullptr;
}

void ReplyFetchTimeout(ReplyBuilder& reply) {
  FetchOutcome outcome;
  outcome.status = FetchStatus::kTimeout;
  ReplyFetch(reply, outcome);
}

void ReleaseClientLeases(ServerContext& server, uint64_t client_id) {
  Engine& engine = *server.engine;
  std::vector<LeaseManager::HeldKey> held = engine.leases().TakeHeld(client_id);
  if (held.empty()) return;
  for (const auto& [db, key] : held) {
    KeyAccess access(engine, key);
    Shard& shard = engine.shard(Engine::ShardIndex(HashKey(key)));
    if (engine.leases().Release(shard, db, key, client_id)) engine.ready_keys().Touch(db, key);
  }
  ServeBlockedClients(server);
}

}  // namespace cachet
