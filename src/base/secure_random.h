// SecureRandomBytes: bytes from the kernel's CSPRNG (getrandom(2)), for session ids and
// anything else an attacker must not guess, drawn from a per-thread page of kernel output so
// that small requests cost no system call. Never falls back to a weaker source: if the kernel
// cannot deliver, the process aborts rather than hand out a guessable id.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace cachet {

void SecureRandomBytes(void* out, size_t n);

// n random bytes as unpadded base64url text (A-Z a-z 0-9 - _): 4 characters per 3 bytes.
std::string SecureRandomToken(size_t n);

}  // namespace cachet
