// Tests for option validation and the three option sources.
#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace cachet {

// A temporary config file, removed when the test ends.
class TempToml {
 public:
  TempToml() {
    int fd = mkstemp(path_);
    EXPECT_GE(fd, 0);
    close(fd);
  }
  ~TempToml() { unlink(path_); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  const char* path() const { return path_; }

 private:
  char path_[40] = "/tmp/cachet_config_testXXXXXX";
};

TEST(ConfigTest, DefaultsAndTypedSet) {
  Config c;
  EXPECT_EQ(c.GetInt("port"), 6379);
  EXPECT_EQ(c.GetString("bind"), "127.0.0.1");
  std::string err;
  EXPECT_TRUE(c.Set("maxmemory", "1gb", false, &err));
  EXPECT_EQ(c.GetString("maxmemory"), "1073741824");
  EXPECT_FALSE(c.Set("maxmemory", "lots", false, &err));
  EXPECT_EQ(err, "argument must be a memory value");
  EXPECT_FALSE(c.Set("port", "1", false, &err));
  EXPECT_EQ(err, "can't set immutable config");
  EXPECT_FALSE(c.Set("timeout", "-1", false, &err));
  EXPECT_FALSE(c.Set("maxmemory-policy", "most-lru", false, &err));
  EXPECT_TRUE(c.Set("MAXMEMORY-POLICY", "AllKeys-LRU", false, &err));
  EXPECT_EQ(c.GetString("maxmemory-policy"), "allkeys-lru");
  EXPECT_FALSE(c.Set("nope", "1", false, &err));
  EXPECT_TRUE(c.Set("save", "3600 1", true, &err));
  EXPECT_FALSE(c.Set("save", "3600", true, &err));
  EXPECT_FALSE(c.Set("save", "0 1", true, &err));
  EXPECT_TRUE(c.Set("save", "", true, &err));
  EXPECT_FALSE(c.Set("appendfsync", "sometimes", false, &err));
}

TEST(ConfigTest, ListenersRunOnRuntimeChanges) {
  Config c;
  std::string seen;
  c.OnChange("maxmemory", [&](const std::string& v) { seen = v; });
  std::string err;
  ASSERT_TRUE(c.Set("maxmemory", "10mb", false, &err));
  EXPECT_EQ(seen, "10485760");
}

TEST(ConfigTest, AliasesNameTheSameOption) {
  Config c;
  std::string seen, err;
  c.OnChange("hash-max-listpack-entries", [&](const std::string& v) { seen = v; });
  ASSERT_TRUE(c.Set("HASH-MAX-ZIPLIST-ENTRIES", "7", false, &err));
  EXPECT_EQ(seen, "7");
  EXPECT_EQ(c.GetInt("hash-max-listpack-entries"), 7);
  EXPECT_TRUE(c.Has("zset-max-ziplist-value"));
  auto m = c.Match("hash-max-*-entries");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], (std::pair<std::string, std::string>("hash-max-listpack-entries", "7")));
  EXPECT_EQ(m[1], (std::pair<std::string, std::string>("hash-max-ziplist-entries", "7")));
}

TEST(ConfigTest, MatchIsGlobAndSorted) {
  Config c;
  auto m = c.Match("maxmemory*");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].first, "maxmemory");
  EXPECT_EQ(m[1].first, "maxmemory-policy");
}

TEST(ConfigTest, ArgsEnvironmentAndToml) {
  TempToml toml;
  const char* path = toml.path();
  toml.Write(
      "[server]\nport = 7000\nthreads = 2\n[memory]\nmaxmemory = \"2mb\"\n"
      "maxmemory_policy = \"allkeys-lfu\"\n");
  setenv("CACHET_TIMEOUT", "30", 1);
  Config c;
  std::string file, err;
  ASSERT_TRUE(c.ParseArgs({path, "--port", "7001", "--save", ""}, &file, &err)) << err;
  unsetenv("CACHET_TIMEOUT");
  EXPECT_EQ(file, path);
  EXPECT_EQ(c.GetInt("port"), 7001);  // flags win over the file
  EXPECT_EQ(c.GetInt("threads"), 2);
  EXPECT_EQ(c.GetInt("maxmemory"), 2 * 1024 * 1024);
  EXPECT_EQ(c.GetString("maxmemory-policy"), "allkeys-lfu");
  EXPECT_EQ(c.GetInt("timeout"), 30);
}

TEST(ConfigTest, SessionsTableTakesOptionsWithoutPrefix) {
  TempToml toml;
  const char* path = toml.path();
  toml.Write(
      "[sessions]\nidle-timeout = 7200\nmax_per_user = 5\nlimit-policy = \"refuse\"\n"
      "bind = \"ip\"\n");
  Config c;
  std::string file, err;
  ASSERT_TRUE(c.ParseArgs({path}, &file, &err)) << err;
  EXPECT_EQ(c.GetInt("session-idle-timeout"), 7200);
  EXPECT_EQ(c.GetInt("session-max-per-user"), 5);
  EXPECT_EQ(c.GetString("session-limit-policy"), "refuse");
  EXPECT_EQ(c.GetString("session-bind"), "ip");
  EXPECT_EQ(c.GetString("bind"), "127.0.0.1");  // [sessions] bind is not the listen address
  toml.Write("[sessions]\nlimit-policy = \"sometimes\"\n");
  Config d;
  EXPECT_FALSE(d.ParseArgs({path}, &file, &err));
  EXPECT_NE(err.find("limit-policy"), std::string::npos) << err;
}

TEST(ConfigTest, NamespaceTablesAreKept) {
  TempToml toml;
  const char* path = toml.path();
  toml.Write(
      "port = 7000\n[[namespace]]\nname = \"user\"\nprefix = \"user:\"\nttl = 300\n"
      "[[namespace]]\nname = \"page\"\nprefix = \"page:\"\nbeta = 1.5\n");
  Config c;
  std::string file, err;
  ASSERT_TRUE(c.ParseArgs({path}, &file, &err)) << err;
  auto tables = c.namespace_tables();
  ASSERT_EQ(tables.size(), 2u);
  auto field = [&](size_t i, const std::string& name) {
    for (const auto& [k, v] : tables[i])
      if (k == name) return v;
    return std::string("<absent>");
  };
  EXPECT_EQ(field(0, "name"), "user");
  EXPECT_EQ(field(0, "ttl"), "300");
  EXPECT_EQ(field(1, "prefix"), "page:");
  EXPECT_EQ(field(1, "beta").substr(0, 3), "1.5");
  toml.Write("[[namespace]]\nname = { a = 1 }\n");
  Config d;
  EXPECT_FALSE(d.ParseArgs({path}, &file, &err));
  EXPECT_NE(err.find("[[namespace]]"), std::string::npos) << err;
}

TEST(ConfigTest, BadInputIsAClearError) {
  Config c;
  std::string file, err;
  EXPECT_FALSE(c.ParseArgs({"--port", "99999"}, &file, &err));
  EXPECT_NE(err.find("--port"), std::string::npos);
  EXPECT_FALSE(c.ParseArgs({"--bogus", "1"}, &file, &err));
  EXPECT_EQ(err, "unknown option --bogus");
  EXPECT_FALSE(c.ParseArgs({"--port"}, &file, &err));
  EXPECT_FALSE(c.ParseArgs({"/nonexistent/cachet.toml"}, &file, &err));
  EXPECT_NE(err.find("/nonexistent/cachet.toml"), std::string::npos);
  char path[] = "/tmp/cachet_config_badXXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "port = [\n", 9), 9);
  close(fd);
  Config d;
  EXPECT_FALSE(d.ParseArgs({path}, &file, &err));
  EXPECT_NE(err.find("line"), std::string::npos);
  unlink(path);
}

TEST(ConfigTest, OutputBufferLimit) {
  OutputBufferLimit l;
  EXPECT_TRUE(ParseOutputBufferLimit("normal 1mb 512kb 10 pubsub 32mb 8mb 60", &l));
  EXPECT_EQ(l.hard, 1024 * 1024);
  EXPECT_EQ(l.soft, 512 * 1024);
  EXPECT_EQ(l.soft_seconds, 10);
  EXPECT_FALSE(ParseOutputBufferLimit("normal 1mb", &l));
  EXPECT_FALSE(ParseOutputBufferLimit("weird 1 1 1", &l));
}

}  // namespace cachet
