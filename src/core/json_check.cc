// JSON object validation through a SAX handler that only counts depth.
#include "core/json_check.h"

#include <nlohmann/json.hpp>

namespace cachet {
namespace {

using json = nlohmann::json;

class DepthCheck : public nlohmann::json_sax<json> {
 public:
  explicit DepthCheck(int max_depth) : max_depth_(max_depth) {}

  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool string(string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }
  bool key(string_t&) override { return true; }
  bool start_object(std::size_t) override { return Open(true); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(false); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at ..." -> "parse error at ..."
    size_t bracket = what.find("] ");
    detail_ = bracket == std::string::npos ? what : what.substr(bracket + 2);
    if (result_ == JsonCheck::kObject) result_ = JsonCheck::kInvalid;
    return false;
  }

  JsonCheck result() const { return result_; }
  const std::string& detail() const { return detail_; }

 private:
  bool Value() {
    if (depth_ == 0) return NotAnObject();
    return true;
  }
  bool Open(bool object) {
    if (depth_ == 0 && !object) return NotAnObject();
    if (++depth_ > max_depth_) {
      result_ = JsonCheck::kTooDeep;
      return false;
    }
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  bool NotAnObject() {
    result_ = JsonCheck::kNotAnObject;
    return false;
  }

  int max_depth_;
  int depth_ = 0;
  JsonCheck result_ = JsonCheck::kObject;
  std::string detail_;
};

}  // namespace

JsonCheck CheckJsonObject(std::string_view text, std::string* detail, int max_depth) {
  DepthCheck check(max_depth);
  if (json::sax_parse(text.begin(), text.end(), &check, json::input_format_t::json, true, false)) {
    return JsonCheck::kObject;
  }
  if (check.result() == JsonCheck::kInvalid) *detail = check.detail();
  return check.result() == JsonCheck::kObject ? JsonCheck::kInvalid : check.result();
}

}  // namespace cachet
