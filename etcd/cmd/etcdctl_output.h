// How etcdctl2 prints, byte for byte as etcdctl 2.3 / ETCDCTL_API=2 (etcdctl's
// format.go and error.go, Go's encoding/json and %q): responses in the simple, extended
// and json formats, errors on stderr ("Error:  100: Key not found (/a) [12]"), and the
// exit codes. Writes to the streams it is given; no other I/O.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "agents/etcdclient/result.h"
#include "agents/etcdclient/types.h"

namespace etcd::cmd::ctl {

// etcdctl's exit codes (ctlv2/command/error.go).
enum ExitCode : int {
  kExitSuccess = 0,
  kExitBadArgs = 1,
  kExitBadConnection = 2,
  kExitBadAuth = 3,
  kExitServerError = 4,
  kExitClusterNotHealthy = 5,
};

// printResponseKey: simple prints the value (or "PrevNode.Value: v" for a delete),
// extended the rfc2822-style block, json the Go encoding of the response. Another format
// prints "Unsupported output format: x" on `err`.
void print_response(std::ostream& out, std::ostream& err, const client::Response& response,
                    const std::string& format);

// handleError: "Error:  <error>" on `err` (plus the per-endpoint detail of a cluster
// error); returns `code`.
int report_error(std::ostream& err, int code, const client::Error& error);
// handleError for an error that is only text (e.g. "key required").
int report_error(std::ostream& err, int code, const std::string& message);

// The text Go's client would give for `error` (client::Error::to_string, except that an
// auth/members answer that is not JSON reads as Go's json.Unmarshal failure).
std::string go_error_text(const client::Error& error);

// Go's encoding/json: a string literal (HTML-safe escapes, invalid UTF-8 as \ufffd), a
// node and a response as etcd's client marshals them.
std::string go_json_string(std::string_view text);
std::string go_json_node(const client::Node& node);
std::string go_json_response(const client::Response& response);
// Go's %q (strconv.Quote).
std::string go_quote(std::string_view text);
// Go's json.Unmarshal syntax error for a body that is not JSON ("invalid character 'p'
// after top-level value"), or "" when `body` is valid JSON.
std::string go_json_syntax_error(std::string_view body);

// Go's text/tabwriter as urfave/cli's help uses it (minwidth 1, tabwidth 8, padding 2,
// padchar ' ', no flags): every tab-terminated cell is padded to the widest cell of its
// column over the run of adjacent lines that have that column; the text after a line's
// last tab is not aligned.
std::string go_tabwriter(std::string_view text);

}  // namespace etcd::cmd::ctl
