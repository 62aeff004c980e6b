// http-parser callbacks assembling HttpRequests under the size limits.
#include "http/request_parser.h"

#include <algorithm>
#include <cctype>

namespace cachet {
namespace {

HttpRequestParser* Self(http_parser* p) { return static_cast<HttpRequestParser*>(p->data); }

}  // namespace

HttpRequestParser::HttpRequestParser(const HttpLimits& limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = OnMessageBegin;
  settings_.on_url = OnUrl;
  settings_.on_header_field = OnHeaderField;
  settings_.on_header_value = OnHeaderValue;
  settings_.on_headers_complete = OnHeadersComplete;
  settings_.on_body = OnBody;
  settings_.on_message_complete = OnMessageComplete;
}

int HttpRequestParser::Feed(std::string_view data, std::vector<HttpRequest>* done) {
  if (status_ != 0) return status_;
  done_ = done;
  size_t parsed = http_parser_execute(&parser_, &settings_, data.data(), data.size());
  done_ = nullptr;
  if (status_ != 0) return status_;
  if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK || parsed != data.size()) {
    auto err = HTTP_PARSER_ERRNO(&parser_);
    status_ = err == HPE_HEADER_OVERFLOW ? 431 : 400;
    error_ = std::string("malformed request: ") + http_errno_description(err);
    return status_;
  }
  return 0;
}

bool HttpRequestParser::ChargeHead(size_t len) {
  head_bytes_ += len;
  if (head_bytes_ <= limits_.max_header) return true;
  status_ = 431;
  error_ = "request line and headers exceed " + std::to_string(limits_.max_header) + " bytes";
  return false;
}

void HttpRequestParser::StoreHeader() {
  if (field_.empty()) return;
  std::transform(field_.begin(), field_.end(), field_.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  auto [it, inserted] = current_.headers.emplace(field_, value_);
  if (!inserted) it->second += ", " + value_;
  field_.clear();
  value_.clear();
}

int HttpRequestParser::OnMessageBegin(http_parser* p) {
  HttpRequestParser* self = Self(p);
  self->current_ = HttpRequest();
  self->url_.clear();
  self->field_.clear();
  self->value_.clear();
  self->in_value_ = false;
  self->head_bytes_ = 0;
  self->in_request_ = true;
  return 0;
}

int HttpRequestParser::OnUrl(http_parser* p, const char* at, size_t len) {
  HttpRequestParser* self = Self(p);
  if (!self->ChargeHead(len)) return 1;
  self->url_.append(at, len);
  return 0;
}

int HttpRequestParser::OnHeaderField(http_parser* p, const char* at, size_t len) {
  HttpRequestParser* self = Self(p);
  if (!self->ChargeHead(len)) return 1;
  if (self->in_value_) {
    self->StoreHeader();
    self->in_value_ = false;
  }
  self->field_.append(at, len);
  return 0;
}

int HttpRequestParser::OnHeaderValue(http_parser* p, const char* at, size_t len) {
  HttpRequestParser* self = Self(p);
  if (!self->ChargeHead(len)) return 1;
  self->in_value_ = true;
  self->value_.append(at, len);
  return 0;
}

int HttpRequestParser::OnHeadersComplete(http_parser* p) {
  HttpRequestParser* self = Self(p);
  if (self->in_value_) self->StoreHeader();
  HttpRequest& r = self->current_;
  r.method = http_method_str(static_cast<http_method>(p->method));
  size_t q = self->url_.find('?');
  r.path = self->url_.substr(0, q);
  if (q != std::string::npos) r.query = self->url_.substr(q + 1);
  if (p->http_major != 1) {
    self->status_ = 400;
    self->error_ = "unsupported HTTP version (HTTP/1.0 and HTTP/1.1 are served)";
    return -1;  // an error: 1 would mean "no body" and run the request
  }
  // A declared body larger than the limit is refused before any of it is read.
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > self->limits_.max_body) {
    self->status_ = 413;
    self->error_ = "body exceeds " + std::to_string(self->limits_.max_body) + " bytes";
    return -1;  // an error: 1 would mean "no body" and run the request
  }
  return 0;
}

int HttpRequestParser::OnBody(http_parser* p, const char* at, size_t len) {
  HttpRequestParser* self = Self(p);
  if (self->current_.body.size() + len > self->limits_.max_body) {  // chunked bodies
    self->status_ = 413;
    self->error_ = "body exceeds " + std::to_string(self->limits_.max_body) + " bytes";
    return 1;
  }
  self->current_.body.append(at, len);
  return 0;
}

int HttpRequestParser::OnMessageComplete(http_parser* p) {
  HttpRequestParser* self = Self(p);
  self->current_.keep_alive = http_should_keep_alive(p) != 0;
  self->done_->push_back(std::move(self->current_));
  self->current_ = HttpRequest();
  self->in_request_ = false;
  return 0;
}

}  // namespace cachet
