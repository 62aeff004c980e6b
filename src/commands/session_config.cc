// Session options -> SessionStore.
#include "commands/session_config.h"

#include "config/config.h"
#include "engine/session_store.h"

namespace cachet {
namespace {

void Apply(const Config& config, SessionStore* store) {
  store->set_idle_ms(config.GetInt("session-idle-timeout") * 1000);
  store->set_max_lifetime_ms(config.GetInt("session-max-lifetime") * 1000);
  store->set_max_per_user(config.GetInt("session-max-per-user"));
  store->set_refuse_over_limit(config.GetString("session-limit-policy") == "refuse");
  uint8_t bind = kBindNone;
  ParseSessionBind(config.GetString("session-bind"), &bind);
  store->set_default_bind(bind);
  store->set_max_data_bytes(config.GetInt("session-max-data-size"));
}

}  // namespace

void BindSessionOptions(Config* config, SessionStore* store) {
  Apply(*config, store);
  for (const char* name : {"session-idle-timeout", "session-max-lifetime", "session-max-per-user",
                           "session-limit-policy", "session-bind", "session-max-data-size"}) {
    config->OnChange(name, [config, store](const std::string&) { Apply(*config, store); });
  }
}

}  // namespace cachet
