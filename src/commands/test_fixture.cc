// In-process command runner for tests.
#include "commands/test_fixture.h"

#include <string_view>

#include "commands/dispatcher.h"
#include "commands/encoding_config.h"
#include "commands/session_config.h"

namespace cachet {
namespace {

class FixtureClient : public ClientHandle {
 public:
  FixtureClient() {
    info_.id = 1;
    info_.addr = "127.0.0.1:1";
    info_.laddr = "127.0.0.1:6379";
  }
  ClientInfo& info() override { return info_; }
  void RequestClose() override {}
  void Deliver(std::string) override {}

 private:
  ClientInfo info_;
};

}  // namespace

void RecordingLog::Append(int db, std::span<const std::string_view> args) {
  std::string line;
  for (std::string_view a : args) line += (line.empty() ? "" : " ") + std::string(a);
  records.push_back(line);
}

CommandFixture::CommandFixture() {
  EngineOptions options;
  options.clock = &clock_;
  engine_ = std::make_unique<Engine>(options);
  server_.engine = engine_.get();
  server_.config = &config_;
  server_.clients = &clients_;
  server_.slowlog = &slowlog_;
  server_.commands = &registry_;
  server_.pubsub = &pubsub_;
  blocking_ = std::make_unique<BlockingRegistry>(&engine_->ready_keys());
  server_.blocking = blocking_.get();
  server_.invalidations = &invalidations_;
  server_.rules = &rules_;
  engine_->events().set_notifier(&keyspace_publisher_);
  config_.OnChange("notify-keyspace-events", [this](const std::string& v) {
    uint32_t flags = 0;
    if (ParseKeyspaceEventFlags(v, &flags)) engine_->events().set_flags(flags);
  });
  BindEncodingLimits(&config_, &server_.encoding_limits);
  BindSessionOptions(&config_, &engine_->sessions());
  server_.start_time_ms = clock_.NowMs();
  handle_ = std::make_shared<FixtureClient>();
  clients_.Add(handle_);
  client_.id = 1;
  client_.info = &handle_->info();
  config_.OnChange("maxmemory", [this](const std::string& v) {
    engine_->set_maxmemory(config_.GetInt("maxmemory"));
  });
  config_.OnChange("maxmemory-policy", [this](const std::string& v) {
    EvictionPolicy p;
    if (ParseEvictionPolicy(v, &p)) engine_->set_policy(p);
  });
  config_.OnChange("requirepass",
                   [this](const std::string& v) { server_.requirepass_set.store(!v.empty()); });
}

CommandFixture::~CommandFixture() = default;

std::string CommandFixture::Run(std::vector<std::string> args) {
  std::string out;
  ReplyBuilder reply(&out);
  reply.set_protocol(protocol_);
  std::vector<std::string_view> views(args.begin(), args.end());
  Dispatch(server_, client_, reply, views);
  protocol_ = reply.protocol();
  client_.info->resp.store(protocol_);
  return out;
}

}  // namespace cachet
