// ReplyBuilder: writes RESP2 or RESP3 replies into a connection's output buffer. Commands
// describe replies by meaning (null, map, set, double, bool); the builder picks the wire form
// for the protocol the client negotiated with HELLO. Thread-safety: one per connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cachet {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out) : out_(out) {}

  int protocol() const { return protocol_; }
  void set_protocol(int version) { protocol_ = version; }
  bool resp3() const { return protocol_ == 3; }
  std::string* buffer() { return out_; }

  void SimpleString(std::string_view s);
  void Ok() { out_->append("+OK\r\n"); }
  // Error text without the leading '-'; "ERR " is added unless it starts with a code such as
  // "WRONGTYPE" (that is, the caller passes the full text after '-').
  void Error(std::string_view message);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // $-1 in RESP2, _ in RESP3
  void NullArray();  // *-1 in RESP2, _ in RESP3
  void ArrayHeader(size_t n);
  void MapHeader(size_t pairs);       // RESP2: flat array of 2n
  void SetHeader(size_t n);           // RESP2: array
  void PushHeader(size_t n);          // RESP2: array
  void Double(double d);              // RESP2: bulk string
  void Bool(bool b);                  // RESP2: integer 0/1
  void Verbatim(std::string_view s);  // RESP3 "=...txt:"; RESP2 bulk
  void Raw(std::string_view bytes) { out_->append(bytes); }

  // How many error replies were written (for INFO's errorstats-like counters).
  uint64_t errors() const { return errors_; }

 private:
  void Header(char type, int64_t n);

  std::string* out_;
  int protocol_ = 2;
  uint64_t errors_ = 0;
};

// Redis's textual form of a double in replies ("%.17g", "inf", "-inf").
std::string FormatDouble(double d);

}  // namespace cachet
