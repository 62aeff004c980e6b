// Allocator statistics through jemalloc's mallctl when present (weak symbol), else mallinfo2.
#include "engine/allocator_stats.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace cachet {

AllocatorStats ReadAllocatorStats() {
  AllocatorStats stats;
  if (mallctl != nullptr) {
    uint64_t epoch = 1;
    size_t len = sizeof(epoch);
    mallctl("epoch", &epoch, &len, &epoch, len);
    size_t value = 0;
    len = sizeof(value);
    if (mallctl("stats.allocated", &value, &len, nullptr, 0) == 0) stats.allocated = value;
    len = sizeof(value);
    if (mallctl("stats.resident", &value, &len, nullptr, 0) == 0) stats.resident = value;
    const char* version = nullptr;
    len = sizeof(version);
    if (mallctl("version", &version, &len, nullptr, 0) == 0 && version != nullptr) {
      stats.name = std::string("jemalloc-") + version;
      size_t dash = stats.name.find('-', 9);
      if (dash != std::string::npos) stats.name.resize(dash);
    } else {
      stats.name = "jemalloc";
    }
    return stats;
  }
  struct mallinfo2 info = mallinfo2();
  stats.allocated = static_cast<int64_t>(info.uordblks + info.hblkhd);
  stats.name = "libc";
  return stats;
}

void FlushThreadCache() {
  if (mallctl != nullptr) mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
}

int64_t ProcessRssBytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages_total = 0, pages_resident = 0;
  int n = fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  fclose(f);
  if (n != 2) return 0;
  return static_cast<int64_t>(pages_resident) * sysconf(_SC_PAGESIZE);
}

}  // namespace cachet
