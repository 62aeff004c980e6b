// The command table.
#include "commands/registry.h"

#include <cctype>

#include "commands/command_stats.h"
#include "commands/server_context.h"
#include "engine/engine.h"

namespace cachet {

Engine& CommandContext::engine() { return *server.engine; }

bool ArgIs(std::string_view arg, std::string_view lower_keyword) {
  if (arg.size() != lower_keyword.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (tolower(static_cast<unsigned char>(arg[i])) != lower_keyword[i]) return false;
  }
  return true;
}

CommandSpec MakeCommand(const char* group, const char* name, int arity, uint32_t flags,
                        int first_key, int last_key, int step, const char* acl, const char* summary,
                        const char* since, const char* complexity, CommandHandler handler) {
  CommandSpec s;
  s.group = group;
  s.name = name;
  s.arity = arity;
  s.flags = flags;
  s.first_key = first_key;
  s.last_key = last_key;
  s.step = step;
  s.acl = acl;
  s.summary = summary;
  s.since = since;
  s.complexity = complexity;
  s.handler = handler;
  return s;
}

CommandSpec MakeContainer(const char* group, const char* name, const char* summary,
                          const char* since, std::vector<CommandSpec> subcommands) {
  CommandSpec s;
  s.group = group;
  s.name = name;
  s.arity = -2;
  s.summary = summary;
  s.since = since;
  s.complexity = "Depends on subcommand.";
  s.subcommands = std::move(subcommands);
  for (CommandSpec& sub : s.subcommands) sub.group = group;
  return s;
}

CommandRegistry::CommandRegistry() {
  RegisterConnectionFamily(*this);
  RegisterStringFamily(*this);
  RegisterKeyFamily(*this);
  RegisterExpireFamily(*this);
  RegisterServerFamily(*this);
  RegisterClientFamily(*this);
  RegisterConfigFamily(*this);
  RegisterInfoFamily(*this);
  RegisterCommandFamily(*this);
  RegisterPersistenceFamily(*this);
  RegisterHashFamily(*this);
  RegisterListFamily(*this);
  RegisterListBlockingFamily(*this);
  RegisterSetFamily(*this);
  RegisterZSetFamily(*this);
  RegisterPubSubFamily(*this);
  RegisterTransactionFamily(*this);
  RegisterSessionFamily(*this);
  RegisterNamespaceFamily(*this);
  RegisterTagFamily(*this);
  RegisterInvalidateFamily(*this);
  RegisterWarmFamily(*this);
  RegisterCacheFamily(*this);
}

void CommandRegistry::AssignIds(CommandSpec& spec, const std::string& parent) {
  spec.full_name = parent.empty() ? spec.name : parent + "|" + spec.name;
  spec.id = static_cast<int>(by_id_.size());
  by_id_.push_back(&spec);
  for (CommandSpec& sub : spec.subcommands) AssignIds(sub, spec.name);
}

void CommandRegistry::Add(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  AssignIds(*owned, "");
  if (by_id_.size() > static_cast<size_t>(kMaxCommandIds)) abort();  // raise kMaxCommandIds
  std::string name = owned->name;
  commands_.emplace(std::move(name), std::move(owned));
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  char buf[32];
  if (name.size() > sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i)
    buf[i] = static_cast<char>(tolower(static_cast<unsigned char>(name[i])));
  auto it = commands_.find(std::string_view(buf, name.size()));
  return it == commands_.end() ? nullptr : it->second.get();
}

const CommandSpec* CommandRegistry::FindSub(const CommandSpec& parent, std::string_view name) {
  for (const CommandSpec& sub : parent.subcommands)
    if (ArgIs(name, sub.name)) return &sub;
  return nullptr;
}

std::vector<const CommandSpec*> CommandRegistry::All() const {
  std::vector<const CommandSpec*> out;
  for (const auto& [name, spec] : commands_) out.push_back(spec.get());
  return out;
}

}  // namespace cachet
