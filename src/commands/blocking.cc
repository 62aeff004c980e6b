// Serving parked clients once their keys are ready.
#include "commands/blocking.h"

#include <memory>
#include <vector>

#include "commands/errors.h"
#include "commands/lease_wait.h"
#include "core/list_value.h"
#include "engine/engine.h"
#include "engine/propagation.h"

namespace cachet {
namespace {

const char* Side(bool left) { return left ? "LEFT" : "RIGHT"; }

// Whether key in db is a list with elements.
bool HoldsList(KeyAccess& access, int db, std::string_view key) {
  Entry* e = access.Find(db, key, false);
  return e != nullptr && e->type() == ValueType::kList;
}

// Serves the clients parked on key, in arrival order, while the key holds a list.
void ServeKey(ServerContext& server, int db, const std::string& key) {
  BlockingRegistry& registry = *server.blocking;
  while (std::shared_ptr<BlockedClient> c = registry.Front(db, key)) {
    if (c->kind == BlockedClient::Kind::kFetch) {  // CACHE.FETCH waiting for a fill
      if (ServeFetchWaiter(server, c)) continue;
      return;
    }
    std::vector<std::string_view> keys{key};
    if (c->kind == BlockedClient::Kind::kMove) keys.push_back(c->dest);
    KeyAccess access(*server.engine, keys);
    if (!HoldsList(access, db, key)) return;
    if (!registry.Claim(c)) continue;  // ended meanwhile (timeout, disconnect, other key)
    std::string out;
    ReplyBuilder reply(&out);
    reply.set_protocol(c->protocol);
    {
      PropagationScope scope(&server.command_log, db, {});
      PopForBlocked(access, *c, key, reply);
    }
    if (auto handle = c->handle.lock()) handle->Unblock(std::move(out));
  }
}

}  // namespace

ListStatus PopForBlocked(KeyAccess& access, const BlockedClient& c, std::string_view key,
                         ReplyBuilder& reply) {
  std::string k(key);
  if (c.kind == BlockedClient::Kind::kPop) {
    PropagationScope::Rewrite({c.left ? "LPOP" : "RPOP", k});
    std::vector<std::string> out;
    OpPop(access, c.db, key, c.left, 1, &out);
    reply.ArrayHeader(2);
    reply.Bulk(key);
    reply.Bulk(out[0]);
    return ListStatus::kOk;
  }
  if (c.rpoplpush) {
    PropagationScope::Rewrite({"RPOPLPUSH", k, c.dest});
  } else {
    PropagationScope::Rewrite({"LMOVE", k, c.dest, Side(c.left), Side(c.dest_left)});
  }
  std::string moved;
  ListStatus status = OpMove(access, c.db, key, c.dest, c.left, c.dest_left, &moved);
  if (status == ListStatus::kWrongType) {
    reply.Error(errors::kWrongType);
  } else {
    reply.Bulk(moved);
  }
  return status;
}

void ReplyBlockTimeout(const BlockedClient& c, ReplyBuilder& reply) {
  if (c.kind == BlockedClient::Kind::kFetch) return ReplyFetchTimeout(reply);
  reply.NullArray();  // Redis 7.0 answers every list block's timeout so, BLMOVE included
}

void ServeBlockedClients(ServerContext& server) {
  if (server.blocking == nullptr) return;
  // Serving may make more keys ready (BLMOVE destinations): keep going until none are left.
  for (;;) {
    std::vector<ReadyKeys::Key> ready = ReadyKeys::TakeTouched();
    if (ready.empty()) return;
    for (const auto& [db, key] : ready) ServeKey(server, db, key);
  }
}

}  // namespace cachet
