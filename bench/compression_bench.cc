// compression_bench: lz4 and zstd on cache-like payloads (JSON API responses, HTML pages,
// repetitive log text, random bytes) of 1 to 64 KiB — compress and decompress throughput and
// the compression ratio — to choose the codec of compressed namespaces (docs/compression.md).
//
//   build/release/bench/compression_bench --benchmark_min_time=0.2
//
// Thread-safety: single-threaded benchmark program.
#include <benchmark/benchmark.h>
#include <lz4.h>
#include <zstd.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

const char* const kWords[] = {"alpha",   "order",    "shipped", "pending", "customer", "invoice",
                              "product", "category", "premium", "london",  "berlin",   "active",
                              "session", "account",  "payment", "refund",  "blue",     "large",
                              "digital", "express",  "review",  "rating",  "comment",  "profile"};

std::string Word(std::mt19937_64& rng) { return kWords[rng() % std::size(kWords)]; }

// A JSON API response: a page of user records, as a REST endpoint returns them.
std::string Json(size_t size, std::mt19937_64& rng) {
  std::string s = "{\"page\":1,\"per_page\":50,\"data\":[";
  for (int id = 1000; s.size() < size; ++id) {
    s += "{\"id\":" + std::to_string(id + rng() % 7) + ",\"name\":\"" + Word(rng) + " " +
         Word(rng) + "\",\"email\":\"" + Word(rng) + std::to_string(rng() % 10000) +
         "@example.com\",\"active\":" + (rng() % 2 ? "true" : "false") +
         ",\"balance\":" + std::to_string(rng() % 100000) + "." + std::to_string(rng() % 100) +
         ",\"created_at\":\"2026-0" + std::to_string(1 + rng() % 9) + "-1" +
         std::to_string(rng() % 10) + "T12:" + std::to_string(10 + rng() % 50) +
         ":00Z\",\"tags\":[\"" + Word(rng) + "\",\"" + Word(rng) + "\"],\"address\":{\"city\":\"" +
         Word(rng) + "\",\"zip\":\"" + std::to_string(10000 + rng() % 89999) + "\"}},";
  }
  s.resize(size);
  return s;
}

// An HTML product listing page.
std::string Html(size_t size, std::mt19937_64& rng) {
  std::string s = "<!DOCTYPE html><html><head><title>Shop</title></head><body><ul class=\"grid\">";
  while (s.size() < size) {
    s += "<li class=\"product-card\"><a href=\"/p/" + std::to_string(rng() % 100000) +
         "\"><img src=\"/img/" + std::to_string(rng() % 100000) + ".jpg\" alt=\"" + Word(rng) +
         "\"><h3 class=\"title\">" + Word(rng) + " " + Word(rng) +
         "</h3><span class=\"price\">&euro;" + std::to_string(rng() % 500) +
         ".99</span></a></li>\n";
  }
  s.resize(size);
  return s;
}

// Repetitive text: application log lines.
std::string Text(size_t size, std::mt19937_64& rng) {
  std::string s;
  while (s.size() < size) {
    s += "2026-12-04 01:" + std::to_string(10 + rng() % 50) + ":" +
         std::to_string(10 + rng() % 50) + " INFO request served path=/api/" + Word(rng) +
         " status=200 duration_ms=" + std::to_string(rng() % 300) + "\n";
  }
  s.resize(size);
  return s;
}

std::string Random(size_t size, std::mt19937_64& rng) {
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string Payload(int kind, size_t size) {
  std::mt19937_64 rng(42 + kind);
  switch (kind) {
    case 0:
      return Json(size, rng);
    case 1:
      return Html(size, rng);
    case 2:
      return Text(size, rng);
    default:
      return Random(size, rng);
  }
}

const char* const kKindNames[] = {"json", "html", "text", "random"};

// codec: 0 = lz4, otherwise zstd at level (codec - 10), so 9 = zstd -1, 11 = zstd 1, 13 = zstd 3.
std::string Compress(int codec, const std::string& in, ZSTD_CCtx* cctx) {
  std::string out;
  if (codec == 0) {
    out.resize(LZ4_compressBound(static_cast<int>(in.size())));
    int n = LZ4_compress_default(in.data(), out.data(), static_cast<int>(in.size()),
                                 static_cast<int>(out.size()));
    out.resize(n);
  } else {
    out.resize(ZSTD_compressBound(in.size()));
    size_t n = ZSTD_compressCCtx(cctx, out.data(), out.size(), in.data(), in.size(), codec - 10);
    out.resize(n);
  }
  return out;
}

void Decompress(int codec, const std::string& in, std::string* out, ZSTD_DCtx* dctx) {
  if (codec == 0) {
    LZ4_decompress_safe(in.data(), out->data(), static_cast<int>(in.size()),
                        static_cast<int>(out->size()));
  } else {
    ZSTD_decompressDCtx(dctx, out->data(), out->size(), in.data(), in.size());
  }
}

void BM_Compress(benchmark::State& state) {
  int codec = static_cast<int>(state.range(0));
  std::string in = Payload(static_cast<int>(state.range(1)), state.range(2));
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  size_t compressed = 0;
  for (auto _ : state) {
    std::string out = Compress(codec, in, cctx);
    compressed = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  ZSTD_freeCCtx(cctx);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.counters["ratio"] = static_cast<double>(in.size()) / static_cast<double>(compressed);
  state.SetLabel(std::string(codec == 0 ? "lz4" : "zstd" + std::to_string(codec - 10)) + "/" +
                 kKindNames[state.range(1)]);
}

void BM_Decompress(benchmark::State& state) {
  int codec = static_cast<int>(state.range(0));
  std::string in = Payload(static_cast<int>(state.range(1)), state.range(2));
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::string packed = Compress(codec, in, cctx);
  std::string out(in.size(), '\0');
  for (auto _ : state) {
    Decompress(codec, packed, &out, dctx);
    benchmark::DoNotOptimize(out.data());
  }
  if (out != in) state.SkipWithError("round trip mismatch");
  ZSTD_freeCCtx(cctx);
  ZSTD_freeDCtx(dctx);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.SetLabel(std::string(codec == 0 ? "lz4" : "zstd" + std::to_string(codec - 10)) + "/" +
                 kKindNames[state.range(1)]);
}

void Args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"codec", "kind", "bytes"});
  for (int codec : {0, 9, 11, 13})
    for (int kind = 0; kind < 4; ++kind)
      for (int bytes : {1024, 4096, 16384, 65536}) b->Args({codec, kind, bytes});
}

BENCHMARK(BM_Compress)->Apply(Args);
BENCHMARK(BM_Decompress)->Apply(Args);

}  // namespace

BENCHMARK_MAIN();
