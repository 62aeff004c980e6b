// CommandRegistry: the command table. Families add their CommandSpec rows at start-up; the
// dispatcher looks commands up case-insensitively. Thread-safety: built once before serving,
// read-only afterwards.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"

namespace cachet {

class CommandRegistry {
 public:
  CommandRegistry();  // registers every built-in family

  void Add(CommandSpec spec);
  // nullptr when unknown. name is matched case-insensitively.
  const CommandSpec* Find(std::string_view name) const;
  // Subcommand of a container command, case-insensitively; nullptr when unknown.
  static const CommandSpec* FindSub(const CommandSpec& parent, std::string_view name);
  // All commands sorted by name.
  std::vector<const CommandSpec*> All() const;
  // Every spec including subcommands, indexed by id (for commandstats).
  const std::vector<const CommandSpec*>& ById() const { return by_id_; }

 private:
  void AssignIds(CommandSpec& spec, const std::string& parent);

  std::map<std::string, std::unique_ptr<CommandSpec>, std::less<>> commands_;
  std::vector<const CommandSpec*> by_id_;
};

// One row of a family's registration table.
CommandSpec MakeCommand(const char* group, const char* name, int arity, uint32_t flags,
                        int first_key, int last_key, int step, const char* acl, const char* summary,
                        const char* since, const char* complexity, CommandHandler handler);
// A container command (CLIENT, CONFIG, ...) whose rows are its subcommands.
CommandSpec MakeContainer(const char* group, const char* name, const char* summary,
                          const char* since, std::vector<CommandSpec> subcommands);

// Each family file registers its rows through one of these.
void RegisterConnectionFamily(CommandRegistry& r);
void RegisterStringFamily(CommandRegistry& r);
void RegisterKeyFamily(CommandRegistry& r);
void RegisterExpireFamily(CommandRegistry& r);
void RegisterServerFamily(CommandRegistry& r);
void RegisterClientFamily(CommandRegistry& r);
void RegisterConfigFamily(CommandRegistry& r);
void RegisterInfoFamily(CommandRegistry& r);
void RegisterCommandFamily(CommandRegistry& r);
void RegisterPersistenceFamily(CommandRegistry& r);
void RegisterHashFamily(CommandRegistry& r);
void RegisterListFamily(CommandRegistry& r);
void RegisterListBlockingFamily(CommandRegistry& r);
void RegisterSetFamily(CommandRegistry& r);
// SUNION SINTER SDIFF and their STORE forms, SINTERCARD (set_algebra.cc); RegisterSetFamily
// calls it.
void RegisterSetAlgebraCommands(CommandRegistry& r);
void RegisterZSetFamily(CommandRegistry& r);
void RegisterPubSubFamily(CommandRegistry& r);
void RegisterTransactionFamily(CommandRegistry& r);
void RegisterSessionFamily(CommandRegistry& r);
void RegisterNamespaceFamily(CommandRegistry& r);
void RegisterTagFamily(CommandRegistry& r);
void RegisterInvalidateFamily(CommandRegistry& r);
void RegisterWarmFamily(CommandRegistry& r);
void RegisterCacheFamily(CommandRegistry& r);  // CACHE.FETCH / CACHE.FILL (cache_family.cc)

}  // namespace cachet
