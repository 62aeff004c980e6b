// OpStatus and Result<T>: how errors cross layer boundaries (no exceptions across layers).
// Thread-safety: value types, no shared state.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace cachet {

// Every failure an engine or layer operation can report. Mapped to RESP errors in one place
// (commands/errors.h).
enum class OpStatus {
  kOk,
  kKeyNotFound,
  kWrongType,
  kNotAnInteger,
  kNotAFloat,
  kOutOfRange,
  kOverflow,
  kSyntaxError,
  kOutOfMemory,
  kInvalidExpireTime,
  kNaNOrInfinity,
  kStringTooLong,
  kSessionLimit,  // the user has session-max-per-user sessions and the policy refuses
  kSkipped,       // condition not met (NX/XX and friends): not an error, nothing done
};

// Either a value of T or a non-Ok OpStatus.
template <typename T>
class Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(runtime/explicit)
  Result(OpStatus status) : data_(status) { assert(status != OpStatus::kOk); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(data_); }
  OpStatus status() const { return ok() ? OpStatus::kOk : std::get<OpStatus>(data_); }
  T& value() { return std::get<T>(data_); }
  const T& value() const { return std::get<T>(data_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, OpStatus> data_;
};

}  // namespace cachet
