// Warm files: hot-key selection under LRU and LFU, save/load round trips, existing and
// expired keys, damaged and foreign files.
#include "persist/warm_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "engine/key_access.h"
#include "persist/snapshot.h"
#include "persist/warm_loader.h"
#include "persist/warm_save.h"

namespace cachet {
namespace {

class WarmFileTest : public ::testing::Test {
 protected:
  WarmFileTest() : path_("/tmp/cachet_warm_test_" + std::to_string(getpid()) + ".cwf") {}
  ~WarmFileTest() override { unlink(path_.c_str()); }

  std::unique_ptr<Engine> NewEngine(EvictionPolicy policy = EvictionPolicy::kNoEviction) {
    EngineOptions o;
    o.clock = &clock_;
    o.policy = policy;
    return std::make_unique<Engine>(o);
  }
  static void Set(Engine& e, int db, const std::string& k, const std::string& v,
                  int64_t deadline = -1) {
    KeyAccess a(e, k);
    a.SetString(db, k, v, ChooseStringEncoding(v), deadline);
  }
  static void Read(Engine& e, int db, const std::string& k, int times) {
    for (int i = 0; i < times; ++i) {
      KeyAccess a(e, k);
      a.Find(db, k);
    }
  }
  static std::string Get(Engine& e, int db, const std::string& k, int64_t* deadline = nullptr) {
    KeyAccess a(e, k);
    Entry* entry = a.Find(db, k, false);
    if (entry == nullptr) return "<nil>";
    if (deadline) *deadline = a.DeadlineOf(db, entry);
    return std::string(entry->value());
  }
  void Save(Engine& e, size_t n) {
    std::string error;
    WarmSaveStats stats;
    ASSERT_TRUE(SaveWarmFile(e, path_, n, &stats, &error)) << error;
  }
  WarmProgress Load(Engine& e, bool replace = false, size_t batch = 3) {
    WarmLoader loader(&e, &no_log_, {});
    auto file = std::make_unique<WarmFileReader>();
    std::string error;
    EXPECT_EQ(file->Open(path_, &error), WarmFileReader::OpenResult::kOk) << error;
    WarmLoadOptions options;
    options.replace = replace;
    options.batch = batch;
    EXPECT_TRUE(loader.Start(std::move(file), path_, options));
    loader.Wait();
    return loader.Progress();
  }
  void WriteBytes(const std::string& bytes) {
    std::ofstream f(path_, std::ios::binary | std::ios::trunc);
    f << bytes;
  }
  std::string ReadBytes() {
    std::ifstream f(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

  FakeClock clock_;
  std::string path_;
  std::atomic<CommandLog*> no_log_{nullptr};
};

TEST_F(WarmFileTest, LruSelectsTheMostRecentlyUsedKeys) {
  auto e = NewEngine();
  for (int i = 0; i < 50; ++i) Set(*e, 0, "k" + std::to_string(i), "v");
  clock_.AdvanceMs(10'000);
  Read(*e, 0, "k7", 1);
  clock_.AdvanceMs(10'000);
  Read(*e, 0, "k3", 1);
  EXPECT_EQ(SelectHotKeys(*e, 0, 2), (std::vector<std::string>{"k3", "k7"}));
  EXPECT_EQ(SelectHotKeys(*e, 0, 100).size(), 50u);
  EXPECT_TRUE(SelectHotKeys(*e, 1, 10).empty());
}

TEST_F(WarmFileTest, LfuSelectsTheMostFrequentlyUsedKeys) {
  auto e = NewEngine(EvictionPolicy::kAllKeysLfu);
  for (int i = 0; i < 50; ++i) Set(*e, 0, "k" + std::to_string(i), "v");
  Read(*e, 0, "k40", 200);
  Read(*e, 0, "k9", 3);  // the first access always counts: above every untouched key
  EXPECT_EQ(SelectHotKeys(*e, 0, 2), (std::vector<std::string>{"k40", "k9"}));
}

TEST_F(WarmFileTest, RoundTripsHotKeysWithDeadlinesPerDatabase) {
  auto a = NewEngine();
  int64_t t0 = clock_.NowMs();
  for (int i = 0; i < 20; ++i) Set(*a, 0, "cold" + std::to_string(i), "c");
  Set(*a, 3, "cold-db3", "c");
  clock_.AdvanceMs(5'000);
  Set(*a, 0, "hot1", "v1", t0 + 60'000);
  Set(*a, 0, "hot2", "12345");
  Set(*a, 3, "hot3", "v3");
  Read(*a, 3, "hot3", 1);
  Save(*a, 2);
  auto b = NewEngine();
  WarmProgress p = Load(*b);
  EXPECT_EQ(p.state, WarmState::kDone);
  EXPECT_EQ(p.total, 4u);
  EXPECT_EQ(p.loaded, 4u);
  int64_t deadline = 0;
  EXPECT_EQ(Get(*b, 0, "hot1", &deadline), "v1");
  EXPECT_EQ(deadline, t0 + 60'000);
  EXPECT_EQ(Get(*b, 0, "hot2", &deadline), "12345");
  EXPECT_EQ(deadline, KeyAccess::kNoDeadline);
  EXPECT_EQ(Get(*b, 3, "hot3"), "v3");
  EXPECT_EQ(Get(*b, 3, "cold-db3"), "c");  // db 3 has only two keys
  EXPECT_EQ(b->DbSize(0), 2u);
  EXPECT_EQ(b->DbSize(3), 2u);
}

TEST_F(WarmFileTest, KeepsExistingKeysUnlessReplaceAndSkipsExpiredOnes) {
  auto a = NewEngine();
  int64_t t0 = clock_.NowMs();
  Set(*a, 0, "a", "new");
  Set(*a, 0, "b", "new");
  Set(*a, 0, "short", "x", t0 + 1'000);
  Save(*a, 10);
  clock_.AdvanceMs(2'000);  // "short" expires while the file waits
  auto b = NewEngine();
  Set(*b, 0, "a", "old");
  WarmProgress p = Load(*b);
  EXPECT_EQ(p.loaded, 1u);
  EXPECT_EQ(p.skipped_existing, 1u);
  EXPECT_EQ(p.skipped_expired, 1u);
  EXPECT_EQ(Get(*b, 0, "a"), "old");
  EXPECT_EQ(Get(*b, 0, "b"), "new");
  EXPECT_EQ(Get(*b, 0, "short"), "<nil>");
  p = Load(*b, /*replace=*/true);
  EXPECT_EQ(p.loaded, 2u);
  EXPECT_EQ(Get(*b, 0, "a"), "new");
}

TEST_F(WarmFileTest, ZeroKeysPerDatabaseWritesAnEmptyValidFile) {
  auto a = NewEngine();
  Set(*a, 0, "a", "1");
  Save(*a, 0);
  auto b = NewEngine();
  WarmProgress p = Load(*b);
  EXPECT_EQ(p.state, WarmState::kDone);
  EXPECT_EQ(p.total, 0u);
}

TEST_F(WarmFileTest, RefusesMissingAndForeignFiles) {
  WarmFileReader missing;
  std::string error;
  EXPECT_EQ(missing.Open("/nonexistent/dir/x.cwf", &error),
            WarmFileReader::OpenResult::kCannotOpen);
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  WriteBytes("this is not a warm file at all");
  WarmFileReader garbage;
  EXPECT_EQ(garbage.Open(path_, &error), WarmFileReader::OpenResult::kNotWarmFile);
  WriteBytes("");
  WarmFileReader empty;
  EXPECT_EQ(empty.Open(path_, &error), WarmFileReader::OpenResult::kNotWarmFile);
  WriteBytes(std::string(kWarmMagic) + "\x09");  // version 9
  WarmFileReader future;
  EXPECT_EQ(future.Open(path_, &error), WarmFileReader::OpenResult::kNotWarmFile);
}

TEST_F(WarmFileTest, DamagedFilesFailVerificationAndLoadNothing) {
  auto a = NewEngine();
  for (int i = 0; i < 10; ++i) Set(*a, 0, "k" + std::to_string(i), std::string(100, 'x'));
  Save(*a, 100);
  std::string good = ReadBytes();
  for (size_t cut : {good.size() - 1, good.size() - 9, good.size() / 2, size_t{12}}) {
    WriteBytes(good.substr(0, cut));
    WarmFileReader r;
    std::string error;
    ASSERT_EQ(r.Open(path_, &error), WarmFileReader::OpenResult::kOk);
    uint64_t keys;
    EXPECT_FALSE(r.Verify(16, &keys, &error)) << cut;
    EXPECT_NE(error.find("damaged at offset"), std::string::npos) << error;
  }
  std::string flipped = good;
  size_t in_value = good.find(std::string(50, 'x'), good.size() / 2);
  ASSERT_NE(in_value, std::string::npos);
  flipped[in_value + 10] = 'y';  // inside a value: only the checksum notices
  WriteBytes(flipped);
  auto b = NewEngine();
  WarmLoader loader(b.get(), &no_log_, {});
  auto file = std::make_unique<WarmFileReader>();
  std::string error;
  ASSERT_EQ(file->Open(path_, &error), WarmFileReader::OpenResult::kOk);
  ASSERT_TRUE(loader.Start(std::move(file), path_, WarmLoadOptions()));
  loader.Wait();
  WarmProgress p = loader.Progress();
  EXPECT_EQ(p.state, WarmState::kFailed);
  EXPECT_NE(p.error.find("checksum mismatch"), std::string::npos) << p.error;
  EXPECT_EQ(b->DbSize(0), 0u);
}

TEST_F(WarmFileTest, DatabaseBeyondTheServersIsDamage) {
  auto a = NewEngine();
  Set(*a, 15, "k", "v");
  Save(*a, 10);
  WarmFileReader r;
  std::string error;
  ASSERT_EQ(r.Open(path_, &error), WarmFileReader::OpenResult::kOk);
  uint64_t keys;
  EXPECT_FALSE(r.Verify(4, &keys, &error));
  EXPECT_NE(error.find("database 15 does not exist"), std::string::npos) << error;
}

TEST_F(WarmFileTest, LoadsASnapshotFileToo) {
  auto a = NewEngine();
  Set(*a, 0, "snap", "shot");
  std::string error;
  a->LockAll();
  ASSERT_TRUE(WriteSnapshot(*a, path_, nullptr, &error)) << error;
  a->UnlockAll();
  auto b = NewEngine();
  WarmProgress p = Load(*b);
  EXPECT_EQ(p.state, WarmState::kDone) << p.error;
  EXPECT_EQ(Get(*b, 0, "snap"), "shot");
}

TEST_F(WarmFileTest, CancelStopsALoadBetweenBatches) {
  auto a = NewEngine();
  for (int i = 0; i < 100; ++i) Set(*a, 0, "k" + std::to_string(i), "v");
  Save(*a, 1000);
  auto b = NewEngine();
  WarmLoader loader(b.get(), &no_log_, {});
  auto file = std::make_unique<WarmFileReader>();
  std::string error;
  ASSERT_EQ(file->Open(path_, &error), WarmFileReader::OpenResult::kOk);
  WarmLoadOptions options;
  options.batch = 10;
  options.pause_ms = 200;
  ASSERT_TRUE(loader.Start(std::move(file), path_, options));
  EXPECT_FALSE(loader.Start(std::make_unique<WarmFileReader>(), path_, options));  // running
  while (loader.Progress().loaded < 10) usleep(1000);
  EXPECT_TRUE(loader.Cancel());
  loader.Wait();
  WarmProgress p = loader.Progress();
  EXPECT_EQ(p.state, WarmState::kCancelled);
  EXPECT_EQ(p.loaded, 10u);
  EXPECT_EQ(b->DbSize(0), 10u);
  EXPECT_FALSE(loader.Cancel());
}

}  // namespace
}  // namespace cachet
