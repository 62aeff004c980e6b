// Transparent compression through the command fixture: which writes store a value compressed,
// every string command on a compressed value (replies equal to those on the raw value),
// in-place writers turning it raw, and the compression counters staying exact on every
// insertion and removal path. Runs once per codec.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "commands/namespace_report.h"
#include "commands/test_fixture.h"
#include "core/string_value.h"
#include "engine/key_access.h"
#include "engine/value_compression.h"

namespace cachet {
namespace {

using F = CommandFixture;

// A JSON-like compressible value of exactly n bytes; seed varies its content.
std::string Json(size_t n, int seed = 0) {
  std::string s = "{\"items\":[";
  for (int i = 0; s.size() < n; ++i) {
    s += "{\"id\":" + std::to_string(i * 7 + seed) + ",\"name\":\"item" +
         std::to_string((i + seed) % 13) + "\",\"in_stock\":true},";
  }
  s.resize(n);
  return s;
}

class CompressionTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ASSERT_EQ(f.Run({"namespace.set", "c", "prefix", "c:", "compress-above", "64", "compress",
                     GetParam()}),
              F::kOk);
    ASSERT_EQ(f.Run({"namespace.set", "plain", "prefix", "p:"}), F::kOk);
  }

  bool Compressed(const std::string& key, int db = 0) {
    KeyAccess access(f.engine(), key);
    Entry* e = access.Find(db, key, false);
    return e != nullptr && e->type() == ValueType::kString &&
           e->encoding() == Encoding::kCompressed;
  }

  // Recounts the compressed values of the first four databases from the entries and checks
  // the shard totals and the namespaces' counters (compression and memory) against them.
  void ExpectExactCounters() {
    CompressionCounters all;
    std::map<std::string, CompressionCounters> by_ns;
    std::map<std::string, int64_t> memory;
    for (int db = 0; db < 4; ++db) {
      f.engine().ForEachKey(db, [&](const Entry* e) {
        const NamespaceIndex* index = f.engine().namespaces().Current();
        const NamespaceSpec* spec = index ? index->Match(e->key()) : nullptr;
        std::string ns = spec ? spec->name : "";
        memory[ns] += static_cast<int64_t>(e->TotalBytes());
        if (e->type() != ValueType::kString || e->encoding() != Encoding::kCompressed) return;
        all.Add(e->value(), 1);
        by_ns[ns].Add(e->value(), 1);
      });
    }
    CompressionCounters totals = CompressionTotals(f.engine());
    EXPECT_EQ(totals.keys, all.keys);
    EXPECT_EQ(totals.stored_bytes, all.stored_bytes);
    EXPECT_EQ(totals.original_bytes, all.original_bytes);
    for (const NamespaceReport& r : NamespaceReports(f.engine())) {
      const CompressionCounters& want = by_ns[r.spec.name];
      EXPECT_EQ(r.counters.compression.keys, want.keys) << r.spec.name;
      EXPECT_EQ(r.counters.compression.stored_bytes, want.stored_bytes) << r.spec.name;
      EXPECT_EQ(r.counters.compression.original_bytes, want.original_bytes) << r.spec.name;
      EXPECT_EQ(r.counters.memory, memory[r.spec.name]) << r.spec.name;
    }
  }

  CommandFixture f;
};

TEST_P(CompressionTest, WholeWritesAreStoredCompressed) {
  std::string v = Json(1000);
  EXPECT_EQ(f.Run({"set", "c:set", v}), F::kOk);
  EXPECT_EQ(f.Run({"set", "c:ex", v, "ex", "100"}), F::kOk);
  EXPECT_EQ(f.Run({"setex", "c:setex", "100", v}), F::kOk);
  EXPECT_EQ(f.Run({"psetex", "c:psetex", "100000", v}), F::kOk);
  EXPECT_EQ(f.Run({"setnx", "c:setnx", v}), F::Int(1));
  EXPECT_EQ(f.Run({"mset", "c:m1", v, "c:m2", Json(2000, 1)}), F::kOk);
  EXPECT_EQ(f.Run({"msetnx", "c:m3", v, "c:m4", v}), F::Int(1));
  EXPECT_EQ(f.Run({"getset", "c:getset", v}), F::kNil);
  EXPECT_EQ(f.Run({"set", "c:get", v, "get"}), F::kNil);
  EXPECT_EQ(f.Run({"append", "c:append", v}), F::Int(1000));  // APPEND to nothing is a SET
  for (const char* k : {"c:set", "c:ex", "c:setex", "c:psetex", "c:setnx", "c:m1", "c:m2", "c:m3",
                        "c:m4", "c:getset", "c:get", "c:append"}) {
    EXPECT_TRUE(Compressed(k)) << k;
    EXPECT_EQ(f.Run({"get", k}), F::Bulk(std::string(k) == "c:m2" ? Json(2000, 1) : v)) << k;
  }
  EXPECT_EQ(f.Run({"set", "c:exact", std::string(64, 'a')}), F::kOk);  // inclusive threshold
  EXPECT_TRUE(Compressed("c:exact"));
  EXPECT_EQ(f.Run({"set", "c:short", std::string(63, 'a')}), F::kOk);
  EXPECT_FALSE(Compressed("c:short"));
  EXPECT_EQ(f.Run({"set", "p:big", v}), F::kOk);  // a namespace without a threshold
  EXPECT_FALSE(Compressed("p:big"));
  EXPECT_EQ(f.Run({"set", "other", v}), F::kOk);  // no namespace
  EXPECT_FALSE(Compressed("other"));
  std::mt19937_64 rng(3);
  std::string noise;
  for (int i = 0; i < 500; ++i) noise.push_back(static_cast<char>(rng()));
  EXPECT_EQ(f.Run({"set", "c:noise", noise}), F::kOk);  // does not save an eighth: raw
  EXPECT_FALSE(Compressed("c:noise"));
  EXPECT_EQ(f.Run({"get", "c:noise"}), F::Bulk(noise));
  ExpectExactCounters();
}

TEST_P(CompressionTest, ReadersSeeTheOriginalBytes) {
  std::string v = Json(5000);
  ASSERT_EQ(f.Run({"set", "c:k", v}), F::kOk);
  ASSERT_TRUE(Compressed("c:k"));
  EXPECT_EQ(f.Run({"strlen", "c:k"}), F::Int(5000));
  EXPECT_EQ(f.Run({"mget", "c:k", "nope", "c:k"}), "*3\r\n" + F::Bulk(v) + F::kNil + F::Bulk(v));
  for (auto [start, end] : {std::pair{0, 9},
                            {-10, -1},
                            {100, 99},
                            {-6000, 5},
                            {4990, 9999},
                            {-1, -1},
                            {0, -1},
                            {-3, -5},
                            {2500, 2500}}) {
    int64_t len = 5000, s = start < 0 ? std::max<int64_t>(0, len + start) : start;
    int64_t e = end < 0 ? len + end : std::min<int64_t>(end, len - 1);
    std::string want = (s > e || (start < 0 && end < 0 && start > end))
                           ? ""
                           : v.substr(s, static_cast<size_t>(e - s + 1));
    std::string a = std::to_string(start), b = std::to_string(end);
    EXPECT_EQ(f.Run({"getrange", "c:k", a, b}), F::Bulk(want)) << a << " " << b;
    EXPECT_EQ(f.Run({"substr", "c:k", a, b}), F::Bulk(want)) << a << " " << b;
  }
  EXPECT_EQ(f.Run({"object", "encoding", "c:k"}), F::Bulk("raw"));
  EXPECT_EQ(f.Run({"type", "c:k"}), "+string\r\n");
  EXPECT_EQ(f.Run({"getex", "c:k", "ex", "100"}), F::Bulk(v));
  EXPECT_EQ(f.Run({"ttl", "c:k"}), F::Int(100));
  EXPECT_TRUE(Compressed("c:k"));  // a TTL change keeps the stored form
  EXPECT_EQ(f.Run({"getex", "c:k", "persist"}), F::Bulk(v));
  EXPECT_EQ(f.Run({"ttl", "c:k"}), F::Int(-1));
  EXPECT_EQ(f.Run({"expire", "c:k", "50"}), F::Int(1));
  EXPECT_EQ(f.Run({"get", "c:k"}), F::Bulk(v));
  EXPECT_EQ(f.Run({"getset", "c:k", Json(3000, 2)}), F::Bulk(v));
  EXPECT_EQ(f.Run({"set", "c:k", v, "get"}), F::Bulk(Json(3000, 2)));
  EXPECT_EQ(f.Run({"set", "c:k", "small", "xx", "get"}), F::Bulk(v));
  EXPECT_FALSE(Compressed("c:k"));
  EXPECT_EQ(f.Run({"set", "c:k", v}), F::kOk);
  EXPECT_EQ(f.Run({"copy", "c:k", "c:copy"}), F::Int(1));
  EXPECT_TRUE(Compressed("c:copy"));
  EXPECT_EQ(f.Run({"copy", "c:k", "elsewhere", "db", "1"}), F::Int(1));
  EXPECT_EQ(f.Run({"select", "1"}), F::kOk);
  EXPECT_EQ(f.Run({"get", "elsewhere"}), F::Bulk(v));  // copied as it is stored
  EXPECT_EQ(f.Run({"select", "0"}), F::kOk);
  EXPECT_EQ(f.Run({"rename", "c:copy", "renamed"}), F::kOk);
  EXPECT_EQ(f.Run({"get", "renamed"}), F::Bulk(v));
  EXPECT_EQ(f.Run({"strlen", "renamed"}), F::Int(5000));
  EXPECT_EQ(f.Run({"incr", "c:k"}), F::Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.Run({"incrbyfloat", "c:k", "1"}), F::Err("ERR value is not a valid float"));
  ASSERT_EQ(f.Run({"set", "c:other", Json(300, 1)}), F::kOk);
  ASSERT_EQ(f.Run({"set", "raw-a", v.substr(0, 300)}), F::kOk);
  ASSERT_EQ(f.Run({"set", "raw-b", Json(300, 1)}), F::kOk);
  ASSERT_EQ(f.Run({"set", "c:k", v.substr(0, 300)}), F::kOk);
  ASSERT_TRUE(Compressed("c:k") && Compressed("c:other"));
  for (std::vector<std::string> opts : std::vector<std::vector<std::string>>{
           {}, {"len"}, {"idx"}, {"idx", "minmatchlen", "5", "withmatchlen"}}) {
    std::vector<std::string> on_compressed = {"lcs", "c:k", "c:other"};
    std::vector<std::string> on_raw = {"lcs", "raw-a", "raw-b"};
    on_compressed.insert(on_compressed.end(), opts.begin(), opts.end());
    on_raw.insert(on_raw.end(), opts.begin(), opts.end());
    EXPECT_EQ(f.Run(on_compressed), f.Run(on_raw));
  }
  ASSERT_EQ(f.Run({"set", "c:k", v}), F::kOk);
  EXPECT_EQ(f.Run({"cache.set", "c:k", Json(900, 3), "get", "tags", "t1"}), F::Bulk(v));
  EXPECT_TRUE(Compressed("c:k"));  // CACHE.SET is a whole write too
  EXPECT_EQ(f.Run({"cache.set", "c:k", v, "get"}), F::Bulk(Json(900, 3)));
  EXPECT_EQ(f.Run({"getdel", "c:k"}), F::Bulk(v));
  EXPECT_EQ(f.Run({"exists", "c:k"}), F::Int(0));
  ExpectExactCounters();
}

TEST_P(CompressionTest, InPlaceWritersTurnItRaw) {
  std::string v = Json(4000);
  ASSERT_EQ(f.Run({"set", "c:a", v, "ex", "100"}), F::kOk);
  EXPECT_EQ(f.Run({"append", "c:a", "tail"}), F::Int(4004));
  EXPECT_FALSE(Compressed("c:a"));
  EXPECT_EQ(f.Run({"get", "c:a"}), F::Bulk(v + "tail"));
  EXPECT_EQ(f.Run({"ttl", "c:a"}), F::Int(100));
  ExpectExactCounters();

  ASSERT_EQ(f.Run({"set", "c:r", v}), F::kOk);
  EXPECT_EQ(f.Run({"setrange", "c:r", "10", ""}), F::Int(4000));  // no change: stays compressed
  EXPECT_TRUE(Compressed("c:r"));
  EXPECT_EQ(f.Run({"setrange", "c:r", "10", "XYZ"}), F::Int(4000));
  EXPECT_FALSE(Compressed("c:r"));
  std::string want = v;
  want.replace(10, 3, "XYZ");
  EXPECT_EQ(f.Run({"get", "c:r"}), F::Bulk(want));
  ASSERT_EQ(f.Run({"set", "c:g", v}), F::kOk);
  EXPECT_EQ(f.Run({"setrange", "c:g", "4100", "end"}), F::Int(4103));  // growth
  EXPECT_EQ(f.Run({"get", "c:g"}), F::Bulk(v + std::string(100, '\0') + "end"));
  ASSERT_EQ(f.Run({"set", "c:f", std::string(200, '0') + "1.5"}), F::kOk);
  ASSERT_TRUE(Compressed("c:f"));
  EXPECT_EQ(f.Run({"setrange", "c:f", "100000000000", "x"}),
            F::Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_TRUE(Compressed("c:f"));                                 // an error changes nothing
  EXPECT_EQ(f.Run({"incrbyfloat", "c:f", "1"}), F::Bulk("2.5"));  // reads the original bytes
  ExpectExactCounters();
}

TEST_P(CompressionTest, CountersFollowEveryPath) {
  std::string v = Json(3000);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(f.Run({"set", "c:" + std::to_string(i), Json(500 + i * 37, i)}), F::kOk);
  }
  ExpectExactCounters();
  NamespaceReport r = NamespaceReports(f.engine())[0];
  EXPECT_EQ(r.counters.compression.keys, 50);
  EXPECT_GT(r.counters.compression.saved_bytes(), r.counters.compression.stored_bytes);
  // Overwrites in every combination.
  EXPECT_EQ(f.Run({"set", "c:0", v}), F::kOk);        // compressed over compressed
  EXPECT_EQ(f.Run({"set", "c:1", "tiny"}), F::kOk);   // raw over compressed
  EXPECT_EQ(f.Run({"set", "c:short", "x"}), F::kOk);  // compressed over raw
  EXPECT_EQ(f.Run({"set", "c:short", v}), F::kOk);
  EXPECT_EQ(f.Run({"lpush", "c:list", v}), F::Int(1));  // aggregates are never compressed
  ExpectExactCounters();
  EXPECT_EQ(f.Run({"del", "c:2", "c:3"}), F::Int(2));
  EXPECT_EQ(f.Run({"unlink", "c:4"}), F::Int(1));
  EXPECT_EQ(f.Run({"rename", "c:5", "outside"}), F::kOk);  // leaves the namespace, stays compressed
  EXPECT_EQ(f.Run({"rename", "outside", "p:in-plain"}), F::kOk);
  EXPECT_EQ(f.Run({"copy", "c:6", "c:6", "db", "1"}), F::Int(1));
  EXPECT_EQ(f.Run({"del", "c:6"}), F::Int(1));
  EXPECT_EQ(f.Run({"set", "c:7", v, "px", "10"}), F::kOk);
  EXPECT_EQ(f.Run({"set", "c:8", v, "px", "10"}), F::kOk);
  f.clock().AdvanceMs(20);
  EXPECT_EQ(f.Run({"get", "c:7"}), F::kNil);  // lazy expiry
  f.engine().ActiveExpire(0, 1, 1000000);     // active expiry of c:8
  ExpectExactCounters();
  EXPECT_EQ(f.Run({"swapdb", "0", "1"}), F::kOk);
  ExpectExactCounters();
  EXPECT_EQ(f.Run({"flushdb"}), F::kOk);  // db 1's keys, now db 0
  ExpectExactCounters();
  EXPECT_EQ(f.Run({"swapdb", "0", "1"}), F::kOk);
  // Namespace changes recount.
  EXPECT_EQ(f.Run({"namespace.set", "narrow", "prefix", "c:1"}), F::kOk);
  ExpectExactCounters();
  EXPECT_EQ(f.Run({"namespace.del", "narrow"}), F::Int(1));
  EXPECT_EQ(f.Run({"namespace.set", "c", "prefix", "c:", "compress-above", "0"}), F::kOk);
  ExpectExactCounters();  // already compressed values stay so
  EXPECT_GT(CompressionTotals(f.engine()).keys, 0);
  EXPECT_EQ(f.Run({"set", "c:10", v}), F::kOk);  // but new writes are raw
  EXPECT_FALSE(Compressed("c:10"));
  EXPECT_EQ(f.Run({"flushall"}), F::kOk);
  ExpectExactCounters();
  EXPECT_EQ(CompressionTotals(f.engine()).keys, 0);
  EXPECT_EQ(CompressionTotals(f.engine()).stored_bytes, 0);
}

TEST_P(CompressionTest, EvictionKeepsCountersExact) {
  f.engine().set_policy(EvictionPolicy::kAllKeysRandom);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(f.Run({"set", "c:" + std::to_string(i), Json(2000, i)}), F::kOk);
  }
  f.engine().set_maxmemory(f.engine().UsedMemory() - f.engine().DatasetBytes() / 2);
  EXPECT_TRUE(f.engine().EvictIfNeeded());
  f.engine().set_maxmemory(0);
  NamespaceReport r = NamespaceReports(f.engine())[0];
  EXPECT_GT(r.counters.evicted, 0u);
  EXPECT_LT(r.counters.compression.keys, 200);
  ExpectExactCounters();
}

TEST_P(CompressionTest, MemoryIsTheStoredForm) {
  std::string v = Json(10000);
  ASSERT_EQ(f.Run({"set", "c:big", v}), F::kOk);
  ASSERT_EQ(f.Run({"set", "raw", v}), F::kOk);
  auto usage = [&](const char* k) {
    std::string r = f.Run({"memory", "usage", k});
    return std::stoll(r.substr(1));
  };
  EXPECT_LT(usage("c:big") * 2, usage("raw"));
  NamespaceReport r = NamespaceReports(f.engine())[0];
  EXPECT_EQ(r.counters.compression.original_bytes, 10000);
  EXPECT_LT(r.counters.memory * 2, usage("raw"));
}

TEST_P(CompressionTest, StatsListInfoAndErrors) {
  ASSERT_EQ(f.Run({"set", "c:k", Json(1000)}), F::kOk);
  std::string list = f.Run({"namespace.list"});
  EXPECT_NE(list.find("$14\r\ncompress-above\r\n:64\r\n$8\r\ncompress\r\n$" +
                      std::to_string(strlen(GetParam())) + "\r\n" + GetParam() + "\r\n"),
            std::string::npos)
      << list;
  std::string stats = f.Run({"namespace.stats", "c"});
  EXPECT_NE(stats.find("$15\r\ncompressed_keys\r\n:1\r\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("$18\r\nuncompressed_bytes\r\n:1000\r\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("compression_saved_bytes"), std::string::npos);
  std::string info = f.Run({"info", "compression"});
  EXPECT_NE(info.find("# Compression\r\ncompressed_keys:1\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("uncompressed_bytes:1000\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("compression_ratio:"), std::string::npos) << info;
  EXPECT_EQ(f.Run({"namespace.set", "x", "prefix", "x:", "compress", "gzip"}),
            F::Err("ERR namespace compress must be lz4 or zstd"));
  EXPECT_EQ(f.Run({"namespace.set", "x", "prefix", "x:", "compress-above", "-5"}),
            F::Err("ERR namespace compress-above must be a number of bytes (0 = never)"));
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressionTest, ::testing::Values("lz4", "zstd"),
                         [](const auto& info) { return std::string(info.param); });

TEST(CompressionIntTest, IntegersStayIntegers) {
  CommandFixture f;
  ASSERT_EQ(f.Run({"namespace.set", "n", "prefix", "n:", "compress-above", "1"}), F::kOk);
  ASSERT_EQ(f.Run({"set", "n:i", "1000000000000000000"}), F::kOk);
  EXPECT_EQ(f.Run({"object", "encoding", "n:i"}), F::Bulk("int"));
  EXPECT_EQ(f.Run({"incr", "n:i"}), F::Int(1000000000000000001));
  EXPECT_EQ(f.Run({"decrby", "n:i", "2"}), F::Int(999999999999999999));
  EXPECT_EQ(f.Run({"object", "encoding", "n:i"}), F::Bulk("int"));
  ASSERT_EQ(f.Run({"set", "n:s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}), F::kOk);
  KeyAccess access(f.engine(), "n:s");
  Entry* e = access.Find(0, "n:s", false);
  EXPECT_EQ(e->encoding(), Encoding::kCompressed);  // a short compressible string is compressed
  EXPECT_EQ(StringValue(e), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(StringLength(e), 40u);
}

}  // namespace
}  // namespace cachet
