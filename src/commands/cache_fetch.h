// The decision at the heart of CACHE.FETCH (docs/leases.md), shared by the command and by the
// service that finishes parked fetches: under the key's lock, a hit (or an XFetch early
// refresh), a miss that grants a lease, a stale value, a lock held by someone else, or "wait".
//
// Thread-safety: OpFetch runs under the KeyAccess of the key, on any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/key_access.h"
#include "resp/reply_builder.h"

namespace cachet {

enum class FetchStatus {
  kHit,        // value
  kMiss,       // token: load and CACHE.FILL
  kStale,      // stale value, and a token for the one caller that got the lease
  kRefresh,    // value still fresh, token: XFetch picked this caller to recompute early
  kLocked,     // another client holds the lease and this call may not wait
  kTimeout,    // waited and no fill came
  kWrongType,  // the key holds another type
  kWait,       // another client holds the lease: park until it ends (lease_expires_ms)
  kAbandoned,  // the parked call ended meanwhile (claim returned false): nothing was done
};

struct FetchParams {
  uint64_t client = 0;
  int64_t lease_ms = 0;
  bool may_wait = false;
  // Called once before any outcome but kWait takes effect (before a lease is granted); false
  // abandons. Parked fetches claim their wait here, so a wait ends exactly once.
  std::function<bool()> claim;
};

struct FetchOutcome {
  FetchStatus status = FetchStatus::kHit;
  std::string_view value;  // valid while the KeyAccess is held
  bool has_value = false;
  std::string token;
  int64_t lease_expires_ms = 0;  // kWait: when the lease in the way runs out (engine clock)
};

FetchOutcome OpFetch(KeyAccess& access, int db, std::string_view key, const FetchParams& p);

// [status, value or nil, token or nil]; kWrongType as the WRONGTYPE error.
void ReplyFetch(ReplyBuilder& reply, const FetchOutcome& outcome);

}  // namespace cachet
