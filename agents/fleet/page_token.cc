#include "agents/fleet/page_token.h"

#include <array>

namespace corestack::fleet {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) {
  std::size_t i = kAlphabet.find(c);
  return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

std::string corrupt(std::size_t offset) {
  return "illegal base64 data at input byte " + std::to_string(offset);
}

bool is_newline(char c) {
  return c == '\n' || c == '\r';
}

// After padding only newlines may follow (Go's decodeQuantum).
Expected<void, std::string> check_padding(std::string_view src, std::size_t& si, std::size_t j) {
  if (j < 2) return unexpected(corrupt(si - 1));
  if (j == 2) {
    while (si < src.size() && is_newline(src[si]))
      ++si;
    if (si == src.size()) return unexpected(corrupt(src.size()));
    if (src[si] != '=') return unexpected(corrupt(si - 1));
    ++si;
  }
  while (si < src.size() && is_newline(src[si]))
    ++si;
  if (si < src.size()) return unexpected(corrupt(si));
  return {};
}

// base64.URLEncoding.DecodeString: padded, newlines skipped, Go's error offsets.
Expected<std::string, std::string> base64url_decode(std::string_view src) {
  std::string out;
  std::size_t si = 0;
  for (;;) {
    std::array<int, 4> quantum{};
    std::size_t len = 4;
    for (std::size_t j = 0; j < 4; ++j) {
      if (si == src.size()) {
        if (j == 0) return out;
        return unexpected(corrupt(si - j));
      }
      char in = src[si++];
      if (int v = decode_char(in); v >= 0) {
        quantum[j] = v;
        continue;
      }
      if (is_newline(in)) {
        --j;
        continue;
      }
      if (in != '=') return unexpected(corrupt(si - 1));
      if (auto ok = check_padding(src, si, j); !ok) return unexpected(ok.error());
      len = j;
      break;
    }
    unsigned val =
        static_cast<unsigned>(quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3]);
    for (std::size_t k = 0; k + 1 < len; ++k)
      out += static_cast<char>((val >> (16 - 8 * k)) & 0xff);
    if (len < 4) return out;
  }
}

std::string base64url_encode(const std::array<std::uint8_t, 4>& bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    unsigned val = static_cast<unsigned>(bytes[i]) << 16;
    if (n > 1) val |= static_cast<unsigned>(bytes[i + 1]) << 8;
    if (n > 2) val |= bytes[i + 2];
    for (std::size_t k = 0; k < 4; ++k) {
      out += k <= n ? kAlphabet[(val >> (18 - 6 * k)) & 0x3f] : '=';
    }
  }
  return out;
}

}  // namespace

std::string PageToken::encode() const {
  return base64url_encode(
      {static_cast<std::uint8_t>(limit & 0xff), static_cast<std::uint8_t>(limit >> 8),
       static_cast<std::uint8_t>(page & 0xff), static_cast<std::uint8_t>(page >> 8)});
}

Expected<PageToken, std::string> decode_page_token(std::string_view value,
                                                   std::uint16_t token_limit) {
  auto bytes = base64url_decode(value);
  if (!bytes) return unexpected(bytes.error());
  // binary.Read of a 4-byte struct: io.EOF when empty, io.ErrUnexpectedEOF when short; extra
  // bytes are ignored.
  if (bytes->empty()) return unexpected(std::string("EOF"));
  if (bytes->size() < 4) return unexpected(std::string("unexpected EOF"));
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>((*bytes)[i]));
  };
  PageToken token{static_cast<std::uint16_t>(byte(0) | byte(1) << 8),
                  static_cast<std::uint16_t>(byte(2) | byte(3) << 8)};
  if (token.limit != token_limit) {
    return unexpected("token limit must be " + std::to_string(token_limit));
  }
  if (token.page == 0) return unexpected(std::string("token page must be greater than zero"));
  return token;
}

Expected<PageToken, std::string> page_token_from_query(const std::vector<std::string>& values,
                                                       std::uint16_t token_limit) {
  if (values.size() > 1) return unexpected(std::string("too many values for page token"));
  if (values.empty()) return default_page_token(token_limit);
  return decode_page_token(values.front(), token_limit);
}

PageRange page_range(std::size_t total, const PageToken& token) {
  std::size_t begin = static_cast<std::size_t>(token.page - 1) * token.limit;
  std::size_t stop = static_cast<std::size_t>(token.page) * token.limit;
  if (begin >= total) return PageRange{};
  if (stop > total) return PageRange{begin, total, std::nullopt};
  return PageRange{begin, stop, token.next()};
}

}  // namespace corestack::fleet
