// The internal client and the RESP3 reply decoder.
#include "admin/command_runner.h"

#include "base/numbers.h"
#include "commands/client_registry.h"
#include "commands/dispatcher.h"
#include "resp/reply_builder.h"

namespace cachet {
namespace {

class Decoder {
 public:
  explicit Decoder(std::string_view s) : s_(s) {}

  bool Value(RespValue* out, int depth) {
    if (depth > 32 || pos_ >= s_.size()) return false;
    char type = s_[pos_++];
    std::string_view line;
    if (!Line(&line)) return false;
    switch (type) {
      case '+':
        return Text(RespValue::kSimple, line, out);
      case '-':
        return Text(RespValue::kError, line, out);
      case ',':
        return Text(RespValue::kDouble, line, out);
      case '_':
        out->type = RespValue::kNull;
        return true;
      case ':':
        out->type = RespValue::kInteger;
        return ParseInt64(line, &out->integer);
      case '#':
        out->type = RespValue::kBool;
        out->integer = line == "t" ? 1 : 0;
        return true;
      case '$':
      case '=':
        return Bulk(line, type == '=', out);
      case '*':
      case '~':
      case '%':
        return Aggregate(type, line, out, depth);
      default:
        return false;
    }
  }

 private:
  bool Line(std::string_view* line) {
    size_t end = s_.find("\r\n", pos_);
    if (end == std::string_view::npos) return false;
    *line = s_.substr(pos_, end - pos_);
    pos_ = end + 2;
    return true;
  }
  static bool Text(RespValue::Type type, std::string_view line, RespValue* out) {
    out->type = type;
    out->str = std::string(line);
    return true;
  }
  bool Bulk(std::string_view line, bool verbatim, RespValue* out) {
    int64_t len;
    if (!ParseInt64(line, &len)) return false;
    if (len < 0) {
      out->type = RespValue::kNull;
      return true;
    }
    if (s_.size() - pos_ < static_cast<size_t>(len) + 2) return false;
    out->type = RespValue::kBulk;
    std::string_view body = s_.substr(pos_, static_cast<size_t>(len));
    if (verbatim && body.size() >= 4) body.remove_prefix(4);  // "txt:"
    out->str = std::string(body);
    pos_ += static_cast<size_t>(len) + 2;
    return true;
  }
  bool Aggregate(char type, std::string_view line, RespValue* out, int depth) {
    int64_t n;
    if (!ParseInt64(line, &n)) return false;
    if (n < 0) {
      out->type = RespValue::kNull;
      return true;
    }
    out->type = type == '%' ? RespValue::kMap : type == '~' ? RespValue::kSet : RespValue::kArray;
    size_t count = static_cast<size_t>(n) * (type == '%' ? 2 : 1);
    if (count > s_.size()) return false;  // each element takes at least one byte
    out->elements.resize(count);
    for (RespValue& e : out->elements) {
      if (!Value(&e, depth + 1)) return false;
    }
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

const RespValue* RespValue::Find(std::string_view key) const {
  if (type != kMap) return nullptr;
  for (size_t i = 0; i + 1 < elements.size(); i += 2) {
    if (elements[i].str == key) return &elements[i + 1];
  }
  return nullptr;
}

bool DecodeResp(std::string_view bytes, RespValue* out) {
  Decoder d(bytes);
  return d.Value(out, 0);
}

CommandRunner::CommandRunner(ServerContext* server) : server_(server) {
  client_.authenticated = true;
  client_.id = 0;
  info_.addr = "http";
  client_.info = &info_;
}

RespValue CommandRunner::Run(const std::vector<std::string>& args, int db) {
  std::vector<std::string_view> views(args.begin(), args.end());
  std::string out;
  ReplyBuilder reply(&out);
  reply.set_protocol(3);
  client_.db = db;
  Dispatch(*server_, client_, reply, views);
  RespValue value;
  if (!DecodeResp(out, &value)) {
    value.type = RespValue::kError;
    value.str = "ERR internal: undecodable reply";
  }
  return value;
}

}  // namespace cachet
