// OpFetch: hit, early refresh, miss with a lease, stale value, or wait.
#include "commands/cache_fetch.h"

#include "base/hash.h"
#include "commands/errors.h"
#include "core/lease_table.h"
#include "core/string_value.h"

namespace cachet {
namespace {

const char* StatusName(FetchStatus s) {
  switch (s) {
    case FetchStatus::kHit:
      return "HIT";
    case FetchStatus::kMiss:
      return "MISS";
    case FetchStatus::kStale:
      return "STALE";
    case FetchStatus::kRefresh:
      return "REFRESH";
    case FetchStatus::kLocked:
      return "LOCKED";
    default:
      return "TIMEOUT";
  }
}

// A uniform double in (0, 1] from the shard's generator.
double Uniform(Shard& shard) {
  return static_cast<double>((shard.NextRandom() >> 11) + 1) * 0x1.0p-53;
}

}  // namespace

FetchOutcome OpFetch(KeyAccess& access, int db, std::string_view key, const FetchParams& p) {
  Engine& engine = access.engine();
  LeaseManager& leases = engine.leases();
  Shard& shard = engine.shard(Engine::ShardIndex(HashKey(key)));
  const int64_t now = access.now();
  FetchOutcome out;
  auto finish = [&](FetchStatus status) {
    if (p.claim && !p.claim()) {
      out.status = FetchStatus::kAbandoned;
      return false;
    }
    out.status = status;
    return true;
  };
  auto grant = [&] { out.token = leases.Grant(shard, db, key, p.client, now, p.lease_ms); };

  if (Entry* e = access.FindRead(db, key)) {
    if (e->type() != ValueType::kString) {
      finish(FetchStatus::kWrongType);
      return out;
    }
    out.value = StringValue(e);
    out.has_value = true;
    const NamespaceSpec* ns = shard.ns.index ? shard.ns.index->Match(key) : nullptr;
    if (ns != nullptr && ns->beta > 0 && e->has_expire() && !shard.leases.empty()) {
      const Lease* lease = leases.Current(shard, db, key, now);
      if (lease != nullptr && lease->holder == p.client) {  // the refresher asks again
        if (finish(FetchStatus::kRefresh)) out.token = lease->token;
        return out;
      }
      int64_t delta = leases.Delta(shard, db, key);
      if (lease == nullptr && delta > 0 &&
          XFetchShouldRefresh(now, access.DeadlineOf(db, e), delta, ns->beta, Uniform(shard))) {
        if (finish(FetchStatus::kRefresh)) {
          grant();
          leases.Count(LeaseManager::kEarlyRefreshes);
        }
        return out;
      }
    }
    finish(FetchStatus::kHit);
    return out;
  }

  const Lease* lease = shard.leases.empty() ? nullptr : leases.Current(shard, db, key, now);
  const bool mine = lease != nullptr && lease->holder == p.client;
  if (const Entry* stale = shard.leases.empty() ? nullptr : leases.StaleCopy(shard, db, key, now)) {
    out.value = StringValue(stale);
    out.has_value = true;
    if (!finish(FetchStatus::kStale)) return out;
    leases.Count(LeaseManager::kStaleServed);
    if (lease == nullptr) {
      grant();
    } else if (mine) {
      out.token = lease->token;
    }
    return out;
  }
  if (lease == nullptr) {
    if (finish(FetchStatus::kMiss)) grant();
    return out;
  }
  if (mine) {
    if (finish(FetchStatus::kMiss)) out.token = lease->token;
    return out;
  }
  if (p.may_wait) {
    out.status = FetchStatus::kWait;
    out.lease_expires_ms = lease->expires_ms;
    return out;
  }
  if (finish(FetchStatus::kLocked)) leases.Count(LeaseManager::kLocked);
  return out;
}

void ReplyFetch(ReplyBuilder& reply, const FetchOutcome& outcome) {
  if (outcome.status == FetchStatus::kWrongType) {
    reply.Error(errors::kWrongType);
    return;
  }
  reply.ArrayHeader(3);
  reply.SimpleString(StatusName(outcome.status));
  if (outcome.has_value) {
    reply.Bulk(outcome.value);
  } else {
    reply.Null();
  }
  if (outcome.token.empty()) {
    reply.Null();
  } else {
    reply.Bulk(outcome.token);
  }
}

}  // namespace cachet
