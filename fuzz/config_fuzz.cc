// libFuzzer target for option parsing: arbitrary names and values through Config::Set, and
// arbitrary text as a TOML config file. Bad input must be an error, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  cachet::Config config;
  std::string error;
  size_t eq = text.find('=');
  if (eq != std::string::npos) config.Set(text.substr(0, eq), text.substr(eq + 1), true, &error);
  char path[] = "/tmp/cachet_config_fuzz_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 0;
  if (write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())) {
    config.LoadToml(path, &error);
  }
  close(fd);
  unlink(path);
  return 0;
}
