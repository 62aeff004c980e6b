// Snapshot round trips (every type, TTLs, all databases) and damaged-file detection.
#include "persist/snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/set_value.h"
#include "core/string_value.h"
#include "engine/key_access.h"

namespace cachet {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  SnapshotTest() : path_("/tmp/cachet_snapshot_test_" + std::to_string(getpid()) + ".snap") {}
  ~SnapshotTest() override { unlink(path_.c_str()); }

  std::unique_ptr<Engine> NewEngine() {
    EngineOptions o;
    o.clock = &clock_;
    return std::make_unique<Engine>(o);
  }
  static void Set(Engine& e, int db, const std::string& k, const std::string& v,
                  int64_t deadline = -1) {
    KeyAccess a(e, k);
    a.SetString(db, k, v, ChooseStringEncoding(v), deadline);
  }
  static std::string Get(Engine& e, int db, const std::string& k, int64_t* deadline = nullptr) {
    KeyAccess a(e, k);
    Entry* entry = a.Find(db, k);
    if (entry == nullptr) return "<nil>";
    if (deadline) *deadline = a.DeadlineOf(db, entry);
    return std::string(entry->value());
  }
  bool Save(Engine& e) {
    std::string error;
    e.LockAll();
    bool ok = WriteSnapshot(e, path_, nullptr, &error);
    e.UnlockAll();
    EXPECT_TRUE(ok) << error;
    return ok;
  }
  void Corrupt(size_t offset_from_end, char value) {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-static_cast<std::streamoff>(offset_from_end), std::ios::end);
    f.put(value);
  }

  FakeClock clock_;
  std::string path_;
};

TEST_F(SnapshotTest, RoundTripsSessionsAndDropsExpiredOnes) {
  auto a = NewEngine();
  SessionRequest r;
  r.user = "u1";
  r.data = R"({"role":"admin"})";
  r.ip = "10.0.0.1";
  r.user_agent = "agent";
  r.idle_ms = 60'000;
  r.max_lifetime_ms = 0;
  r.bind = kBindBoth;
  std::string kept = *a->sessions().Create(r);
  r.user = "u2";
  r.idle_ms = 1'000;
  std::string short_lived = *a->sessions().Create(r);
  clock_.AdvanceMs(500);
  ASSERT_TRUE(Save(*a));
  clock_.AdvanceMs(600);  // short_lived's deadline passes while "down"
  auto b = NewEngine();
  std::string error;
  SnapshotStats stats;
  ASSERT_TRUE(LoadSnapshot(*b, path_, &stats, &error)) << error;
  EXPECT_EQ(stats.sessions, 1u);
  std::optional<Session> s = b->sessions().Get(kept, "10.0.0.1", "agent", false);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->user(), "u1");
  EXPECT_EQ(s->data(), R"({"role":"admin"})");
  EXPECT_EQ(s->idle_ms, 60'000);
  EXPECT_EQ(s->bind, kBindBoth);
  EXPECT_EQ(s->created_ms, clock_.NowMs() - 1100);
  EXPECT_FALSE(b->sessions().Get(short_lived, "10.0.0.1", "agent", false).has_value());
  EXPECT_EQ(b->sessions().Count("u2"), 0u);
  EXPECT_EQ(b->DatasetBytes(), b->sessions().Stats().memory_bytes);
}

// Sessions active in the same millisecond keep their activity order through SAVE and a
// restart (the snapshot lists them least active first), so SESSION.LIST and memory eviction
// see the same order afterwards.
TEST_F(SnapshotTest, SessionsKeepTheirActivityOrderWithinAMillisecond) {
  auto ids_in_list_order = [](Engine& e) {
    std::vector<std::string> ids;
    for (const Session& s : e.sessions().List("u")) ids.emplace_back(s.id());
    return ids;
  };
  auto a = NewEngine();
  SessionRequest r;
  r.user = "u";
  r.idle_ms = 60'000;
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(*a->sessions().Create(r));
  clock_.AdvanceMs(5);
  // Touched in the same millisecond, in an order unrelated to creation or to the ids' hashes.
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(a->sessions().Touch(ids[(i * 17) % 40]));
  std::vector<std::string> before = ids_in_list_order(*a);
  ASSERT_EQ(before.size(), 40u);
  EXPECT_EQ(before.back(), ids[0]);  // touched first, so least recently active
  ASSERT_TRUE(Save(*a));
  auto b = NewEngine();
  std::string error;
  ASSERT_TRUE(LoadSnapshot(*b, path_, nullptr, &error)) << error;
  EXPECT_EQ(ids_in_list_order(*b), before);
  // Memory eviction takes the least active: the same victims on both.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(a->sessions().EvictOne());
    ASSERT_TRUE(b->sessions().EvictOne());
  }
  EXPECT_EQ(ids_in_list_order(*b), ids_in_list_order(*a));
  EXPECT_EQ(ids_in_list_order(*b).size(), 35u);
}

TEST_F(SnapshotTest, RoundTripsStringsTtlsAndDatabases) {
  auto a = NewEngine();
  int64_t now = clock_.NowMs();
  Set(*a, 0, "plain", "v");
  Set(*a, 0, "int", "12345");
  Set(*a, 0, "empty", "");
  Set(*a, 3, "ttl", "x", now + 60000);
  Set(*a, 15, "big", std::string(100000, 'b'));
  Set(*a, 0, std::string("bin\0key", 7), std::string("\0\xff\r\n", 4));
  Set(*a, 0, "expired", "gone", now + 10);
  for (int i = 0; i < 5000; ++i) Set(*a, 1, "k" + std::to_string(i), std::to_string(i));
  ASSERT_TRUE(Save(*a));

  clock_.AdvanceMs(20);  // "expired" is past its deadline at load time
  auto b = NewEngine();
  std::string error;
  SnapshotStats stats;
  ASSERT_TRUE(LoadSnapshot(*b, path_, &stats, &error)) << error;
  EXPECT_EQ(Get(*b, 0, "plain"), "v");
  EXPECT_EQ(Get(*b, 0, "int"), "12345");
  EXPECT_EQ(Get(*b, 0, "empty"), "");
  int64_t deadline = 0;
  EXPECT_EQ(Get(*b, 3, "ttl", &deadline), "x");
  EXPECT_EQ(deadline, now + 60000);  // absolute: a restart never extends a TTL
  EXPECT_EQ(Get(*b, 15, "big"), std::string(100000, 'b'));
  EXPECT_EQ(Get(*b, 0, std::string("bin\0key", 7)), std::string("\0\xff\r\n", 4));
  EXPECT_EQ(Get(*b, 0, "expired"), "<nil>");
  EXPECT_EQ(b->DbSize(1), 5000u);
  EXPECT_EQ(stats.keys, 5006u);
  EXPECT_EQ(stats.expired_skipped, 1u);
  KeyAccess access(*b, "int");
  EXPECT_EQ(access.Find(0, "int")->encoding(), Encoding::kInt);
}

TEST_F(SnapshotTest, CompressedValuesAreSavedAsTheirOriginalBytes) {
  std::string json;
  for (int i = 0; json.size() < 5000; ++i)
    json += "{\"id\":" + std::to_string(i) + ",\"ok\":true},";
  NamespaceSpec spec;
  spec.name = "c";
  spec.prefix = "c:";
  spec.compress_above = 100;
  std::string error;
  auto a = NewEngine();
  ASSERT_TRUE(a->namespaces().Set(spec, &error)) << error;
  Set(*a, 0, "c:1", json);
  {
    KeyAccess access(*a, "c:1");
    ASSERT_EQ(access.Find(0, "c:1")->encoding(), Encoding::kCompressed);
  }
  ASSERT_TRUE(Save(*a));
  // The file holds a plain string record: an engine without the namespace (or the previous
  // version) loads the original bytes; one with it compresses them again.
  auto plain = NewEngine();
  ASSERT_TRUE(LoadSnapshot(*plain, path_, nullptr, &error)) << error;
  EXPECT_EQ(Get(*plain, 0, "c:1"), json);
  auto again = NewEngine();
  ASSERT_TRUE(again->namespaces().Set(spec, &error)) << error;
  ASSERT_TRUE(LoadSnapshot(*again, path_, nullptr, &error)) << error;
  KeyAccess access(*again, "c:1");
  Entry* e = access.Find(0, "c:1");
  EXPECT_EQ(e->encoding(), Encoding::kCompressed);
  EXPECT_EQ(StringValue(e), json);
}

TEST_F(SnapshotTest, RoundTripsSets) {
  auto a = NewEngine();
  EncodingLimits limits;
  auto ints = std::make_unique<SetValue>();
  for (int i = -5; i < 5; ++i) ints->Add(std::to_string(i), limits);
  auto mixed = std::make_unique<SetValue>();
  for (int i = 0; i < 1000; ++i) mixed->Add("m" + std::to_string(i), limits);
  mixed->Add(std::string("\0\xff", 2), limits);
  {
    KeyAccess access(*a, "ints");
    access.CreateContainer(0, "ints", std::move(ints), KeyAccess::kNoDeadline);
  }
  {
    KeyAccess access(*a, "mixed");
    access.CreateContainer(2, "mixed", std::move(mixed), clock_.NowMs() + 60000);
  }
  ASSERT_TRUE(Save(*a));
  auto b = NewEngine();
  std::string error;
  ASSERT_TRUE(LoadSnapshot(*b, path_, nullptr, &error)) << error;
  KeyAccess access(*b, std::vector<std::string_view>{"ints", "mixed"});
  Entry* e = access.Find(0, "ints");
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->type(), ValueType::kSet);
  auto* s = static_cast<SetValue*>(e->container());
  EXPECT_EQ(s->encoding(), Encoding::kIntset);
  EXPECT_EQ(s->Size(), 10u);
  EXPECT_TRUE(s->Contains("-5"));
  e = access.Find(2, "mixed");
  ASSERT_NE(e, nullptr);
  s = static_cast<SetValue*>(e->container());
  EXPECT_EQ(s->encoding(), Encoding::kHashtable);
  EXPECT_EQ(s->Size(), 1001u);
  EXPECT_TRUE(s->Contains(std::string("\0\xff", 2)));
  EXPECT_EQ(access.DeadlineOf(2, e), clock_.NowMs() + 60000);
}

TEST_F(SnapshotTest, DetectsChecksumMismatch) {
  auto a = NewEngine();
  Set(*a, 0, "key", "value-value-value");
  ASSERT_TRUE(Save(*a));
  Corrupt(14, 'Z');  // inside the last record, before the trailer
  auto b = NewEngine();
  std::string error;
  EXPECT_FALSE(LoadSnapshot(*b, path_, nullptr, &error));
  EXPECT_NE(error.find(path_), std::string::npos);
  EXPECT_NE(error.find("offset"), std::string::npos);
}

TEST_F(SnapshotTest, DetectsTruncation) {
  auto a = NewEngine();
  for (int i = 0; i < 100; ++i) Set(*a, 0, "k" + std::to_string(i), "v");
  ASSERT_TRUE(Save(*a));
  std::ifstream in(path_, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t cut : {all.size() - 1, all.size() - 9, all.size() / 2, size_t{5}}) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << all.substr(0, cut);
    auto b = NewEngine();
    std::string error;
    EXPECT_FALSE(LoadSnapshot(*b, path_, nullptr, &error)) << cut;
    EXPECT_FALSE(error.empty());
  }
}

TEST_F(SnapshotTest, RejectsOtherFiles) {
  std::ofstream(path_) << "REDIS0011 not ours";
  auto b = NewEngine();
  std::string error;
  EXPECT_FALSE(LoadSnapshot(*b, path_, nullptr, &error));
  EXPECT_NE(error.find("bad magic"), std::string::npos);
}

}  // namespace
}  // namespace cachet
