#include "agents/fleet/fleetctl_ssh.h"

#include <gtest/gtest.h>

#include "agents/fleet/fleetctl_client.h"

namespace corestack::fleet {
namespace {

using Argv = std::vector<std::string>;

TEST(FleetctlSsh, ShellQuote) {
  EXPECT_EQ(shell_quote("foo@1.service"), "foo@1.service");
  EXPECT_EQ(shell_quote("a/b-c_d=e:f,g+h%i"), "a/b-c_d=e:f,g+h%i");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$(reboot)"), "'$(reboot)'");
  EXPECT_EQ(shell_quote("a;b|c&d"), "'a;b|c&d'");
  EXPECT_EQ(shell_quote("*"), "'*'");
  EXPECT_EQ(remote_command({"systemctl", "status", "-l", "x y.service"}),
            "systemctl status -l 'x y.service'");
}

TEST(FleetctlSsh, QuotedWordsSurviveARealShell) {
  const Argv words = {"printf", "%s|", "it's", "$HOME", "a  b", "", "\\n", "\"q\""};
  auto out = exchange({"/bin/sh", "-c", remote_command(words)}, "", 5000);
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(*out, "it's|$HOME|a  b||\\n|\"q\"|");
}

TEST(FleetctlSsh, ArgvStrict) {
  SshSettings s;
  s.user = "core";
  s.port = 2222;
  s.timeout_s = 2.5;
  s.known_hosts_file = "/h/.fleetctl/known_hosts";
  EXPECT_EQ(
      ssh_argv(s, "10.0.0.2", "systemctl status -l a.service"),
      (Argv{"ssh", "-p", "2222", "-l", "core", "-o", "ConnectTimeout=3", "-o",
            "StrictHostKeyChecking=accept-new", "-o", "UserKnownHostsFile=/h/.fleetctl/known_hosts",
            "-o", "GlobalKnownHostsFile=/dev/null", "--", "10.0.0.2",
            "systemctl status -l a.service"}));
  s.interactive = true;
  s.tty = true;
  s.forward_agent = true;
  const Argv a = ssh_argv(s, "h", "");
  EXPECT_EQ(a[8], "StrictHostKeyChecking=ask");
  EXPECT_EQ((Argv(a.end() - 4, a.end())), (Argv{"-A", "-t", "--", "h"}));
}

TEST(FleetctlSsh, ArgvNotStrict) {
  SshSettings s;
  s.strict = false;
  s.known_hosts_file = "/k";
  const Argv a = ssh_argv(s, "h", "true");
  EXPECT_EQ(a, (Argv{"ssh", "-p", "22", "-l", "core", "-o", "ConnectTimeout=10", "-o",
                     "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o",
                     "GlobalKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "--", "h", "true"}));
}

TEST(FleetctlSsh, ArgvThroughTunnel) {
  SshSettings s;
  s.user = "root";
  s.known_hosts_file = "/my hosts";
  s.tunnel = "bastion:2200";
  const Argv a = ssh_argv(s, "10.0.0.3", "uptime");
  const Argv tail(a.end() - 5, a.end());
  EXPECT_EQ(tail[0], "-o");
  EXPECT_EQ(tail[1],
            "ProxyCommand=ssh -p 2200 -l root -o ConnectTimeout=10 -o "
            "StrictHostKeyChecking=accept-new -o 'UserKnownHostsFile=/my hosts' -o "
            "GlobalKnownHostsFile=/dev/null -W '[%h]:%p' -- bastion");
  EXPECT_EQ((Argv(tail.begin() + 2, tail.end())), (Argv{"--", "10.0.0.3", "uptime"}));
}

TEST(FleetctlSsh, PipeArgv) {
  SshSettings s;
  s.tunnel = "bastion";
  s.known_hosts_file = "/k";
  const Argv a = ssh_pipe_argv(s, {"10.0.0.1", 8080});
  EXPECT_EQ((Argv(a.end() - 4, a.end())), (Argv{"-W", "10.0.0.1:8080", "--", "bastion"}));
  EXPECT_EQ(a[2], "22");
  EXPECT_EQ(ssh_pipe_argv(s, {"::1", 80})[a.size() - 3], "[::1]:80");
}

TEST(FleetctlSsh, HostPort) {
  auto hp = parse_host_port("bastion");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "bastion");
  EXPECT_EQ(hp->port, 22);
  hp = parse_host_port("10.0.0.1:2222");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->port, 2222);
  hp = parse_host_port("[::1]:2");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 2);
  EXPECT_FALSE(parse_host_port("h:0"));
  EXPECT_FALSE(parse_host_port("h:x"));
  EXPECT_FALSE(parse_host_port("h:"));
  EXPECT_FALSE(parse_host_port(":22"));
  EXPECT_FALSE(parse_host_port("h:70000"));
}

TEST(FleetctlSsh, RemoteCommands) {
  EXPECT_EQ(status_command("a.service"), (Argv{"systemctl", "status", "-l", "a.service"}));
  EXPECT_EQ(restart_command("a.service"), (Argv{"systemctl", "restart", "a.service"}));
  EXPECT_EQ(
      journal_command("a.service", 10, "short", false, false),
      (Argv{"journalctl", "--unit", "a.service", "--no-pager", "-n", "10", "--output", "short"}));
  EXPECT_EQ(journal_command("a.service", 3, "json", true, true),
            (Argv{"sudo", "journalctl", "--unit", "a.service", "--no-pager", "-n", "3", "--output",
                  "json", "-f"}));
}

TEST(FleetctlSsh, HomeAndMismatch) {
  EXPECT_EQ(expand_home("~/.fleetctl/known_hosts", "/root"), "/root/.fleetctl/known_hosts");
  EXPECT_EQ(expand_home("/etc/k", "/root"), "/etc/k");
  EXPECT_EQ(expand_home("~x/k", "/root"), "~x/k");
  EXPECT_TRUE(is_host_key_mismatch(
      "@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key "
      "verification failed.\n"));
  EXPECT_FALSE(is_host_key_mismatch("ssh: connect to host h port 22: Connection refused\n"));
  EXPECT_FALSE(is_host_key_mismatch("Host key verification failed.\n"));
}

TEST(FleetctlSsh, RunCommandPassesExitStatusAndStderr) {
  std::string err;
  EXPECT_EQ(run_command({"/bin/sh", "-c", "echo oops >&2; exit 7"}, &err), 7);
  EXPECT_EQ(err, "oops\n");
  EXPECT_EQ(run_command({"/nonexistent/tool"}), 127);
  EXPECT_EQ(run_command({"/bin/sh", "-c", "kill -TERM $$"}), 128 + 15);
}

TEST(FleetctlSsh, Exchange) {
  auto out = exchange({"/bin/cat"}, "hello", 5000);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "hello");
  auto bad = exchange({"/bin/sh", "-c", "echo no >&2; exit 3"}, "", 5000);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "/bin/sh exited with status 3: no");
  auto slow = exchange({"/bin/sleep", "10"}, "", 200);
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error(), "/bin/sleep timed out after 200 ms");
}

TEST(FleetctlHttp, RequestText) {
  EXPECT_EQ(http_request_text("GET", "/units?nextPageToken=x", ""),
            "GET /fleet/v1/units?nextPageToken=x HTTP/1.1\r\nHost: localhost\r\nConnection: "
            "close\r\nAccept: application/json\r\n\r\n");
  EXPECT_EQ(http_request_text("PUT", "/units/a.service", "{}"),
            "PUT /fleet/v1/units/a.service HTTP/1.1\r\nHost: localhost\r\nConnection: "
            "close\r\nAccept: application/json\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\n{}");
}

TEST(FleetctlHttp, ParseReply) {
  auto r = parse_http_reply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}trailing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{}");
  r = parse_http_reply("HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->body, "");
  r = parse_http_reply(
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: "
      "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "abcde");
  EXPECT_FALSE(parse_http_reply("garbage"));
  EXPECT_FALSE(parse_http_reply("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"));
}

}  // namespace
}  // namespace corestack::fleet
