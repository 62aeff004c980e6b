// Every error text cachet replies with, in one place. Texts of Redis errors match Redis 7.0
// byte for byte, because client libraries parse them.
#pragma once

#include "base/status.h"

namespace cachet::errors {

inline constexpr char kSyntax[] = "ERR syntax error";
inline constexpr char kWrongType[] =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr char kNotInteger[] = "ERR value is not an integer or out of range";
inline constexpr char kNotFloat[] = "ERR value is not a valid float";
inline constexpr char kOverflow[] = "ERR increment or decrement would overflow";
inline constexpr char kDecrOverflow[] = "ERR decrement would overflow";
inline constexpr char kNaNOrInfinity[] = "ERR increment would produce NaN or Infinity";
inline constexpr char kNoSuchKey[] = "ERR no such key";
inline constexpr char kOutOfMemory[] = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr char kNoAuth[] = "NOAUTH Authentication required.";
inline constexpr char kWrongPass[] =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr char kAuthNotConfigured[] =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
inline constexpr char kDbIndexOutOfRange[] = "ERR DB index is out of range";
inline constexpr char kInvalidDbIndex[] = "ERR invalid DB index";
inline constexpr char kStringTooLong[] =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr char kOffsetOutOfRange[] = "ERR offset is out of range";
inline constexpr char kLcsNotStrings[] = "ERR The specified keys must contain string values";
inline constexpr char kLcsLenAndIdx[] =
    "ERR If you want both the length and indexes, please just use IDX.";
inline constexpr char kLcsTooLong[] = "ERR String too long for LCS";
inline constexpr char kLcsTooMuchMemory[] =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
inline constexpr char kInvalidCursor[] = "ERR invalid cursor";
inline constexpr char kMaxClients[] = "ERR max number of clients reached";
inline constexpr char kSameObject[] = "ERR source and destination objects are the same";
inline constexpr char kNoProto[] = "NOPROTO unsupported protocol version";
// HRANDFIELD / SRANDMEMBER / ZRANDMEMBER counts: LLONG_MIN, then counts whose reply (two
// entries per element) would overflow.
inline constexpr char kRandomCountRange[] =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";
inline constexpr char kValueOutOfRange[] = "ERR value is out of range";
inline constexpr char kTimeoutNegative[] = "ERR timeout is negative";

// Sessions (docs/sessions.md).
inline constexpr char kSessionLimit[] = "SESSIONLIMIT user has reached session-max-per-user";
inline constexpr char kSessionDataNotObject[] = "ERR session data must be a JSON object";
inline constexpr char kSessionDataInvalid[] = "ERR session data is not valid JSON: ";  // + reason
inline constexpr char kSessionDataTooDeep[] = "ERR session data is nested deeper than 64 levels";
inline constexpr char kSessionDataTooLarge[] =
    "ERR session data is larger than session-max-data-size";
inline constexpr char kSessionUserEmpty[] = "ERR session user must not be empty";
inline constexpr char kSessionFieldTooLong[] = "ERR session user, IP or user agent is too long";
inline constexpr char kSessionBadTtl[] = "ERR invalid session TTL";
inline constexpr char kSessionBadBind[] = "ERR BIND must be NONE, IP, UA or BOTH";
inline constexpr char kSessionBindNeedsValue[] =
    "ERR a session bound to IP or UA needs the IP or UA it is bound to";

// Warming (docs/warming.md). The texts ending in ": " are followed by the file and reason.
inline constexpr char kWarmUnavailable[] = "ERR warming is not available in this context";
inline constexpr char kWarmCannotOpen[] = "ERR cannot open warm file ";
inline constexpr char kWarmNotWarmFile[] = "ERR not a warm file or snapshot: ";
inline constexpr char kWarmRunning[] =
    "ERR a warm load is already running (see WARM STATUS, stop it with WARM CANCEL)";
inline constexpr char kWarmPathRefused[] =
    "ERR warm file path must be relative to dir and must not contain '..' "
    "(warm-allow-outside-dir yes allows any path)";
inline constexpr char kWarmNoDefaultFile[] = "ERR warm-file is not set: name a file";
inline constexpr char kWarmBadBatch[] = "ERR BATCH must be between 1 and 1000000";
inline constexpr char kWarmBadPause[] = "ERR PAUSE must be between 0 and 60000 milliseconds";
inline constexpr char kWarmSaveFailed[] = "ERR cannot write warm file: ";
inline constexpr char kWarmIsSnapshot[] =
    "ERR the warm file must not be the snapshot file (dbfilename)";
inline constexpr char kWarmBadRecord[] = "ERR invalid WARM.RESTORE record";
// Leases (docs/leases.md).
inline constexpr char kLeaseInvalid[] =
    "LEASE token is not valid (expired, voided by a write, or already used)";
inline constexpr char kLeaseBadWait[] = "ERR WAIT must be a number of milliseconds >= 0";
inline constexpr char kLeaseBadLease[] = "ERR LEASE must be a number of milliseconds >= 1";

// Maps an OpStatus to its reply text ("" for kOk / kSkipped / kKeyNotFound, which are not
// errors by themselves).
const char* ErrorText(OpStatus status);

// Tags and invalidation (docs/tags.md, docs/invalidation.md).
inline constexpr char kTooManyTags[] = "ERR a key can carry at most 64 tags";
inline constexpr char kTagsNeedOne[] = "ERR TAGS needs at least one tag";
inline constexpr char kEmptyTag[] = "ERR a tag must not be empty";
inline constexpr char kEventFieldsOdd[] =
    "ERR INVALIDATE EVENT takes the event name and then field value pairs";
inline constexpr char kNoSuchRule[] = "ERR no [[rule]] handles this event";

}  // namespace cachet::errors
