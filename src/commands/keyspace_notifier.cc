// Keyspace and keyevent channel names.
#include "commands/keyspace_notifier.h"

#include <string>

namespace cachet {

void KeyspacePublisher::Publish(uint32_t flags, std::string_view event, int db,
                                std::string_view key) {
  if (!registry_->has_subscribers()) return;
  std::string prefix = "__key";
  std::string suffix = "@" + std::to_string(db) + "__:";
  if (flags & kNotifyKeyspace) {
    std::string channel = prefix + "space" + suffix;
    channel.append(key);
    registry_->Publish(channel, event);
  }
  if (flags & kNotifyKeyevent) {
    std::string channel = prefix + "event" + suffix;
    channel.append(event);
    registry_->Publish(channel, key);
  }
}

}  // namespace cachet
