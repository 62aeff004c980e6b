// BindSessionOptions: keeps the session store's defaults and limits (session-idle-timeout,
// session-max-lifetime, session-max-per-user, session-limit-policy, session-bind,
// session-max-data-size) equal to the server options, at start and after every CONFIG SET.
//
// Thread-safety: the store's setters are atomic; listeners run on the CONFIG SET thread.
#pragma once

namespace cachet {

class Config;
class SessionStore;

void BindSessionOptions(Config* config, SessionStore* store);

}  // namespace cachet
