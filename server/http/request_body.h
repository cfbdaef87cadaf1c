// GrowingStringBody: a Beast Body for request bodies that grows with the bytes actually received.
//
// Beast's string_body reserves the whole Content-Length as soon as the header is parsed, so a
// client that declares 64 MiB and then stalls would make the server allocate 64 MiB per
// connection for free. This body starts at min(Content-Length, kInitialReserve) and doubles,
// never beyond the declared Content-Length, so memory follows received bytes (at most 2x).
// The limit itself is the parser's body_limit; this type only decides allocation.
//
// Thread-safety: a reader belongs to one parser on one connection.
// Ownership: the body is a std::string owned by the message.
// Errors: put() fails with buffer_overflow only if the string's max_size would be exceeded.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

namespace ei::server {

struct GrowingStringBody {
  using value_type = std::string;

  static constexpr std::size_t kInitialReserve = 64 * 1024;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    explicit reader(boost::beast::http::header<isRequest, Fields>& /*header*/, value_type& body)
        : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      ec = {};
      if (length) {
        if (*length > body_.max_size()) {
          ec = boost::beast::http::error::buffer_overflow;
          return;
        }
        declared_ = static_cast<std::size_t>(*length);
        body_.reserve(std::min<std::size_t>(declared_, kInitialReserve));
      } else {
        body_.reserve(kInitialReserve);
      }
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      ec = {};
      const std::size_t extra = boost::asio::buffer_size(buffers);
      const std::size_t size = body_.size();
      if (extra > body_.max_size() - size) {
        ec = boost::beast::http::error::buffer_overflow;
        return 0;
      }
      const std::size_t needed = size + extra;
      if (needed > body_.capacity()) {
        std::size_t next = std::max(needed, body_.capacity() * 2);
        if (declared_ != 0) next = std::max(needed, std::min(next, declared_));
        body_.reserve(next);
      }
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        const boost::asio::const_buffer b(*it);
        body_.append(static_cast<const char*>(b.data()), b.size());
      }
      return extra;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
    std::size_t declared_ = 0;  // Content-Length, 0 when absent (chunked)
  };
};

}  // namespace ei::server
