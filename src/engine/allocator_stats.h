// What the memory allocator reports as allocated and resident (jemalloc when the server links
// it, glibc's mallinfo2 otherwise). Thread-safe; each call costs a few microseconds.
#pragma once

#include <cstdint>
#include <string>

namespace cachet {

struct AllocatorStats {
  int64_t allocated = 0;  // bytes handed out to the program
  int64_t resident = 0;   // bytes the allocator keeps resident (0 if unknown)
  std::string name;       // "jemalloc-5.3.0" or "libc"
};

AllocatorStats ReadAllocatorStats();
// Returns the calling thread's cached free blocks to the allocator (jemalloc's tcache), so a
// thread that freed much (a big invalidation) does not keep them counted as allocated.
void FlushThreadCache();
// Resident set size of this process from /proc/self/statm.
int64_t ProcessRssBytes();

}  // namespace cachet
