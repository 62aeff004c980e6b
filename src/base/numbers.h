// Number parsing and formatting with Redis's exact rules (what is "an integer", how a float
// result prints). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cachet {

// Strict decimal int64: optional '-', no '+', no spaces, no leading zeros, no "-0", no overflow.
bool ParseInt64(std::string_view s, int64_t* out);

// A long double as Redis accepts it for INCRBYFLOAT: strtold over the whole string, no leading
// space, no NaN, no overflow; "inf" is accepted.
bool ParseLongDouble(std::string_view s, long double* out);

// A double as Redis accepts it for scores and timeouts ("inf", "-inf", "+inf" allowed; no NaN).
bool ParseDouble(std::string_view s, double* out);

// "%.17Lf" with trailing zeros (and a trailing '.') removed; "-0" becomes "0".
std::string FormatLongDoubleHuman(long double value);

// Appends the decimal form of v; returns the number of characters written.
int FormatInt64(int64_t v, char* buf);  // buf needs 21 bytes
std::string Int64ToString(int64_t v);

// The value of a hexadecimal digit (either case), or -1.
inline int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Redis memory sizes: "100", "1k" (1000), "1kb" (1024), "5mb", "2gb" (case-insensitive).
bool ParseMemorySize(std::string_view s, int64_t* out);

}  // namespace cachet
