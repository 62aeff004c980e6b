// ShardLeases: what one shard holds for CACHE.FETCH / CACHE.FILL (docs/leases.md): its leases
// and recompute times (LeaseTable) and its stale copies (StaleStore). Kept beside the keys so
// that writes, deletions, expiry, eviction and flushes update it in the same locked step.
//
// Thread-safety: guarded by the owning shard's mutex.
#pragma once

#include "core/lease_table.h"
#include "core/stale_store.h"

namespace cachet {

struct ShardLeases {
  LeaseTable table;
  StaleStore stale;
  // Set while an expired key is being removed: the removal is not a write, so it voids nothing.
  bool expiring = false;

  bool empty() const { return table.empty() && stale.empty(); }
};

}  // namespace cachet
