// A client's MULTI/EXEC state: the commands queued since MULTI, whether one of them was
// rejected (EXEC then aborts), and the keys it WATCHes. Lives in ClientState; the commands in
// transaction_family.cc and the dispatcher's queueing work on it.
//
// Thread-safety: touched only by the client's loop thread, except `watch`, whose dirty flag
// other threads set through the engine's WatchRegistry.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/watch_registry.h"

namespace cachet {

struct CommandSpec;

struct QueuedCommand {
  const CommandSpec* spec = nullptr;  // the command (or subcommand) to run
  std::vector<std::string> args;
};

struct TransactionState {
  bool active = false;   // between MULTI and EXEC/DISCARD (Redis's CLIENT_MULTI)
  bool aborted = false;  // a command was rejected while queueing (CLIENT_DIRTY_EXEC)
  std::vector<QueuedCommand> queued;
  uint32_t queued_flags = 0;  // union of the queued commands' flags
  // WATCH: created on the first WATCH and kept for the connection's life (CLIENT LIST reads
  // its dirty flag through ClientInfo).
  std::shared_ptr<WatchState> watch;
  std::vector<WatchRegistry::KeyRef> watched;
};

}  // namespace cachet
