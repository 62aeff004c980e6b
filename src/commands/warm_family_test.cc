// WARM LOAD / STATUS / CANCEL / SAVE and WARM.RESTORE through the command fixture: every value
// type round-trips, errors, path rules, the logged form and namespace default TTLs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <string>

#include "commands/errors.h"
#include "commands/test_fixture.h"
#include "commands/warm_service.h"
#include "engine/key_access.h"
#include "persist/snapshot_records.h"

namespace cachet {
namespace {

// A command fixture with a warm service attached.
struct WarmFixture {
  explicit WarmFixture(bool allow_outside_dir = true) {
    std::string error;
    f.config().Set("warm-allow-outside-dir", allow_outside_dir ? "yes" : "no", true, &error);
    f.server().warm = &warm;
  }
  std::string Run(std::vector<std::string> args) { return f.Run(std::move(args)); }
  CommandFixture f;
  WarmService warm{&f.server(), nullptr};
};

class WarmFamilyTest : public ::testing::Test {
 protected:
  WarmFamilyTest() : path_("/tmp/cachet_warm_cmd_" + std::to_string(getpid()) + ".cwf") {}
  ~WarmFamilyTest() override { unlink(path_.c_str()); }
  std::string path_;
};

std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const std::string& s : items) out += CommandFixture::Bulk(s);
  return out;
}

TEST_F(WarmFamilyTest, EveryTypeRoundTripsWithItsDeadline) {
  WarmFixture a;
  ASSERT_EQ(a.Run({"set", "s", "hello"}), CommandFixture::kOk);
  ASSERT_EQ(a.Run({"set", "n", "42", "px", "90000"}), CommandFixture::kOk);
  ASSERT_EQ(a.Run({"rpush", "l", "a", "b", "c"}), CommandFixture::Int(3));
  ASSERT_EQ(a.Run({"sadd", "st", "x"}), CommandFixture::Int(1));
  ASSERT_EQ(a.Run({"zadd", "z", "1", "m1", "2.5", "m2"}), CommandFixture::Int(2));
  ASSERT_EQ(a.Run({"hset", "h", "f", "v"}), CommandFixture::Int(1));
  ASSERT_EQ(a.Run({"select", "2"}), CommandFixture::kOk);
  ASSERT_EQ(a.Run({"set", "other-db", "2"}), CommandFixture::kOk);
  EXPECT_EQ(a.Run({"warm", "save", path_}), CommandFixture::Int(7));

  WarmFixture b;
  EXPECT_EQ(b.Run({"warm", "load", path_}), CommandFixture::kOk);
  b.warm.Wait();
  EXPECT_EQ(b.Run({"get", "s"}), CommandFixture::Bulk("hello"));
  EXPECT_EQ(b.Run({"pttl", "n"}), CommandFixture::Int(90000));
  EXPECT_EQ(b.Run({"object", "encoding", "n"}), CommandFixture::Bulk("int"));
  EXPECT_EQ(b.Run({"lrange", "l", "0", "-1"}), Arr({"a", "b", "c"}));
  EXPECT_EQ(b.Run({"smembers", "st"}), Arr({"x"}));
  EXPECT_EQ(b.Run({"zrange", "z", "0", "-1", "withscores"}), Arr({"m1", "1", "m2", "2.5"}));
  EXPECT_EQ(b.Run({"hgetall", "h"}), Arr({"f", "v"}));
  EXPECT_EQ(b.Run({"select", "2"}), CommandFixture::kOk);
  EXPECT_EQ(b.Run({"get", "other-db"}), CommandFixture::Bulk("2"));
  WarmProgress p = b.warm.Progress();
  EXPECT_EQ(p.state, WarmState::kDone);
  EXPECT_EQ(p.total, 7u);
  EXPECT_EQ(p.loaded, 7u);
  std::string info = b.Run({"info", "warming"});
  EXPECT_NE(info.find("warm_state:done"), std::string::npos) << info;
  EXPECT_NE(info.find("warm_loaded:7"), std::string::npos) << info;
  EXPECT_NE(a.Run({"info"}).find("warm_last_save_keys:7"), std::string::npos);
}

TEST_F(WarmFamilyTest, ExistingKeysStayUnlessReplace) {
  WarmFixture a;
  a.Run({"set", "k", "from-file"});
  a.Run({"set", "j", "from-file"});
  ASSERT_EQ(a.Run({"warm", "save", path_}), CommandFixture::Int(2));
  WarmFixture b;
  b.Run({"set", "k", "mine"});
  ASSERT_EQ(b.Run({"warm", "load", path_, "batch", "1"}), CommandFixture::kOk);
  b.warm.Wait();
  EXPECT_EQ(b.Run({"get", "k"}), CommandFixture::Bulk("mine"));
  EXPECT_EQ(b.Run({"get", "j"}), CommandFixture::Bulk("from-file"));
  std::string status = b.Run({"warm", "status"});
  EXPECT_NE(status.find("$16\r\nskipped_existing\r\n:1\r\n"), std::string::npos) << status;
  EXPECT_NE(status.find("$5\r\nstate\r\n$4\r\ndone\r\n"), std::string::npos) << status;
  ASSERT_EQ(b.Run({"warm", "load", path_, "REPLACE", "PAUSE", "0"}), CommandFixture::kOk);
  b.warm.Wait();
  EXPECT_EQ(b.Run({"get", "k"}), CommandFixture::Bulk("from-file"));
}

TEST_F(WarmFamilyTest, ClearErrors) {
  WarmFixture w;
  std::string missing = w.Run({"warm", "load", "/nonexistent/x.cwf"});
  EXPECT_EQ(missing.rfind(std::string("-") + errors::kWarmCannotOpen, 0), 0u) << missing;
  {
    std::ofstream out(path_);
    out << "garbage garbage garbage";
  }
  std::string garbage = w.Run({"warm", "load", path_});
  EXPECT_EQ(garbage.rfind(std::string("-") + errors::kWarmNotWarmFile, 0), 0u) << garbage;
  EXPECT_EQ(w.Run({"warm", "load", "default"}), CommandFixture::Err(errors::kWarmNoDefaultFile));
  EXPECT_EQ(w.Run({"warm", "load", path_, "batch", "0"}),
            CommandFixture::Err(errors::kWarmBadBatch));
  EXPECT_EQ(w.Run({"warm", "load", path_, "batch", "x"}), CommandFixture::Err(errors::kNotInteger));
  EXPECT_EQ(w.Run({"warm", "load", path_, "pause", "-1"}),
            CommandFixture::Err(errors::kWarmBadPause));
  EXPECT_EQ(w.Run({"warm", "load", path_, "nosuch"}), CommandFixture::Err(errors::kSyntax));
  EXPECT_EQ(w.Run({"warm", "load", path_, "batch"}), CommandFixture::Err(errors::kSyntax));
  EXPECT_EQ(w.Run({"warm", "save", "a", "b"}), CommandFixture::Err(errors::kSyntax));
  EXPECT_EQ(w.Run({"warm", "cancel"}), CommandFixture::Int(0));
  std::string unwritable = w.Run({"warm", "save", "/nonexistent/dir/x.cwf"});
  EXPECT_EQ(unwritable.rfind(std::string("-") + errors::kWarmSaveFailed, 0), 0u) << unwritable;
  EXPECT_EQ(w.Run({"warm", "save", "dump.cachet"}), CommandFixture::Err(errors::kWarmIsSnapshot));
  EXPECT_EQ(w.Run({"warm", "save", "././dump.cachet"}),
            CommandFixture::Err(errors::kWarmIsSnapshot));
  EXPECT_EQ(w.warm.Progress().state, WarmState::kIdle);
}

TEST_F(WarmFamilyTest, PathsStayInsideDirUnlessAllowed) {
  WarmFixture w(/*allow_outside_dir=*/false);
  for (const char* p : {"../x.cwf", "a/../../x.cwf", "..", "/tmp/x.cwf", "sub/.."}) {
    EXPECT_EQ(w.Run({"warm", "load", p}), CommandFixture::Err(errors::kWarmPathRefused)) << p;
    EXPECT_EQ(w.Run({"warm", "save", p}), CommandFixture::Err(errors::kWarmPathRefused)) << p;
  }
  std::string error;
  ASSERT_TRUE(w.f.config().Set("warm-file", "../up.cwf", false, &error));
  EXPECT_EQ(w.Run({"warm", "save"}), CommandFixture::Err(errors::kWarmPathRefused));
  // A relative name inside dir (the working directory) is fine; "..x" is just a name.
  std::string ok = w.Run({"warm", "load", "..x-does-not-exist.cwf"});
  EXPECT_EQ(ok.rfind(std::string("-") + errors::kWarmCannotOpen, 0), 0u) << ok;
}

TEST_F(WarmFamilyTest, LoadedKeysAreLoggedAndGetNamespaceDefaultsOnlyWithoutATtl) {
  WarmFixture a;
  a.Run({"set", "user:1", "ada"});
  a.Run({"set", "user:2", "bob", "px", "5000"});
  ASSERT_EQ(a.Run({"warm", "save", path_}), CommandFixture::Int(2));
  WarmFixture b;
  RecordingLog log;
  b.f.server().command_log.store(&log);
  b.f.engine().set_command_log(&log);
  ASSERT_EQ(b.Run({"namespace.set", "user", "prefix", "user:", "ttl", "300"}), CommandFixture::kOk);
  ASSERT_EQ(b.Run({"warm", "load", path_}), CommandFixture::kOk);
  b.warm.Wait();
  EXPECT_EQ(b.Run({"pttl", "user:1"}), CommandFixture::Int(300000));
  EXPECT_EQ(b.Run({"pttl", "user:2"}), CommandFixture::Int(5000));
  int restores = 0, pexpireats = 0;
  for (const std::string& r : log.records) {
    if (r.rfind("WARM.RESTORE user:", 0) == 0) ++restores;
    if (r.rfind("PEXPIREAT user:1 ", 0) == 0) ++pexpireats;
  }
  EXPECT_EQ(restores, 2);
  EXPECT_EQ(pexpireats, 1);
  b.f.server().command_log.store(nullptr);
  b.f.engine().set_command_log(nullptr);
}

TEST_F(WarmFamilyTest, RestoreStoresARecordAndRefusesBadOnes) {
  WarmFixture a;
  a.Run({"rpush", "l", "x", "y"});
  std::string payload;
  uint8_t type;
  {
    KeyAccess access(a.f.engine(), "l");
    type = EncodeKeyRecord(access.Find(0, "l", false), -1, &payload);
  }
  std::string record = std::string(1, static_cast<char>(type)) + payload;
  WarmFixture b;
  b.Run({"set", "l", "string first"});
  EXPECT_EQ(b.Run({"warm.restore", "l", record}), CommandFixture::Int(1));  // replaces
  EXPECT_EQ(b.Run({"lrange", "l", "0", "-1"}), Arr({"x", "y"}));
  EXPECT_EQ(b.Run({"warm.restore", "other", record}), CommandFixture::Err(errors::kWarmBadRecord));
  EXPECT_EQ(b.Run({"warm.restore", "l", ""}), CommandFixture::Err(errors::kWarmBadRecord));
  EXPECT_EQ(b.Run({"warm.restore", "l", record.substr(0, record.size() - 1)}),
            CommandFixture::Err(errors::kWarmBadRecord));
  EXPECT_EQ(b.Run({"warm.restore", "l", "\x01garbage"}),
            CommandFixture::Err(errors::kWarmBadRecord));
}

// Mutated records of every type and encoding (a small fuzz run in every test build; the
// sanitizer build checks the memory accesses) are stored or refused, never crash.
TEST_F(WarmFamilyTest, RestoreSurvivesMutatedRecords) {
  WarmFixture a;
  a.Run({"rpush", "list", "a", "bb", "123"});
  a.Run({"sadd", "intset", "1", "2", "300000"});
  a.Run({"sadd", "set", "x", "yy"});
  a.Run({"zadd", "zset", "1.5", "m", "-2", "n"});
  a.Run({"hset", "hash", "f", "v", "g", "w"});
  a.Run({"set", "str", "value", "px", "100000"});
  for (int i = 0; i < 200; ++i) {
    std::string n = std::to_string(i);
    a.Run({"rpush", "biglist", std::string(i % 70, 'q') + n});
    a.Run({"sadd", "bigset", "m" + n});
    a.Run({"zadd", "bigzset", n, std::string(i % 80, 'z') + n});
    a.Run({"hset", "bighash", "f" + n, std::string(i % 90, 'h')});
  }
  std::vector<std::string> records;
  for (const char* key : {"list", "intset", "set", "zset", "hash", "str", "biglist", "bigset",
                          "bigzset", "bighash"}) {
    KeyAccess access(a.f.engine(), key);
    const Entry* e = access.Find(0, key, false);
    ASSERT_NE(e, nullptr) << key;
    std::string payload;
    uint8_t type = EncodeKeyRecord(e, access.DeadlineOf(0, e), &payload);
    records.push_back(std::string(1, static_cast<char>(type)) + payload);
  }
  WarmFixture b;
  EncodingLimits limits;
  std::mt19937_64 rng(7);
  int stored = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string r = records[rng() % records.size()];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits && !r.empty(); ++k) {
      size_t at = rng() % r.size();
      switch (rng() % 4) {
        case 0:
          r.resize(at);
          break;
        case 1:
          r[at] = static_cast<char>(rng());
          break;
        case 2:
          r.insert(at, 1, static_cast<char>(rng()));
          break;
        default:
          r.erase(at, 1);
      }
    }
    if (r.empty()) continue;
    WarmApplyResult result = ApplyKeyRecord(b.f.engine(), 0, static_cast<uint8_t>(r[0]),
                                            std::string_view(r).substr(1), true, limits);
    if (result == WarmApplyResult::kLoaded) ++stored;
  }
  EXPECT_GT(stored, 0);  // some mutations (e.g. in a value's bytes) are still valid records
  EXPECT_EQ(b.Run({"ping"}), "+PONG\r\n");
}

TEST_F(WarmFamilyTest, HelpAndUnavailable) {
  WarmFixture w;
  EXPECT_NE(w.Run({"warm", "help"}).find("LOAD <path>|DEFAULT"), std::string::npos);
  CommandFixture bare;
  EXPECT_EQ(bare.Run({"warm", "status"}), CommandFixture::Err(errors::kWarmUnavailable));
}

}  // namespace
}  // namespace cachet
