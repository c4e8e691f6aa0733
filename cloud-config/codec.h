// Decoding write_files content and user-data: base64 (RFC 4648 with padding; CR and LF are
// skipped, as Go's decoder does) and gzip (zlib), bounded so a small bomb cannot fill memory.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace corestack::cloudinit {

inline constexpr size_t kMaxDecodedSize = 64u << 20;  // 64 MiB

std::optional<std::string> base64_decode(std::string_view text);
std::optional<std::string> gunzip(std::string_view data, size_t limit = kMaxDecodedSize);
bool is_gzip(std::string_view data);  // starts with 1f 8b

// `encoding` as write_files takes it: "" (none), b64/base64, gz/gzip, gz+b64 and the other
// spellings (reference §2.8). Nothing for an unknown encoding or undecodable content.
std::optional<std::string> decode_content(std::string_view encoding, std::string_view content);

}  // namespace corestack::cloudinit
