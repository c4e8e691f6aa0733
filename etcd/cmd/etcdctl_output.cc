#include "etcd/cmd/etcdctl_output.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

#include "etcd/api/v2_json.h"

namespace etcd::cmd::ctl {
namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 when it is not valid.
size_t utf8_length(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xC2) return 0;  // overlong
  return n;
}

// time.Time.MarshalJSON (RFC 3339 with nanoseconds, trailing zeros trimmed) of an
// expiration the server sent as RFC 3339.
std::string go_time(const std::string& rfc3339) {
  const auto dot = rfc3339.find('.');
  if (dot == std::string::npos) return rfc3339;
  size_t end = dot + 1;
  while (end < rfc3339.size() && std::isdigit(static_cast<unsigned char>(rfc3339[end])))
    ++end;
  std::string fraction = rfc3339.substr(dot + 1, end - dot - 1);
  while (!fraction.empty() && fraction.back() == '0')
    fraction.pop_back();
  return rfc3339.substr(0, dot) + (fraction.empty() ? "" : "." + fraction) + rfc3339.substr(end);
}

void print_extended(std::ostream& out, const client::Response& r) {
  out << "Key: " << r.node.key << "\n";
  out << "Created-Index: " << r.node.created_index << "\n";
  out << "Modified-Index: " << r.node.modified_index << "\n";
  if (r.prev_node) out << "PrevNode.Value: " << r.prev_node->value << "\n";
  out << "TTL: " << r.node.ttl << "\n";
  out << "Index: " << r.etcd_index << "\n";
  if (r.action != "delete") out << "\n" << r.node.value << "\n";
}

// Go quoteChar for json syntax errors.
std::string quote_char(char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  std::string q = go_quote(std::string(1, c));
  return "'" + q.substr(1, q.size() - 2) + "'";
}

}  // namespace

std::string go_json_string(std::string_view text) {
  // The server's renderer escapes exactly as Go's encoding/json does.
  std::string out;
  api::append_json_string(out, text);
  return out;
}

std::string go_json_node(const client::Node& n) {
  std::string out = "{\"key\":" + go_json_string(n.key);
  if (n.dir) out += ",\"dir\":true";
  out += ",\"value\":" + go_json_string(n.value) + ",\"nodes\":";
  if (n.nodes.empty()) {
    out += "null";
  } else {
    out += "[";
    for (size_t i = 0; i < n.nodes.size(); ++i)
      out += (i ? "," : "") + go_json_node(n.nodes[i]);
    out += "]";
  }
  out += ",\"createdIndex\":" + std::to_string(n.created_index);
  out += ",\"modifiedIndex\":" + std::to_string(n.modified_index);
  if (n.expiration) out += ",\"expiration\":" + go_json_string(go_time(*n.expiration));
  if (n.ttl != 0) out += ",\"ttl\":" + std::to_string(n.ttl);
  return out + "}";
}

std::string go_json_response(const client::Response& r) {
  return "{\"action\":" + go_json_string(r.action) + ",\"node\":" + go_json_node(r.node) +
         ",\"prevNode\":" + (r.prev_node ? go_json_node(*r.prev_node) : "null") + "}";
}

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = utf8_length(text, i);
    char buf[8];
    if (n > 1) {
      out += text.substr(i, n);
      i += n;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out + "\"";
}

std::string go_json_syntax_error(std::string_view body) {
  if (nlohmann::json::accept(body)) return "";
  size_t i = 0;
  auto skip_space = [&] {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i])))
      ++i;
  };
  skip_space();
  if (i == body.size()) return "unexpected end of JSON input";
  const char first = body[i];
  if (first == '-' || std::isdigit(static_cast<unsigned char>(first))) {
    while (i < body.size() && (std::isdigit(static_cast<unsigned char>(body[i])) ||
                               std::string_view(".eE+-").find(body[i]) != std::string_view::npos)) {
      ++i;
    }
    skip_space();
    if (i < body.size())
      return "invalid character " + quote_char(body[i]) + " after top-level value";
    return "unexpected end of JSON input";
  }
  if (std::string_view("{[\"tfn").find(first) == std::string_view::npos) {
    return "invalid character " + quote_char(first) + " looking for beginning of value";
  }
  return "unexpected end of JSON input";
}

void print_response(std::ostream& out, std::ostream& err, const client::Response& r,
                    const std::string& format) {
  if (format == "simple") {
    if (r.action != "delete") {
      out << r.node.value << "\n";
    } else {
      out << "PrevNode.Value: " << (r.prev_node ? r.prev_node->value : "") << "\n";
    }
  } else if (format == "extended") {
    print_extended(out, r);
  } else if (format == "json") {
    out << go_json_response(r) << "\n";
  } else {
    err << "Unsupported output format: " << format << "\n";
  }
}

std::string go_error_text(const client::Error& error) {
  if (error.kind == client::ErrorKind::http && error.message.empty()) {
    const std::string syntax = go_json_syntax_error(error.body);
    if (!syntax.empty()) return syntax;
  }
  return error.to_string();
}

int report_error(std::ostream& err, int code, const client::Error& error) {
  err << "Error:  " << go_error_text(error) << "\n";
  if (error.kind == client::ErrorKind::transport) {
    for (size_t i = 0; i < error.endpoint_errors.size(); ++i) {
      err << "error #" << i << ": " << error.endpoint_errors[i].message << "\n";
    }
    err << "\n";
  }
  return code;
}

int report_error(std::ostream& err, int code, const std::string& message) {
  err << "Error:  " << message << "\n";
  return code;
}

namespace {

using Cells = std::vector<std::string>;

size_t rune_count(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text)
    n += (c & 0xC0) != 0x80;
  return n;
}

// tabwriter.format: lines [first, last) at column depth widths.size().
void tab_format(const std::vector<Cells>& lines, size_t first, size_t last,
                std::vector<size_t>& widths, std::string& out) {
  const size_t column = widths.size();
  auto print = [&](size_t from, size_t to) {
    for (size_t l = from; l < to; ++l) {
      for (size_t j = 0; j < lines[l].size(); ++j) {
        out += lines[l][j];
        if (j < widths.size()) out.append(widths[j] - rune_count(lines[l][j]), ' ');
      }
      out += "\n";
    }
  };
  for (size_t row = first; row < last; ++row) {
    if (column + 1 >= lines[row].size()) continue;
    print(first, row);  // the lines before this column's block
    first = row;
    size_t width = 1;  // minwidth
    for (; row < last && column + 1 < lines[row].size(); ++row) {
      width = std::max(width, rune_count(lines[row][column]) + 2);  // padding
    }
    widths.push_back(width);
    tab_format(lines, first, row, widths, out);
    widths.pop_back();
    first = row;
    --row;  // the loop's ++row revisits the line that ended the block
  }
  print(first, last);
}

}  // namespace

std::string go_tabwriter(std::string_view text) {
  std::vector<Cells> lines;
  const bool trailing_newline = !text.empty() && text.back() == '\n';
  std::string_view rest = trailing_newline ? text.substr(0, text.size() - 1) : text;
  while (true) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    Cells cells;
    for (size_t tab; (tab = line.find('\t')) != std::string_view::npos;) {
      cells.emplace_back(line.substr(0, tab));
      line.remove_prefix(tab + 1);
    }
    cells.emplace_back(line);
    lines.push_back(std::move(cells));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  std::vector<size_t> widths;
  std::string out;
  tab_format(lines, 0, lines.size(), widths, out);
  if (!trailing_newline) out.pop_back();
  return out;
}

}  // namespace etcd::cmd::ctl
